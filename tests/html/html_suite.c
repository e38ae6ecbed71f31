/* html_suite.c: the test binary behind the HTML report's browser test
 * (run_html.py). A planted leak with its clean twin, a leak in a test whose
 * name is hostile markup, and two benchmarks (one within its budget, one over
 * it). Leaky tests fail through cmocka by design;
 * the checker reads the JSON report, not the exit status. */
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

#define NOINLINE __attribute__((noinline))

struct record {
    struct record *next;
    char payload[40];
};

/* The planted leak: one 48-byte record per call, never freed. */
NOINLINE static void html_planted_leak(void) {
    struct record *r = calloc(1, sizeof *r);
    lc_test_sink = r;
}

NOINLINE static void html_balanced(void) {
    struct record *r = calloc(1, sizeof *r);
    lc_test_sink = r;
    free(r);
}

LEAKCHECK_TEST(html_leaks) { html_planted_leak(); }

LEAKCHECK_TEST(html_clean) { html_balanced(); }

/* A test named with markup: the page must show it as text. */
NOINLINE static void html_hostile_leak(void) {
    lc_test_sink = strdup("<img src=x onerror=alert(2)>");
}

static void hostile_body(void **state) {
    (void)state;
    html_hostile_leak();
}

static void hostile_test(void **state) {
    lc_test_run("<script>alert(1)</script> & \"q\" 'a'", "tests/html/<b>.c", 42, hostile_body,
                state, NULL);
}

NOINLINE static void bench_lookup(void) { html_balanced(); }

LEAKCHECK_BENCH_WITH(html_bench_within, {.n = 100, .budget = {.allocs = 2}}) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        bench_lookup();
}

LEAKCHECK_BENCH_WITH(html_bench_over, {.n = 100, .budget = {.allocs = LEAKCHECK_NONE}}) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        bench_lookup();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_leaks),
        cmocka_unit_test(html_clean),
        cmocka_unit_test(hostile_test),
        cmocka_unit_test(html_bench_within),
        cmocka_unit_test(html_bench_over),
    };
    return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
