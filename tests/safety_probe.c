/* A small LEAKCHECK_TEST binary for test_write_safety.sh: one clean test and
 * one planted leak, so every report it writes has content to check. */
#include <stdlib.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

LEAKCHECK_TEST(probe_clean) { free(malloc(24)); }
LEAKCHECK_TEST(probe_leaks) { lc_test_sink = malloc(48); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_clean),
        cmocka_unit_test(probe_leaks),
    };
    cmocka_run_group_tests_name("probe", tests, NULL, NULL);
    return 0; /* the leak is by design; the script checks the reports */
}
