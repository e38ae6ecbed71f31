/* The steady-state rule (src/verdict.c) on synthetic series, one per row of
 * the verdict table in DESIGN.md, plus the iteration extension: an ambiguous
 * series asks for more iterations and then decides. */
#include "testutil.h"
#include "verdict.h"

/* Judges v[0..n] (v[0]: before the window). */
static int judge(const int64_t *v, unsigned n, int final) {
    struct lc_judge_info info;
    return lc__judge(v, n, 0, final, &info);
}

/* Feeds a pattern one iteration at a time, as the harness does: judge after
 * `first` iterations, then after each extra one, up to `max`. Returns the
 * verdict and the iterations it took. */
static int run_pattern(int64_t (*live_after)(unsigned i), unsigned first, unsigned max,
                       unsigned *used) {
    int64_t v[512];
    v[0] = live_after(0);
    for (unsigned n = 1; n <= max; n++) {
        v[n] = live_after(n);
        if (n < first)
            continue;
        int j = judge(v, n, n == max);
        if (j != LC_J_AMBIGUOUS) {
            *used = n;
            return j;
        }
    }
    *used = max;
    return -1;
}

/* live values at the end of iteration i (i = 0: end of warm-up) */
static int64_t flat(unsigned i) { return 100 + 0 * (int64_t)i; }
static int64_t every_iteration(unsigned i) { return 100 + (int64_t)i; }
static int64_t every_second(unsigned i) { return 100 + (int64_t)(i + 1) / 2; }
static int64_t every_third(unsigned i) { return 100 + (int64_t)(i + 2) / 3; }
static int64_t cap_during_measured(unsigned i) { return 100 + (int64_t)(i < 3 ? i : 3); }
static int64_t cap_after_four(unsigned i) { return 100 + (int64_t)(i < 4 ? i : 4); }
static int64_t sawtooth(unsigned i) { return 100 + (int64_t)(i % 2); } /* in-flight block */
static int64_t random_walk(unsigned i) {
    static const int8_t w[] = {0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0};
    return 100 + w[i % 20];
}

static void t_table(void **state) {
    (void)state;
    unsigned used;
    assert_int_equal(run_pattern(flat, 5, 40, &used), LC_J_CLEAN);
    assert_int_equal(used, 5);
    assert_int_equal(run_pattern(every_iteration, 5, 40, &used), LC_J_LEAK);
    assert_int_equal(used, 5);
    assert_int_equal(run_pattern(every_second, 5, 40, &used), LC_J_LEAK);
    assert_int_equal(run_pattern(every_third, 5, 40, &used), LC_J_LEAK);
    assert_true(used <= 12);
    assert_int_equal(run_pattern(cap_during_measured, 5, 40, &used), LC_J_CLEAN);
    assert_int_equal(run_pattern(cap_after_four, 5, 40, &used), LC_J_CLEAN);
    assert_true(used > 5); /* needed more iterations to see the growth stop */
    assert_int_equal(run_pattern(sawtooth, 5, 40, &used), LC_J_CLEAN);
    assert_int_equal(run_pattern(random_walk, 5, 40, &used), LC_J_CLEAN);
}

static void t_one_time_and_free_later(void **state) {
    (void)state;
    /* one-time: growth happened in warm-up, the window is flat */
    int64_t once[] = {5, 5, 5, 5, 5, 5};
    assert_int_equal(judge(once, 5, 0), LC_J_CLEAN);
    /* freed one iteration later: each iteration frees the previous block */
    int64_t later[] = {1, 1, 1, 1, 1, 1};
    assert_int_equal(judge(later, 5, 0), LC_J_CLEAN);
}

static void t_tolerance_and_bytes(void **state) {
    (void)state;
    int64_t bytes[] = {1000, 1256, 1512, 1768, 2024, 2280}; /* realloc growth */
    struct lc_judge_info info;
    assert_int_equal(lc__judge(bytes, 5, 0, 0, &info), LC_J_LEAK);
    assert_int_equal(info.growths, 5);
    assert_int_equal(info.net, 1280);
    assert_int_equal(lc__judge(bytes, 5, 256, 0, &info), LC_J_CLEAN); /* tolerated */
}

static void t_final_decides(void **state) {
    (void)state;
    /* two growths still at their period when no more iterations may run */
    int64_t v[] = {0, 0, 1, 1, 2, 2};
    assert_int_equal(judge(v, 5, 0), LC_J_AMBIGUOUS);
    assert_int_equal(judge(v, 4, 1), LC_J_LEAK);
    /* one growth long ago: the growth stopped */
    int64_t w[] = {0, 1, 1, 1, 1, 1};
    assert_int_equal(judge(w, 5, 1), LC_J_CLEAN);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_table),
        cmocka_unit_test(t_one_time_and_free_later),
        cmocka_unit_test(t_tolerance_and_bytes),
        cmocka_unit_test(t_final_decides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
