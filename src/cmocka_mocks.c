/* cmocka_mocks.c: the will_return values each iteration queues and uses, seen
 * by interposing cmocka's _will_return and _mock. At the end of an iteration
 * after the first, values it queued and never used (which cmocka would fail
 * at the test's end as "remaining non-returned values") make the test not
 * repeatable; they are drained so cmocka does not fail the test for our
 * repetition. Values queued to be returned always or maybe are queued once
 * per test, untracked (cmocka_always.c). Calls cmocka (dlsym RTLD_NEXT) and
 * the engine. Not on the hook path. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "internal.h"
#include "xml.h"

#define LC_MOCK_FNS 256

/* Per mocked function: finite values queued minus values used, and that
 * balance at the end of the test's first iteration. */
static struct mock_fn {
    const char *name, *file;
    int line;
    long pending, after_first;
} fns[LC_MOCK_FNS];
static size_t nfns;

static struct mock_fn *mock_fn(const char *name) {
    for (size_t i = 0; i < nfns; i++)
        if (strcmp(fns[i].name, name) == 0)
            return &fns[i];
    if (nfns == LC_MOCK_FNS)
        return NULL;
    fns[nfns] = (struct mock_fn){.name = lc__intern(name)};
    return fns[nfns].name ? &fns[nfns++] : NULL;
}

typedef void (*will_return_fn)(const char *, const char *, int, LargestIntegralType, int);
typedef LargestIntegralType (*mock_call_fn)(const char *, const char *, int);

__attribute__((visibility("default"))) void
_will_return(const char *const function_name, const char *const file, const int line,
             const LargestIntegralType value, const int count) {
    static will_return_fn real;
    if (!real)
        real = (will_return_fn)dlsym(RTLD_NEXT, "_will_return");
    if (count < 0) { /* always (-1), maybe (-2): see cmocka_always.c */
        if (lc__always_repeated(function_name, ""))
            return;
        lc__guard_enter();
        real(function_name, file, line, value, count);
        lc__guard_leave();
        return;
    }
    if (count > 0) { /* -1 (always) and -2 (maybe) are never left over */
        lc__guard_enter();
        struct mock_fn *f = mock_fn(function_name);
        lc__guard_leave();
        if (f) {
            f->pending += count;
            f->file = file;
            f->line = line;
        }
    }
    real(function_name, file, line, value, count);
}

static mock_call_fn real_mock(void) {
    static mock_call_fn real;
    if (!real)
        real = (mock_call_fn)dlsym(RTLD_NEXT, "_mock");
    return real;
}

__attribute__((visibility("default"))) LargestIntegralType
_mock(const char *const function, const char *const file, const int line) {
    for (size_t i = 0; i < nfns; i++)
        if (fns[i].pending > 0 && strcmp(fns[i].name, function) == 0) {
            fns[i].pending--;
            break;
        }
    return real_mock()(function, file, line);
}

/* Uses up the values of f queued beyond what the first run left. */
static void drain(struct mock_fn *f) {
    while (f->pending > f->after_first) {
        f->pending--;
        (void)real_mock()(f->name, f->file ? f->file : __FILE__, f->line);
    }
}

/* End of an iteration: the first records the balance; a later one that
 * left more values queued than the first is not repeatable, and its extra
 * values are used up here so that cmocka's end-of-test check passes. */
static const char *iteration_end(unsigned iteration) {
    const char *why = NULL;
    for (size_t i = 0; i < nfns; i++) {
        struct mock_fn *f = &fns[i];
        if (iteration == 0) {
            f->after_first = f->pending;
            continue;
        }
        if (f->pending <= f->after_first)
            continue;
        long extra = f->pending - f->after_first;
        if (!why) {
            lc__guard_enter();
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            lc__buf_printf(&m, "%s() has %ld remaining non-returned value%s (queued at %s:%d)",
                           f->name, extra, extra == 1 ? "" : "s", f->file ? f->file : "?",
                           f->line);
            why = m.data ? m.data : "remaining non-returned mock values";
            lc__guard_leave();
        }
        drain(f);
    }
    return why;
}

/* A later iteration a failure abandoned (an assertion in a mock, before it
 * used what the test queued): its unused values go, so that cmocka does not
 * fail the test for a repetition leakcheck already reported. */
static void iteration_abandoned(void) {
    for (size_t i = 0; i < nfns; i++)
        drain(&fns[i]);
}

void lc__mocks_reset(void) {
    lc__always_reset();
    for (size_t i = 0; i < nfns; i++)
        fns[i].pending = fns[i].after_first = 0;
}

/* The engine asks at every iteration's end (set once, before any test). */
__attribute__((constructor)) static void mocks_init(void) {
    lc__engine_on_iteration_end(iteration_end);
    lc__engine_on_iteration_abandoned(iteration_abandoned);
}
