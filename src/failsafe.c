/* failsafe.c: whether the tracker can observe a test at all, so a test it
 * cannot see is an error and never CLEAN: owns the checks at a test's start
 * (tracker memory, a check enabled, malloc is ours) and end (no allocation
 * dropped). Calls lc__init, the table's lost counter and dlsym; not on the
 * hook path. */

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static uint64_t lost_at_begin;

/* 1 when the first malloc in the process's lookup scope is ours: a sanitizer
 * runtime or an allocator preloaded before leakcheck takes every call. */
static int malloc_is_ours(void) {
    static int known, ours;
    if (!known) {
        Dl_info a, b;
        void *m = dlsym(RTLD_DEFAULT, "malloc");
        ours = m && dladdr(m, &a) && dladdr((void *)malloc_is_ours, &b) &&
               a.dli_fbase == b.dli_fbase;
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
        snprintf(err, errlen,
                 "leakcheck: cannot observe this test: malloc is not leakcheck's (a sanitizer "
                 "or another allocator is loaded before libleakcheck)");
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
