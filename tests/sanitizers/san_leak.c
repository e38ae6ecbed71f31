/* A planted-leak suite for sanitizer builds (run_sanitizers.py compiles it
 * with -fsanitize=address, thread, leak or memory, gcc and clang). Under a
 * sanitizer its malloc replaces leakcheck's, which then observes the heap
 * through the sanitizer allocator's hooks: each leak must be caught with the
 * planted function in its stack, the clean twin must pass. CLEAN_ONLY builds
 * the twin alone, run with the sanitizer's own leak check on: leakcheck must
 * leave nothing for it to report. */
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

/* volatile: -O2 keeps every planted allocation */
static void *volatile sink;

#define NOINLINE __attribute__((noinline))

NOINLINE static void planted_malloc(void) { sink = malloc(48); }
NOINLINE static void planted_strdup(void) { sink = strdup("leaked through strdup"); }
NOINLINE static void balanced(void) {
    sink = malloc(48);
    free(sink);
    sink = strdup("freed again");
    free(sink);
}

/* A plain cmocka test of the core API, which must agree with the harness:
 * when allocations cannot be observed, no scope opens and no count is
 * offered (a 0 would pass for "allocation-free"). */
static void count_one(void *arg) {
    (void)arg;
    sink = malloc(8);
    free(sink);
}
static void core_api_agrees(void **state) {
    (void)state;
    if (lc_unobserved_reason() == NULL) {
        assert_int_equal(lc_scope_begin(NULL), 0);
        lc_scope_end();
        assert_true(lc_allocs_per_run(4, count_one, NULL) == 1.0);
    } else {
        assert_int_equal(lc_scope_begin(NULL), LEAKCHECK_EUNOBSERVED);
        assert_string_equal(lc_strerror(LEAKCHECK_EUNOBSERVED),
                            "allocations cannot be observed in this process");
        assert_true(lc_allocs_per_run(4, count_one, NULL) < 0);
    }
}

LEAKCHECK_TEST(leak_malloc) { planted_malloc(); }
LEAKCHECK_TEST(leak_strdup) { planted_strdup(); }
LEAKCHECK_TEST(clean_twin) { balanced(); }

int main(void) {
    const struct CMUnitTest tests[] = {
#ifndef CLEAN_ONLY
        cmocka_unit_test(leak_malloc),
        cmocka_unit_test(leak_strdup),
#endif
        cmocka_unit_test(clean_twin),
        cmocka_unit_test(core_api_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
