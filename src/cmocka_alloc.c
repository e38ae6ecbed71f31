/* cmocka_alloc.c: cmocka's test_malloc family (_test_malloc, _test_calloc,
 * _test_realloc, _test_free) interposed to follow the blocks of the test the
 * engine is judging, and to release them as cmocka would when leakcheck cuts
 * the test short. Calls cmocka's own functions (dlsym RTLD_NEXT). Not on the
 * hook path. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "internal.h"

/* cmocka frees and reports the test_malloc blocks a test leaves, but only
 * when the test's function returns. When leakcheck fails the test (a longjmp)
 * or abandons an iteration, that check never runs and the blocks would fail
 * the whole group at its end: so the blocks are followed here and released as
 * cmocka would have released them. */
static struct {
    void **ptr;
    unsigned *iter;
    size_t n, cap;
} tm;

static void tm_track(void *p) {
    if (!p || !lc__engine_active())
        return;
    lc__guard_enter();
    if (tm.n == tm.cap) {
        size_t ncap = tm.cap ? tm.cap * 2 : 64;
        void **np = lc__xrealloc(tm.ptr, ncap * sizeof *np);
        if (np)
            tm.ptr = np;
        unsigned *ni = lc__xrealloc(tm.iter, ncap * sizeof *ni);
        if (ni)
            tm.iter = ni;
        if (np && ni)
            tm.cap = ncap;
    }
    if (tm.n < tm.cap) {
        tm.ptr[tm.n] = p;
        tm.iter[tm.n++] = __atomic_load_n(&lc__st.iteration, __ATOMIC_RELAXED);
    }
    lc__guard_leave();
}

static void tm_untrack(void *p) {
    for (size_t i = tm.n; p && i-- > 0;)
        if (tm.ptr[i] == p) {
            tm.ptr[i] = tm.ptr[--tm.n];
            tm.iter[i] = tm.iter[tm.n];
            return;
        }
}

/* cmocka's _test_calloc and _test_realloc call its _test_malloc and
 * _test_free themselves, through the PLT, so back into the functions below:
 * only the outermost call follows the block (a nested one would follow a
 * realloc'd block twice, and releasing it would free it twice). */
static __thread int depth;

typedef void *(*tmalloc_fn)(size_t, const char *, int);
typedef void *(*tcalloc_fn)(size_t, size_t, const char *, int);
typedef void *(*trealloc_fn)(void *, size_t, const char *, int);
typedef void (*tfree_fn)(void *, const char *, int);
static tfree_fn real_test_free;

__attribute__((visibility("default"))) void *_test_malloc(const size_t size, const char *file,
                                                         const int line) {
    static tmalloc_fn real;
    if (!real)
        real = (tmalloc_fn)dlsym(RTLD_NEXT, "_test_malloc");
    depth++;
    void *p = real(size, file, line);
    if (!--depth)
        tm_track(p);
    return p;
}

__attribute__((visibility("default"))) void *_test_calloc(const size_t n, const size_t size,
                                                         const char *file, const int line) {
    static tcalloc_fn real;
    if (!real)
        real = (tcalloc_fn)dlsym(RTLD_NEXT, "_test_calloc");
    depth++;
    void *p = real(n, size, file, line);
    if (!--depth)
        tm_track(p);
    return p;
}

__attribute__((visibility("default"))) void *_test_realloc(void *ptr, const size_t size,
                                                          const char *file, const int line) {
    static trealloc_fn real;
    if (!real)
        real = (trealloc_fn)dlsym(RTLD_NEXT, "_test_realloc");
    depth++;
    void *p = real(ptr, size, file, line);
    if (--depth)
        return p;
    if (p || !size)
        tm_untrack(ptr);
    tm_track(p);
    return p;
}

__attribute__((visibility("default"))) void _test_free(void *const ptr, const char *file,
                                                      const int line) {
    if (!real_test_free)
        real_test_free = (tfree_fn)dlsym(RTLD_NEXT, "_test_free");
    if (!depth)
        tm_untrack(ptr);
    depth++;
    real_test_free(ptr, file, line);
    depth--;
}

void lc__tm_release(unsigned from) {
    if (!real_test_free)
        real_test_free = (tfree_fn)dlsym(RTLD_NEXT, "_test_free");
    for (size_t i = tm.n; i-- > 0;)
        if (tm.iter[i] >= from) {
            void *p = tm.ptr[i];
            tm.ptr[i] = tm.ptr[--tm.n];
            tm.iter[i] = tm.iter[tm.n];
            real_test_free(p, __FILE__, __LINE__);
        }
}

void lc__tm_reset(void) { tm.n = 0; }
