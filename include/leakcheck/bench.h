/* leakcheck/bench.h: allocation benchmarks, budgets, allocation-free regions
 * and allocs-per-run. Included by leakcheck.h; the engine is src/bench.c.
 *
 * Allocation counts, unlike times, are deterministic: a benchmark's
 * allocations per op are exact, so a budget or a baseline on them is an exact
 * gate that never flakes. Only the allocations of the calling thread and the
 * threads it starts count ("attributed"); a thread that was already running
 * (a fixture's worker, a library's thread) is counted apart and never moves
 * the figures.
 *
 *     LEAKCHECK_BENCH(parse_small) {                  // a cmocka test function
 *         for (size_t i = 0; i < lc_bench_n(); i++)
 *             config_free(config_parse("a = 1\n"));
 *     }
 *
 *     LEAKCHECK_BENCH_WITH(lookup, {.budget = {.allocs = LEAKCHECK_NONE}}) {
 *         for (size_t i = 0; i < lc_bench_n(); i++)
 *             sink = table_get(t, "key");              // must not allocate
 *     }
 *
 *     LEAKCHECK_TEST(encode) {
 *         prepare();
 *         LEAKCHECK_NOALLOC {                          // any allocation here fails
 *             encode_into(buf, sizeof buf);            // the test, with its stack
 *         }
 *     }
 *
 * Registration is plain cmocka: cmocka_unit_test(parse_small).
 */
#ifndef LEAKCHECK_BENCH_H
#define LEAKCHECK_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LEAKCHECK_NONE
/* Means "zero" in an options field where 0 means "the default" (here: no
 * budget). */
#define LEAKCHECK_NONE (-1)
#endif

/* Allocation budgets. A benchmark's are per op; a test's (lc_test_options
 * .budget) are per measured iteration, the largest iteration counting. Each
 * field: 0 means no budget, LEAKCHECK_NONE means zero allowed. */
typedef struct lc_budget {
    double allocs;   /* allocation calls (malloc, calloc, realloc, new, ...) */
    double bytes;    /* requested bytes allocated */
    long peak_bytes; /* most bytes live at once, above what was live when the
                        benchmark's measured run (the test's iteration) began */
} lc_budget;

typedef struct lc_bench_options {
    /* Ops of the measured run; 0: LEAKCHECK_BENCH_N (default 1000), lowered
     * for a slow body only when LEAKCHECK_BENCH_TIME_MS is set. A value set
     * here is used as is. n is the same on every run, so counts, peaks and
     * means compare exactly against a baseline. */
    long n;
    /* Ops of the warm-up call (not counted: lazy initialisation, caches);
     * 0: 1; LEAKCHECK_NONE: no warm-up. */
    long warmup;
    lc_budget budget;
    /* Run before and after every call of the body, outside the counted window. */
    void (*setup)(void **state);
    void (*teardown)(void **state);
} lc_bench_options;

/* Runs body as a benchmark: the engine behind LEAKCHECK_BENCH. Callable from
 * any cmocka test function (opts may be NULL). The body is called a few times
 * (warm-up, a check run of n/2 ops, the measured run of n ops) and must do
 * lc_bench_n() ops per call. A budget exceeded or a baseline regression fails
 * the current cmocka test. */
LEAKCHECK_API void lc_bench_run(const char *name, const char *file, unsigned line,
                                void (*body)(void **state), void **state,
                                const lc_bench_options *opts);
/* The number of ops the current call of a benchmark body must do (1 outside
 * a benchmark). */
LEAKCHECK_API size_t lc_bench_n(void);

#ifndef LEAKCHECK_UNUSED
#define LEAKCHECK_UNUSED __attribute__((unused))
#endif

/* Kinds of cmocka test functions the macros generate (lc_wrapper_register). */
#define LEAKCHECK_WRAPPER_TEST 0
#define LEAKCHECK_WRAPPER_BENCH 1
/* Marks test_func as a function LEAKCHECK_TEST (LEAKCHECK_WRAPPER_TEST) or
 * LEAKCHECK_BENCH (LEAKCHECK_WRAPPER_BENCH) generated; the macros call it from a
 * constructor. The cmocka glue then never judges it as a plain test
 * (LEAKCHECK_CMOCKA) and runs a test's cmocka per-test fixtures in each of its
 * iterations. */
LEAKCHECK_API void lc_wrapper_register(void (*test_func)(void **state), int kind);

/* Defines a cmocka test function `name` that benchmarks its body. */
#define LEAKCHECK_BENCH(name) LEAKCHECK_BENCH_WITH(name, LEAKCHECK_DEFAULTS)

/* The same with options:
 *     LEAKCHECK_BENCH_WITH(parse, {.n = 10000, .budget = {.allocs = 3, .bytes = 256}}) {
 *         ...
 *     }
 */
#define LEAKCHECK_BENCH_WITH(name, ...)                                                  \
    static void name##_lc_bench(void **state LEAKCHECK_UNUSED);                          \
    LEAKCHECK_OPTIONS_BEGIN_                                                             \
    static const lc_bench_options name##_lc_bopts = __VA_ARGS__;                         \
    LEAKCHECK_OPTIONS_END_                                                               \
    static void name(void **state) {                                                     \
        lc_bench_run(#name, __FILE__, __LINE__, name##_lc_bench, state,                 \
                     &name##_lc_bopts);                                                  \
    }                                                                                    \
    __attribute__((constructor)) static void name##_lc_register(void) {                  \
        lc_wrapper_register(name, LEAKCHECK_WRAPPER_BENCH);                                     \
    }                                                                                    \
    static void name##_lc_bench(void **state LEAKCHECK_UNUSED)

/* Go's testing.AllocsPerRun: calls fn(arg) once to warm up, then `runs` times,
 * and returns the mean number of allocations per call made by the calling
 * thread and the threads it starts. Inside a scope (a LEAKCHECK_TEST body) it
 * counts within that scope; otherwise it opens a counting scope of its own.
 * Returns -1 when no scope can be opened. */
LEAKCHECK_API double lc_allocs_per_run(unsigned runs, void (*fn)(void *arg), void *arg);

/* Allocation-free regions. Between begin and end every allocation made by the
 * calling thread is counted as a violation, and the first one's stack is kept
 * (unless LEAKCHECK_STACKS=0). Threads started inside the region are not
 * covered. Regions nest; outside a scope, the outermost begin opens a counting
 * scope and its end closes it. */
LEAKCHECK_API void lc_noalloc_begin(void);
/* Ends a region; returns the allocations made in it (nested regions: since the
 * outermost begin). */
LEAKCHECK_API unsigned long lc_noalloc_end(void);
/* Depot stack of the first allocation of the last region (for
 * lc_stack_symbolize); 0 when none or without stacks. Its size in *bytes. */
LEAKCHECK_API uint32_t lc_noalloc_stack(uint64_t *bytes);
/* Ends a region and fails the current cmocka test, naming file:line and the
 * first allocation's stack, if anything was allocated in it. */
LEAKCHECK_API void lc_noalloc_end_check(const char *file, unsigned line);

/* An allocation-free block: LEAKCHECK_NOALLOC { ... }. Leave it by reaching
 * its end, not with break, return or goto (the region would stay open). */
#define LEAKCHECK_NOALLOC                                                                \
    for (int lc_noalloc_once_ = (lc_noalloc_begin(), 1); lc_noalloc_once_;              \
         lc_noalloc_once_ = 0, lc_noalloc_end_check(__FILE__, __LINE__))

#ifdef __cplusplus
}
#endif

#endif
