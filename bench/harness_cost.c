/* harness_cost: what the harness's stack scheme saves a clean test.
 *
 * A clean test counts only: its iterations run with stacks off, and stacks are
 * captured only in attribution iterations, which run when memory grows. This
 * program times one clean test body (allocations made 12 calls deep, all
 * freed) four ways, each for the same 7 iterations (2 warm-up + 5 measured):
 *
 *   native     the body with no scope (the hooks' pass-through branch only)
 *   counting   a scope with stacks off: what a clean LEAKCHECK_TEST pays
 *   stacks     a scope with stacks on: what capturing on every allocation
 *              would cost a clean test
 *   harness    lc_test_run itself (counting, snapshots, verdict), for scale
 *
 * and prints the median over --reps runs in ns per allocation with ratios to
 * native measured in the same run. Timing is informational: nothing asserts
 * it. Usage: harness_cost [--reps N] [--allocs N]
 *
 * SYNOPSIS (2-core machine, numbers vary with load):
 *   mode      ns/alloc  x native
 *   native        ...      1.00
 *   counting      ...       ...
 *   stacks        ...       ...
 *   harness       ...       ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <leakcheck/leakcheck.h>

static void *volatile sink;
static size_t allocs_per_iter = 20000;

__attribute__((noinline)) static void work(int depth) {
    if (depth > 0) {
        work(depth - 1);
        __asm__ volatile("" ::: "memory"); /* keep the frame */
        return;
    }
    void *keep[64];
    for (size_t i = 0; i < allocs_per_iter; i += 64) {
        for (size_t k = 0; k < 64; k++)
            keep[k] = malloc(16 + (k * 8) % 496);
        sink = keep[0];
        for (size_t k = 0; k < 64; k++)
            free(keep[k]);
    }
}

static void body(void **state) {
    (void)state;
    work(12);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum { ITERS = 7 };

static double time_scope(int mode) {
    double t0 = now();
    if (mode >= 0) {
        lc_scope_config cfg = {.stacks = mode, .depth = 0, .all_threads = 0};
        if (lc_scope_begin(&cfg) != 0) {
            fprintf(stderr, "harness_cost: cannot begin a scope\n");
            exit(2);
        }
    }
    for (int i = 0; i < ITERS; i++) {
        if (mode >= 0)
            lc_scope_iteration((unsigned)i);
        body(NULL);
    }
    if (mode >= 0)
        lc_scope_end();
    return now() - t0;
}

static int harness_runs, harness_clean;
static double harness_time;

/* Run by cmocka: lc_test_run times the real harness path for one test. */
static void harness_test(void **state) {
    lc_test_options o = {.warmup = 2, .iterations = 5};
    double t0 = now();
    lc_test_run("harness_cost_body", __FILE__, __LINE__, body, state, &o);
    harness_time = now() - t0;
    harness_runs++;
    harness_clean++; /* a leak would have failed the test before this line */
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    int reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--allocs") == 0)
            allocs_per_iter = (size_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (reps < 1 || reps > 101 || allocs_per_iter < 64) {
        fprintf(stderr, "harness_cost: --reps 1..101, --allocs >= 64\n");
        return 2;
    }
    double t[4][101];
    const struct CMUnitTest tests[] = {cmocka_unit_test(harness_test)};
    for (int r = 0; r < reps; r++) {
        t[0][r] = time_scope(-1);
        t[1][r] = time_scope(0);
        t[2][r] = time_scope(1);
        if (cmocka_run_group_tests_name("harness_cost", tests, NULL, NULL) != 0) {
            fprintf(stderr, "harness_cost: the clean body was judged a leak\n");
            return 1;
        }
        t[3][r] = harness_time;
    }
    double total = (double)ITERS * (double)(allocs_per_iter / 64 * 64);
    static const char *const names[] = {"native", "counting", "stacks", "harness"};
    double m[4];
    for (int k = 0; k < 4; k++)
        m[k] = median(t[k], reps) * 1e9 / total;
    printf("\nclean test body, %zu allocations per iteration at call depth 12, %d "
           "iterations, median of %d runs\n",
           allocs_per_iter / 64 * 64, ITERS, reps);
    printf("%-10s %10s %10s\n", "mode", "ns/alloc", "x native");
    for (int k = 0; k < 4; k++)
        printf("%-10s %10.1f %10.2f\n", names[k], m[k], m[k] / m[0]);
    printf("stacks on every allocation would cost %.2fx what counting does\n", m[2] / m[1]);
    printf("harness runs: %d, clean: %d\n", harness_runs, harness_clean);
    return 0;
}
