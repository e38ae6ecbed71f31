/* failsafe.c: whether the tracker can observe a test at all, so a test it
 * cannot see is an error and never CLEAN: owns the checks at a test's start
 * (tracker memory, a check enabled, malloc is ours) and end (no allocation
 * dropped). Calls lc__init, the table's lost counter and dlsym; not on the
 * hook path. */

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint64_t lost_at_begin;

/* One malloc and free through the program's own binding (the PLT), inside
 * a scope of their own: 1 when leakcheck's hook counted them, 0 when not, -1
 * when it cannot be tried now (a scope is open). Valgrind, for one, redirects
 * malloc without changing what dlsym finds. */
static int canary_counted(void) {
    lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
    if (lc_scope_active())
        return -1;
    if (lc_scope_begin(&cfg) != 0)
        return 0;
    void *(*volatile alloc)(size_t) = malloc;
    void (*volatile release)(void *) = free;
    int guard = lc__tls.guard; /* callers hold it; the hook must count this pair */
    lc__tls.guard = 0;
    void *volatile p = alloc(24);
    release(p);
    lc__tls.guard = guard;
    lc_counters c;
    lc_scope_counters(&c, LC_ATTRIBUTED);
    lc_scope_end();
    return c.allocs >= 1 && c.frees >= 1;
}

/* 1 when the process's malloc is leakcheck's: the first malloc in the lookup
 * scope is ours (no sanitizer runtime or allocator preloaded before us) and
 * a call through it reaches our hook. Checked once per process. */
static int malloc_is_ours(void) {
    static int known, ours;
    if (!known) {
        Dl_info a, b;
        void *m = dlsym(RTLD_DEFAULT, "malloc");
        int first = m && dladdr(m, &a) && dladdr((void *)malloc_is_ours, &b) &&
                    a.dli_fbase == b.dli_fbase;
        int counted = first ? canary_counted() : 0;
        if (counted < 0)
            return 1; /* try again at the next test */
        ours = first && counted;
        known = 1;
    }
    return ours;
}

int lc__failsafe_begin(unsigned checks, char *err, size_t errlen) {
    int rc = lc__init();
    if (rc) {
        snprintf(err, errlen,
                 "leakcheck: cannot observe this test: the tracker could not map its memory "
                 "(%s; an address-space limit such as ulimit -v?)",
                 lc_strerror(rc));
        return -1;
    }
    if (checks == 0) {
        snprintf(err, errlen,
                 "leakcheck: cannot observe this test: LEAKCHECK_CHECKS turns every check off "
                 "(accepted: memory, threads, fds)");
        return -1;
    }
    if (!malloc_is_ours()) {
        const char *pre = getenv("LD_PRELOAD");
        if (pre && strstr(pre, "vgpreload"))
            snprintf(err, errlen,
                     "leakcheck: cannot observe this test: valgrind took malloc (run valgrind "
                     "with --soname-synonyms=somalloc=nouserintercepts)");
        else
            snprintf(err, errlen,
                     "leakcheck: cannot observe this test: malloc is not leakcheck's (a "
                     "sanitizer or another allocator is loaded before libleakcheck)");
        return -1;
    }
    lost_at_begin = lc__table_lost();
    return 0;
}

int lc__failsafe_end(char *err, size_t errlen) {
    uint64_t lost = lc__table_lost() - lost_at_begin;
    if (!lost)
        return 0;
    snprintf(err, errlen,
             "leakcheck: cannot judge this test: %llu allocation%s not recorded (the tracker "
             "ran out of memory for its table)",
             (unsigned long long)lost, lost == 1 ? " was" : "s were");
    return -1;
}
