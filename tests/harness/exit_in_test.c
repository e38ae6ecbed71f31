/* A test body that calls exit(): reported as "called exit(N)", not as an
 * assertion failure, and the run fails even for exit(0). argv[1] is the
 * status. run_exit_in_test.py checks the reports and the exit status. */
#include <stdlib.h>

#include <leakcheck/leakcheck.h>

static int status;

LEAKCHECK_TEST(clean_before_exit) { free(malloc(16)); }
LEAKCHECK_TEST(calls_exit) { exit(status); }
LEAKCHECK_TEST(never_reached_after_exit) { free(malloc(8)); }

int main(int argc, char **argv) {
    status = argc > 1 ? atoi(argv[1]) : 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_before_exit),
        cmocka_unit_test(calls_exit),
        cmocka_unit_test(never_reached_after_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
