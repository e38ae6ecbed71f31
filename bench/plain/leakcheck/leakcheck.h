/* bench/plain/leakcheck/leakcheck.h: a stand-in for leakcheck's header that
 * turns LEAKCHECK_TEST and LEAKCHECK_BENCH into plain cmocka test functions,
 * so bench/suites.sh can time the same suites as plain cmocka (each body runs
 * once, no leakcheck linked) and under valgrind. Only bench/ uses it; it
 * defines what the example and pattern suites use and nothing more. */
#ifndef LEAKCHECK_LEAKCHECK_H
#define LEAKCHECK_LEAKCHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define LEAKCHECK_NONE (-1)

/* one op per call of a benchmark body, as a plain test runs it once */
static inline size_t lc_bench_n(void) { return 1; }

#define LEAKCHECK_TEST(name) static void name(void **state __attribute__((unused)))
#define LEAKCHECK_TEST_WITH(name, ...) LEAKCHECK_TEST(name)
#define LEAKCHECK_BENCH(name) LEAKCHECK_TEST(name)
#define LEAKCHECK_BENCH_WITH(name, ...) LEAKCHECK_TEST(name)

#endif
