/* cmocka_legacy.c: notes that a program ran its tests through cmocka's
 * deprecated runners (run_tests and run_group_tests, behind _run_tests and
 * _run_group_tests, arrays of UnitTest), which leakcheck does not judge, so
 * exit_status.c names the cause instead of "not a cmocka suite". Forwards to
 * libcmocka through dlsym(RTLD_NEXT). Not on the hook path. */
#include <dlfcn.h>
#include <stddef.h>

#include "cmocka_glue.h"

/* cmocka.h is left out: its UnitTest declarations are deprecated (and gone
 * from later cmocka); the array is only passed on. */
typedef int (*legacy_fn)(const void *const, const size_t);

static int legacy_runs;

int lc__cmocka_legacy_runs(void) {
    return __atomic_load_n(&legacy_runs, __ATOMIC_RELAXED);
}

static int forward(const char *symbol, const void *const tests, const size_t n) {
    legacy_fn real = (legacy_fn)dlsym(RTLD_NEXT, symbol);
    __atomic_add_fetch(&legacy_runs, 1, __ATOMIC_RELAXED);
    return real ? real(tests, n) : -1;
}

__attribute__((visibility("default"))) int _run_tests(const void *const tests,
                                                      const size_t n) {
    return forward("_run_tests", tests, n);
}

__attribute__((visibility("default"))) int _run_group_tests(const void *const tests,
                                                            const size_t n) {
    return forward("_run_group_tests", tests, n);
}
