/* A small LEAKCHECK_TEST binary for test_write_safety.sh and test_failsafe.sh:
 * one clean test and one planted leak, so every report it writes has content
 * to check. Usage: safety_probe [clean|strict]: "clean" runs only the clean
 * test, and both return cmocka's result; without an argument it returns 0.
 * "hostile" runs one leaking test whose name holds an ANSI escape and a
 * newline (the console must show them escaped). */
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

LEAKCHECK_TEST(probe_clean) { free(malloc(24)); }
LEAKCHECK_TEST(probe_leaks) { lc_test_sink = malloc(48); }

static void hostile_body(void **state) {
    (void)state;
    lc_test_sink = malloc(8);
}
static void probe_hostile(void **state) {
    lc_test_run("evil\x1b[2J\n[  CLEAN ] forged", __FILE__, __LINE__, hostile_body, state, NULL);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(probe_clean),
        cmocka_unit_test(probe_leaks),
    };
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "hostile") == 0) {
        const struct CMUnitTest h[] = {cmocka_unit_test(probe_hostile)};
        return cmocka_run_group_tests_name("hostile", h, NULL, NULL);
    }
    int clean = strcmp(mode, "clean") == 0;
    int rc = _cmocka_run_group_tests("probe", tests, clean ? 1 : 2, NULL, NULL);
    /* without a mode the leak is by design; the script checks the reports */
    return clean || strcmp(mode, "strict") == 0 ? rc : 0;
}
