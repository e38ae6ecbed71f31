/* Benchmarks and tests with exact, known allocation counts, budget pass/fail
 * twins, allocation-free regions and lc_allocs_per_run. run_bench.py runs this
 * binary and checks every figure from its JSON report, its console and its
 * exit status, then drives the baseline workflow with it.
 *
 * FIXTURE_EXTRA=1 in the environment makes the baseline targets allocate more
 * (bench_malloc_one, test_regress_target) and leak_site_test leak at a second
 * site: a real regression against a baseline written without it.
 *
 * Every planted allocation escapes through the volatile lc_test_sink, so -O2
 * keeps it. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;
static int extra;
static volatile unsigned long arith_sink;

/* ---- exact counts ---- */

/* 1 alloc of 64 B and 1 free per op (2 allocs, 96 B with FIXTURE_EXTRA). */
LEAKCHECK_BENCH(bench_malloc_one) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        lc_test_sink = malloc(64);
        free(lc_test_sink);
        if (extra) {
            lc_test_sink = malloc(32);
            free(lc_test_sink);
        }
    }
}

/* malloc 16, calloc 4x8, realloc the first to 100 (a free and an alloc), two
 * frees: 3 allocs, 3 frees, 148 B per op; 132 B live at most. */
LEAKCHECK_BENCH(bench_family) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        lc_test_sink = malloc(16);
        void *a = lc_test_sink;
        lc_test_sink = calloc(4, 8);
        void *b = lc_test_sink;
        lc_test_sink = realloc(a, 100);
        void *c = lc_test_sink;
        free(b);
        free(c);
    }
}

/* Keeps every node: 1 alloc of 24 B per op, nothing freed, so the net growth
 * and the peak are 24 B x n. */
struct node {
    struct node *next;
    char pad[16];
};
static struct node *volatile list_head;
LEAKCHECK_BENCH(bench_leaky_list) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        lc_test_sink = malloc(sizeof(struct node));
        struct node *n = lc_test_sink;
        n->next = list_head;
        list_head = n;
    }
}

/* Data-dependent: op i allocates one 8-byte block per decimal digit of i, so
 * the allocations per op depend on n (2.89 over 1000 ops, 2.78 over 500). */
static unsigned digits(size_t i) {
    unsigned d = 1;
    while (i >= 10) {
        i /= 10;
        d++;
    }
    return d;
}
LEAKCHECK_BENCH_WITH(bench_digits, {.n = 1000}) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        void *blocks[24];
        unsigned d = digits(i);
        for (unsigned k = 0; k < d; k++) {
            lc_test_sink = malloc(8);
            blocks[k] = lc_test_sink;
        }
        for (unsigned k = 0; k < d; k++)
            free(blocks[k]);
    }
}

/* A thread the body starts is attributed: its n allocs of 40 B count. */
static void *own_worker(void *arg) {
    size_t n = (size_t)arg;
    for (size_t i = 0; i < n; i++) {
        lc_test_sink = malloc(40);
        free(lc_test_sink);
    }
    return NULL;
}
LEAKCHECK_BENCH(bench_own_thread) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, own_worker, (void *)lc_bench_n()), 0);
    pthread_join(t, NULL);
}

/* ---- budgets: twins that pass and fail ---- */

LEAKCHECK_BENCH_WITH(bench_budget_ok,
                     {.budget = {.allocs = 1, .bytes = 64, .peak_bytes = 64}}) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        lc_test_sink = malloc(64);
        free(lc_test_sink);
    }
}

LEAKCHECK_BENCH_WITH(bench_budget_over, {.budget = {.allocs = 1, .bytes = 32}}) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        lc_test_sink = malloc(64);
        free(lc_test_sink);
    }
}

static void two_live_blocks(void) {
    lc_test_sink = malloc(100);
    void *a = lc_test_sink;
    lc_test_sink = malloc(100);
    free(a);
    free(lc_test_sink);
}
LEAKCHECK_BENCH_WITH(bench_peak_ok, {.budget = {.peak_bytes = 200}}) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        two_live_blocks();
}
LEAKCHECK_BENCH_WITH(bench_peak_over, {.budget = {.peak_bytes = 150}}) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        two_live_blocks();
}

