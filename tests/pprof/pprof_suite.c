/* pprof_suite.c: a LEAKCHECK_TEST suite for LEAKCHECK_PPROF and `leakcheck
 * report --pprof`: two tests leak from different functions (so -tagfocus
 * test=NAME must keep one and drop the other), one through an inlined
 * helper, and a clean twin churns without leaking. test_pprof_suite.sh
 * checks the profile against the JSON report with go tool pprof. */
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

void *volatile pp_suite_sink;

#define NOINLINE __attribute__((noinline))

static inline __attribute__((always_inline)) void *pp_suite_fill(size_t n) {
    void *p = malloc(n); /* pp-suite-inline-line */
    memset(p, 0x33, n);
    return p;
}

NOINLINE void *pp_suite_node(void) { return pp_suite_fill(48); /* pp-suite-node-line */ }

NOINLINE void *pp_suite_blob(void) {
    void *p = malloc(200); /* pp-suite-blob-line */
    memset(p, 0x44, 200);
    return p;
}

NOINLINE static void pp_suite_churn(void) {
    for (int i = 0; i < 5; i++) {
        pp_suite_sink = malloc(32);
        free(pp_suite_sink);
    }
    pp_suite_sink = NULL;
}

LEAKCHECK_TEST(leak_nodes) { pp_suite_sink = pp_suite_node(); }
LEAKCHECK_TEST(leak_blobs) { pp_suite_sink = pp_suite_blob(); }
LEAKCHECK_TEST(clean_churn) { pp_suite_churn(); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_nodes),
        cmocka_unit_test(leak_blobs),
        cmocka_unit_test(clean_churn),
    };
    return cmocka_run_group_tests_name("pprof_suite", tests, NULL, NULL);
}
