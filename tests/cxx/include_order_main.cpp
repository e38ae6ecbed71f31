/* Runner of the C++ include-order matrix: runs the LEAKCHECK_TEST of every
 * unit (LC_UNITS lists them, an X-macro from tests/CMakeLists.txt) and, in
 * C++20, a test and a benchmark with designated options, all of which must
 * pass; then checks that cmocka's fail() still fails a test in C++ and names
 * the line that called it (leakcheck.h turns the macro into a function
 * there). Exit status 0 only when all of this holds. */
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

#include "include_order.h"

#define X(tu) extern const struct CMUnitTest LC_TEST_ENTRY(tu);
LC_UNITS
#undef X

#if __cplusplus >= 202002L
/* C++20 designated options, with g++'s -Wextra -Werror: the fields left out
 * are defaults, not a warning. */
LEAKCHECK_TEST_WITH(with_options, {.warmup = 1, .iterations = 3, .expect = "leak:nothing"}) {
    std::string s(100, 'x');
    if (s.size() != 100)
        fail();
}
static int *volatile bench_sink; /* g++ may fold a new/delete pair it sees */
LEAKCHECK_BENCH_WITH(bench_with_options, {.n = 10, .budget = {.allocs = 1}}) {
    for (size_t i = 0; i < lc_bench_n(); i++) {
        bench_sink = new int(1);
        delete bench_sink;
    }
}
#define LC_CXX20_TESTS cmocka_unit_test(with_options), cmocka_unit_test(bench_with_options),
#else
#define LC_CXX20_TESTS
#endif

static const int fail_line = __LINE__ + 3; /* the line of the fail() below */
static void calls_fail(void **) {
    if (std::cout.good()) /* a member named fail() exists and compiles */
        fail();
}

/* Runs a group whose only test calls fail(); returns 0 when cmocka counted it
 * failed and its message names this file and fail_line. */
static int fail_still_fails() {
    const struct CMUnitTest tests[] = {cmocka_unit_test(calls_fail)};
    std::fflush(stderr);
    FILE *capture = std::tmpfile();
    int saved = dup(2);
    if (!capture || saved < 0 || dup2(fileno(capture), 2) < 0)
        return 1;
    int failed = cmocka_run_group_tests_name("fail_in_cxx", tests, nullptr, nullptr);
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::string text;
    char buf[4096];
    std::rewind(capture);
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, capture)) > 0;)
        text.append(buf, n);
    std::fclose(capture);
    std::string want = "include_order_main.cpp:" + std::to_string(fail_line) + ": error: Failure!";
    std::cerr << text;
    if (failed != 1 || text.find(want) == std::string::npos) {
        std::cerr << "FAIL fail() in C++: " << failed << " failed tests, message without '"
                  << want << "'\n";
        return 1;
    }
    return 0;
}

int main() {
#define X(tu) LC_TEST_ENTRY(tu),
    const struct CMUnitTest units[] = {LC_UNITS LC_CXX20_TESTS};
#undef X
    int failed = cmocka_run_group_tests_name("include_order", units, nullptr, nullptr);
    int bad_fail = fail_still_fails();
    std::fprintf(stderr, "include order: %zu tests, %d failed; fail() in C++: %s\n",
                 sizeof units / sizeof units[0], failed, bad_fail ? "BROKEN" : "ok");
    return failed || bad_fail;
}
