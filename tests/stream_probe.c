/* The reports while a run goes on (report_stream.c), for
 * test_report_stream.py: two groups of tests and benchmarks interleaved, a
 * leak, an assertion failure, and optionally a death in the middle.
 * Usage: stream_probe [MODE [WHOLE.json WHOLE.xml]]
 *   MODE  "" (run everything), "abort" or "kill": the test `dies` calls
 *         abort() or raise(SIGKILL); "tiny": only the second group
 *   WHOLE after the run, the same results written whole by
 *         lc__report_write_json / lc__report_write_junit, to compare with.
 * Environment (the fault-injection test): STREAM_PROBE_FAULT=N fails the Nth
 * allocation of report building; STREAM_PROBE_COUNT=1 prints how many there
 * were, after the last report write. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leakcheck/bench.h>
#include <leakcheck/leakcheck.h>

#include "../src/session.h"
#include "../src/report.h"

extern void *volatile lc_test_sink;
static const char *mode = "";

__attribute__((destructor(101))) static void print_count(void) {
    if (getenv("STREAM_PROBE_COUNT"))
        fprintf(stderr, "report allocations: %lu\n", lc__report_alloc_count());
}

LEAKCHECK_TEST(a_clean) { free(malloc(24)); }
LEAKCHECK_TEST(a_leaks) { lc_test_sink = malloc(48); }
LEAKCHECK_BENCH(a_bench) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        free(lc_test_sink = malloc(16));
}
LEAKCHECK_TEST(a_fails) { assert_true(0); }
LEAKCHECK_TEST(dies) {
    if (strcmp(mode, "abort") == 0)
        abort();
    if (strcmp(mode, "kill") == 0)
        raise(SIGKILL);
}
LEAKCHECK_TEST(b_clean) { free(malloc(8)); }
LEAKCHECK_BENCH(b_bench) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        free(lc_test_sink = malloc(32));
}
LEAKCHECK_TEST(b_clean_too) { free(malloc(8)); }

int main(int argc, char **argv) {
    if (argc > 1)
        mode = argv[1];
    if (getenv("STREAM_PROBE_FAULT"))
        lc__report_fault_at(strtoul(getenv("STREAM_PROBE_FAULT"), NULL, 10));
    const struct CMUnitTest a[] = {
        cmocka_unit_test(a_clean), cmocka_unit_test(a_leaks), cmocka_unit_test(a_bench),
        cmocka_unit_test(a_fails), cmocka_unit_test(dies),
    };
    const struct CMUnitTest b[] = {
        cmocka_unit_test(b_clean), cmocka_unit_test(b_bench), cmocka_unit_test(b_clean_too),
    };
    if (strcmp(mode, "tiny") != 0)
        cmocka_run_group_tests_name("group_a", a, NULL, NULL);
    cmocka_run_group_tests_name("group_b", b, NULL, NULL);
    if (argc > 3) {
        char err[4600];
        if (lc__report_write_json(lc__session_run(), argv[2], err, sizeof err) ||
            lc__report_write_junit(lc__session_run(), argv[3], err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
    }
    return 0;
}
