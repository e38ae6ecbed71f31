/* probe.c: which allocation entry points actually reach leakcheck's hooks.
 * Each entry point is called once, through the global symbol a program would
 * call, inside a counting scope, and the counters say whether the block and
 * its free were seen. valgrind's replacement malloc, a sanitizer allocator
 * whose hooks skip realloc (LSan) or the aligned allocators (clang 14's TSan)
 * would otherwise hide blocks and let a leaking test pass. Start-up only
 * (sanitizer.c), never on the hook path. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "sanitizer.h"

typedef void *(*alloc1_fn)(size_t);
typedef void *(*alloc2_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void *(*reallocarray_fn)(void *, size_t, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void (*free_fn)(void *);

static void *sym(const char *name) { return dlsym(RTLD_DEFAULT, name); }

static lc_counters now(void) {
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    return c;
}

/* Appends name to the list when the call between a and b did not add
 * `allocs` allocations and `frees` frees. */
static void expect(char *missing, size_t cap, const char *name, lc_counters a, lc_counters b,
                   uint64_t allocs, uint64_t frees) {
    if (b.allocs - a.allocs == allocs && b.frees - a.frees == frees)
        return;
    size_t len = strlen(missing);
    snprintf(missing + len, cap - len, "%s%s", len ? ", " : "", name);
}

/* The C family. Every call goes through a volatile pointer: the compiler
 * must not fold a malloc/free pair it can see. */
static void probe_c(char *missing, size_t cap, free_fn release) {
    alloc1_fn volatile m = (alloc1_fn)sym("malloc");
    alloc2_fn volatile ca = (alloc2_fn)sym("calloc");
    realloc_fn volatile re = (realloc_fn)sym("realloc");
    reallocarray_fn volatile ra = (reallocarray_fn)sym("reallocarray");
    posix_memalign_fn volatile pm = (posix_memalign_fn)sym("posix_memalign");
    alloc2_fn volatile al = (alloc2_fn)sym("aligned_alloc");
    alloc2_fn volatile me = (alloc2_fn)sym("memalign");
    alloc1_fn volatile va = (alloc1_fn)sym("valloc");
    lc_counters a = now(), b;
    void *p = m(24);
    expect(missing, cap, "malloc", a, b = now(), 1, 0);
    release(p);
    expect(missing, cap, "free", b, a = now(), 0, 1);
    p = ca(2, 16);
    expect(missing, cap, "calloc", a, b = now(), 1, 0);
    p = re(p, 1u << 16); /* large: glibc moves it; a sanitizer always does */
    expect(missing, cap, "realloc", b, a = now(), 1, 1);
    if (ra) {
        p = ra(p, 1u << 12, 32);
        expect(missing, cap, "reallocarray", a, b = now(), 1, 1);
        a = b;
    }
    release(p);
    void *q = NULL;
    b = now();
    if (pm(&q, 64, 100) == 0)
        expect(missing, cap, "posix_memalign", b, a = now(), 1, 0);
    release(q);
    b = now();
    p = al(64, 128);
    expect(missing, cap, "aligned_alloc", b, a = now(), 1, 0);
    release(p);
    b = now();
    p = me(64, 100);
    expect(missing, cap, "memalign", b, a = now(), 1, 0);
    release(p);
    b = now();
    p = va(100);
    expect(missing, cap, "valloc", b, a = now(), 1, 0);
    release(p);
}

/* A C++ runtime already loaded (never loaded here: our own operator new
 * would dlopen libstdc++ into every C program it probes). */
static int cxx_runtime_loaded(void) {
    static const char *const names[] = {"libstdc++.so.6", "libc++.so.1"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *h = dlopen(names[i], RTLD_LAZY | RTLD_NOLOAD);
        if (h) {
            dlclose(h); /* drops the reference NOLOAD took */
            return 1;
        }
    }
    return 0;
}

/* operator new/delete, when the process has a C++ runtime. */
static void probe_cxx(char *missing, size_t cap) {
    if (!cxx_runtime_loaded())
        return;
    alloc1_fn volatile nw = (alloc1_fn)sym("_Znwm");
    free_fn volatile dl = (free_fn)sym("_ZdlPv");
    if (!nw || !dl)
        return;
    lc_counters a = now(), b;
    void *p = nw(24);
    expect(missing, cap, "operator new", a, b = now(), 1, 0);
    dl(p);
    expect(missing, cap, "operator delete", b, now(), 0, 1);
}

int lc__probe_family(char *missing, size_t cap) {
    missing[0] = '\0';
    lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0)
        return 0; /* a scope is active: not at start-up; nothing to say */
    free_fn volatile release = (free_fn)sym("free");
    /* start-up may run with the guard up: the probe's calls must be seen like
     * a program's */
    int guard = lc__tls.guard;
    lc__tls.guard = 0;
    probe_c(missing, cap, release);
    probe_cxx(missing, cap);
    lc__tls.guard = guard;
    lc_counters c = now();
    lc_scope_end();
    return c.allocs == 0 ? -1 : missing[0] != '\0';
}
