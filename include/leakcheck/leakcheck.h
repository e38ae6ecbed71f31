/* leakcheck: every cmocka test an allocation regression check.
 *
 *     #include <leakcheck/leakcheck.h>
 *
 *     LEAKCHECK_TEST(parse_is_clean) {          // a cmocka test function
 *         struct config *c = config_parse("a = 1\n");
 *         assert_non_null(c);
 *         config_free(c);
 *     }
 *
 *     int main(void) {
 *         const struct CMUnitTest tests[] = {
 *             cmocka_unit_test(parse_is_clean),   // plain cmocka registration
 *         };
 *         return cmocka_run_group_tests(tests, NULL, NULL);
 *     }
 *
 * The body runs LEAKCHECK_WARMUP warm-up iterations (default 2), then
 * LEAKCHECK_ITERATIONS measured ones (default 5), more when the growth is
 * ambiguous (up to LEAKCHECK_MAX_ITERATIONS). Live heap blocks and bytes,
 * threads and file descriptors are snapshot at the end of every iteration;
 * what keeps growing across the measured iterations is a leak and fails the
 * test through cmocka, with the leaking stacks in the message. One-time
 * initialisation, caches that reach their cap and memory freed one iteration
 * later are steady state, not leaks.
 *
 * Stack cost: iterations first run counting only (no stacks). Only when a
 * test's counts grow does leakcheck run extra attribution iterations with
 * allocation stacks, to name the stacks that grow. A clean test never pays for
 * stack capture.
 *
 * A body must be repeatable: it runs several times in one cmocka test. Queue
 * mocks (will_return) inside the body, not in a per-test setup. A test
 * registered with cmocka per-test fixtures (cmocka_unit_test_setup_teardown)
 * gets them run inside every iteration, around the body.
 *
 * Unmodified suites: with LEAKCHECK_CMOCKA=1 every test of a plain cmocka
 * binary linked with leakcheck is judged the same way, no macro needed.
 */
#ifndef LEAKCHECK_LEAKCHECK_H
#define LEAKCHECK_LEAKCHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka 1.1.5's header has no C++ guards of its own. Include this header
 * before (or instead of) <cmocka.h> in C++. */
#ifdef __cplusplus
extern "C" {
#endif
#include <cmocka.h>
#ifdef __cplusplus
}
/* Fails to compile ("conflicting declaration ... with 'C' linkage") when
 * <cmocka.h> was included before this header without extern "C", instead of
 * failing to link later: include <leakcheck/leakcheck.h> first. */
extern "C" void _fail(const char *, int); /* include leakcheck.h before cmocka.h */
/* cmocka's fail() is a function-like macro, so every later `x.fail()` (the
 * member of std::basic_ios used all over <iostream>, <sstream>, <regex>...)
 * became `x._fail(__FILE__, __LINE__)`. In C++ it is replaced by a function
 * with the same effect: fail() in a test still records the caller's file and
 * line (GCC and clang evaluate __builtin_FILE/__builtin_LINE at the call
 * site), and headers included after this one compile. */
#ifdef fail
#undef fail
inline void fail(const char *lc_file_ = __builtin_FILE(), int lc_line_ = __builtin_LINE()) {
    _fail(lc_file_, lc_line_);
}
#endif
#endif

#include "core.h"
#include "bench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Resources a test is judged on (lc_test_options.checks). */
#define LEAKCHECK_CHECK_MEMORY 1u
#define LEAKCHECK_CHECK_THREADS 2u
#define LEAKCHECK_CHECK_FDS 4u
#define LEAKCHECK_CHECK_MAPPINGS 8u
#define LEAKCHECK_CHECK_PROCESSES 16u

/* Means "zero" in an lc_test_options field where 0 means "the default". */
#ifndef LEAKCHECK_NONE
#define LEAKCHECK_NONE (-1)
#endif

typedef struct lc_test_options {
    int warmup;      /* warm-up iterations; 0: LEAKCHECK_WARMUP; LEAKCHECK_NONE: none */
    int iterations;  /* measured iterations; 0: LEAKCHECK_ITERATIONS */
    unsigned checks; /* LC_CHECK_* bits; 0: LEAKCHECK_CHECKS */
    long tolerance;  /* bytes of growth per iteration tolerated; 0: LEAKCHECK_TOLERANCE;
                        LEAKCHECK_NONE: none */
    /* Expected leaks: rules like a suppressions file ("leak:cache_grow",
     * "fd:pipe:*", "thread:worker*"), separated by ';' or newlines. Matching
     * findings are reported as expected and do not fail the test. */
    const char *expect;
    /* Run inside each iteration, before and after the body; their
     * allocations count like the body's, so fixture data they create and
     * destroy balances out. */
    void (*setup)(void **state);
    void (*teardown)(void **state);
    /* Allocation budget per measured iteration (bench.h): the largest
     * iteration's allocations, bytes and peak live bytes above the iteration's
     * start. Exceeding it fails the test (verdict "failed"). */
    lc_budget budget;
    /* The allocation-failure sweep after the verdict: LEAKCHECK_FAIL_SWEEP_*
     * bits; 0: LEAKCHECK_FAIL_SWEEP; LEAKCHECK_NONE: never for this test. */
    int fail_sweep;
} lc_test_options;

/* lc_test_options.fail_sweep: fail one allocation call per site
 * (transient), or it and every later one (persistent), or both runs. */
#define LEAKCHECK_FAIL_SWEEP_TRANSIENT 1
#define LEAKCHECK_FAIL_SWEEP_PERSISTENT 2
#define LEAKCHECK_FAIL_SWEEP_BOTH 3

/* Runs body as a leakcheck test: the engine behind LEAKCHECK_TEST. Callable
 * directly from any cmocka test function (opts may be NULL). A leak fails the
 * current cmocka test. name/file/line describe the test in reports. */
LEAKCHECK_API void lc_test_run(const char *name, const char *file, unsigned line,
                               void (*body)(void **state), void **state,
                               const lc_test_options *opts);

#ifndef LEAKCHECK_UNUSED
#define LEAKCHECK_UNUSED __attribute__((unused))
#endif

/* Defines a cmocka test function `name` whose body is checked for leaks. */
#define LEAKCHECK_TEST(name) LEAKCHECK_TEST_WITH(name, LEAKCHECK_DEFAULTS)

/* The same with options:
 *     LEAKCHECK_TEST_WITH(grows_cache, {.warmup = 10, .expect = "leak:cache_put"}) { ... }
 */
#define LEAKCHECK_TEST_WITH(name, ...)                                                   \
    static void name##_lc_body(void **state LEAKCHECK_UNUSED);                           \
    LEAKCHECK_OPTIONS_BEGIN_                                                             \
    static const lc_test_options name##_lc_opts = __VA_ARGS__;                           \
    LEAKCHECK_OPTIONS_END_                                                               \
    static void name(void **state) {                                                     \
        lc_test_run(#name, __FILE__, __LINE__, name##_lc_body, state, &name##_lc_opts);  \
    }                                                                                    \
    __attribute__((constructor)) static void name##_lc_register(void) {                  \
        lc_wrapper_register(name, LEAKCHECK_WRAPPER_TEST);                                      \
    }                                                                                    \
    static void name##_lc_body(void **state LEAKCHECK_UNUSED)

#ifdef __cplusplus
}
#endif

#endif