LEAKCHECK_BENCH_WITH(bench_zero_ok, {.budget = {.allocs = LEAKCHECK_NONE}}) {
    for (size_t i = 0; i < lc_bench_n(); i++)
        arith_sink += i * 7;
}

__attribute__((noinline)) static void hidden_alloc(void) {
    lc_test_sink = malloc(12);
    free(lc_test_sink);
}
LEAKCHECK_BENCH_WITH(bench_zero_over, {.budget = {.allocs = LEAKCHECK_NONE}}) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        arith_sink += i;
        hidden_alloc();
    }
}

/* A body that fails: the benchmark stays "did not finish", the next is exact. */
LEAKCHECK_BENCH(bench_fails) {
    lc_test_sink = malloc(8);
    free(lc_test_sink);
    assert_true(lc_bench_n() == 0);
}
LEAKCHECK_BENCH(bench_after_failure) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        lc_test_sink = malloc(72);
        free(lc_test_sink);
    }
}

static void two_blocks_of_24(void) {
    lc_test_sink = malloc(24);
    void *a = lc_test_sink;
    lc_test_sink = malloc(24);
    free(a);
    free(lc_test_sink);
}
LEAKCHECK_TEST_WITH(test_budget_ok,
                    {.budget = {.allocs = 2, .bytes = 48, .peak_bytes = 48}}) {
    two_blocks_of_24();
}
LEAKCHECK_TEST_WITH(test_budget_over, {.budget = {.allocs = 1}}) { two_blocks_of_24(); }
LEAKCHECK_TEST_WITH(test_peak_budget_over, {.budget = {.peak_bytes = 40}}) {
    two_blocks_of_24();
}

/* ---- baseline targets ---- */

/* 1 alloc of 40 B per iteration (2 with FIXTURE_EXTRA). */
LEAKCHECK_TEST(test_regress_target) {
    lc_test_sink = malloc(40);
    free(lc_test_sink);
    if (extra) {
        lc_test_sink = malloc(40);
        free(lc_test_sink);
    }
}

static struct node *volatile kept;
__attribute__((noinline)) static void leak_site_a(void) {
    lc_test_sink = malloc(sizeof(struct node));
    struct node *n = lc_test_sink;
    n->next = kept;
    kept = n;
}
__attribute__((noinline)) static void leak_site_b(void) {
    lc_test_sink = malloc(sizeof(struct node) + 8);
    struct node *n = lc_test_sink;
    n->next = kept;
    kept = n;
}
/* Leaks at site a every iteration, and at site b too with FIXTURE_EXTRA. */
LEAKCHECK_TEST(leak_site_test) {
    leak_site_a();
    if (extra)
        leak_site_b();
}

/* ---- allocation-free regions ---- */

__attribute__((noinline)) static void region_alloc(void) {
    lc_test_sink = malloc(16);
    free(lc_test_sink);
}

LEAKCHECK_TEST(noalloc_clean) {
    region_alloc(); /* outside the region: allowed */
    LEAKCHECK_NOALLOC {
        for (unsigned long i = 0; i < 100; i++)
            arith_sink += i;
    }
    region_alloc();
}

LEAKCHECK_TEST(noalloc_violated) {
    LEAKCHECK_NOALLOC {
        arith_sink += 1;
        region_alloc();
    }
}

/* The region API in a plain cmocka test (registered first, so no harness scope
 * is active): the region opens a counting scope and closes it. */
static void noalloc_api(void **state) {
    (void)state;
    assert_false(lc_scope_active());
    lc_noalloc_begin();
    assert_true(lc_scope_active());
    region_alloc();
    region_alloc();
    lc_test_sink = calloc(2, 2);
    free(lc_test_sink);
    unsigned long n = lc_noalloc_end();
    assert_false(lc_scope_active());
    assert_int_equal(n, 3);
    uint64_t size = 0;
    uint32_t stack = lc_noalloc_stack(&size);
    assert_int_equal(size, 16);
    assert_true(stack != 0);
    lc_frame f[64];
    int nf = lc_stack_symbolize(stack, f, 64);
    int named = 0;
    for (int i = 0; i < nf; i++)
        named |= f[i].function && strcmp(f[i].function, "region_alloc") == 0;
    assert_true(named);
    /* nothing allocated: no violation; nested regions count once */
    lc_noalloc_begin();
    lc_noalloc_begin();
    arith_sink += 3;
    assert_int_equal(lc_noalloc_end(), 0);
    assert_int_equal(lc_noalloc_end(), 0);
    assert_int_equal(lc_noalloc_stack(NULL), 0);
    /* allocations after the region are not violations */
    region_alloc();
    assert_int_equal(lc_noalloc_end(), 0);
}

