/* reports_bench.c: N trivial leakcheck tests (default 1000) in one cmocka
 * group, the workload of bench/reports_bench.sh, which times the binary with
 * and without the JSON and JUnit reports: writing the reports must cost
 * O(one test's result) per test, not O(every test so far).
 * Each test is what LEAKCHECK_TEST expands to (lc_test_run on a body) with its
 * own name, so the reports hold N distinct tests.
 * Usage: reports_bench [N] */
#include <stdio.h>
#include <stdlib.h>

#include <leakcheck/leakcheck.h>

static char (*names)[32];

static void trivial_body(void **state) {
    (void)state;
    void *volatile p = malloc(16); /* balanced: every test is clean */
    free(p);
}

static void trivial_test(void **state) {
    size_t i = (size_t)*state;
    lc_test_run(names[i], __FILE__, __LINE__, trivial_body, state, NULL);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    if (n == 0 || n > 1000000) {
        fprintf(stderr, "reports_bench: N must be 1..1000000\n");
        return 2;
    }
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    names = calloc(n, sizeof *names);
    if (!tests || !names)
        return 2;
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "trivial_%05zu", i);
        tests[i] = (struct CMUnitTest){.name = names[i], .test_func = trivial_test,
                                       .initial_state = (void *)i};
    }
    int rc = _cmocka_run_group_tests("reports_bench", tests, n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}
