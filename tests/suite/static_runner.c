/* static_runner.c: what a statically linked cmocka looks like to leakcheck:
 * the program's calls to the group runner bind inside the program, so the
 * interposed one never runs. Here the program defines a minimal runner of its
 * own. Under LEAKCHECK_CMOCKA=1 it must fail with one line saying so. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

int _cmocka_run_group_tests(const char *name, const struct CMUnitTest *const tests,
                            const size_t n, CMFixtureFunction setup,
                            CMFixtureFunction teardown) {
    (void)name;
    (void)setup;
    (void)teardown;
    for (size_t i = 0; i < n; i++) {
        void *state = tests[i].initial_state;
        tests[i].test_func(&state);
    }
    return 0;
}

static void a_test(void **state) {
    (void)state;
    free(malloc(8));
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(a_test)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
