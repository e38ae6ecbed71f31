/* A small LEAKCHECK_TEST binary for test_write_safety.sh and test_failsafe.sh:
 * one clean test and one planted leak, so every report it writes has content
 * to check. Usage: safety_probe [clean|strict]: "clean" runs only the clean
 * test, and both return cmocka's result; without an argument it returns 0. */
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

LEAKCHECK_TEST(probe_clean) { free(malloc(24)); }
LEAKCHECK_TEST(probe_leaks) { lc_test_sink = malloc(48); }

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_clean),
        cmocka_unit_test(probe_leaks),
    };
    const char *mode = argc > 1 ? argv[1] : "";
    int clean = strcmp(mode, "clean") == 0;
    int rc = _cmocka_run_group_tests("probe", tests, clean ? 1 : 2, NULL, NULL);
    /* without a mode the leak is by design; the script checks the reports */
    return clean || strcmp(mode, "strict") == 0 ? rc : 0;
}