/* ---- lc_allocs_per_run ---- */

static void three_allocs(void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++) {
        lc_test_sink = malloc(10 + (size_t)i);
        free(lc_test_sink);
    }
}
static void no_allocs(void *arg) { arith_sink += (unsigned long)(size_t)arg; }

static void allocs_per_run_api(void **state) {
    (void)state;
    assert_true(lc_allocs_per_run(100, three_allocs, NULL) == 3.0);
    assert_true(lc_allocs_per_run(7, no_allocs, (void *)5) == 0.0);
    assert_false(lc_scope_active());
}

LEAKCHECK_TEST(allocs_per_run_in_test) {
    assert_true(lc_scope_active());
    assert_true(lc_allocs_per_run(50, three_allocs, NULL) == 3.0);
    assert_true(lc_allocs_per_run(50, no_allocs, NULL) == 0.0);
}

/* ---- a background thread allocating during a measured benchmark ---- */

static atomic_ulong bg_allocs;
static atomic_int bg_stop;
static pthread_t bg_thread;
static void *volatile bg_sink; /* its own: lc_test_sink is the body's */

static void *bg_churn(void *arg) {
    (void)arg;
    while (!atomic_load(&bg_stop)) {
        void *p = malloc(48);
        bg_sink = p;
        free(p);
        atomic_fetch_add(&bg_allocs, 1);
    }
    return NULL;
}

/* Started before any scope (group set-up): a background thread. */
static int bg_setup(void **state) {
    (void)state;
    return pthread_create(&bg_thread, NULL, bg_churn, NULL);
}
static int bg_teardown(void **state) {
    (void)state;
    atomic_store(&bg_stop, 1);
    return pthread_join(bg_thread, NULL);
}

/* 1 alloc of 64 B per op while the background thread allocates: every call
 * waits until it has allocated 1000 more times, and checks that the scope saw
 * those allocations, counted apart. n is fixed: the waiting would make the
 * warm-up look slow and lower it. */
LEAKCHECK_BENCH_WITH(bench_background_thread, {.n = 1000}) {
    unsigned long start = atomic_load(&bg_allocs);
    for (size_t i = 0; i < lc_bench_n(); i++) {
        void *p = malloc(64);
        lc_test_sink = p;
        free(p);
    }
    while (atomic_load(&bg_allocs) - start < 1000)
        sched_yield();
    lc_counters bg;
    lc_scope_counters(&bg, LEAKCHECK_BACKGROUND);
    assert_true(bg.allocs >= 1000);
}

int main(void) {
    const char *e = getenv("FIXTURE_EXTRA");
    extra = e && strcmp(e, "1") == 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(noalloc_api),
        cmocka_unit_test(allocs_per_run_api),
        cmocka_unit_test(bench_malloc_one),
        cmocka_unit_test(bench_family),
        cmocka_unit_test(bench_leaky_list),
        cmocka_unit_test(bench_digits),
        cmocka_unit_test(bench_own_thread),
        cmocka_unit_test(bench_budget_ok),
        cmocka_unit_test(bench_budget_over),
        cmocka_unit_test(bench_peak_ok),
        cmocka_unit_test(bench_peak_over),
        cmocka_unit_test(bench_zero_ok),
        cmocka_unit_test(bench_zero_over),
        cmocka_unit_test(bench_fails),
        cmocka_unit_test(bench_after_failure),
        cmocka_unit_test(test_budget_ok),
        cmocka_unit_test(test_budget_over),
        cmocka_unit_test(test_peak_budget_over),
        cmocka_unit_test(test_regress_target),
        cmocka_unit_test(leak_site_test),
        cmocka_unit_test(noalloc_clean),
        cmocka_unit_test(noalloc_violated),
        cmocka_unit_test(allocs_per_run_in_test),
    };
    const struct CMUnitTest bg_tests[] = {
        cmocka_unit_test(bench_background_thread),
    };
    int failed = cmocka_run_group_tests_name("fixtures", tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("background", bg_tests, bg_setup, bg_teardown);
    return failed;
}
