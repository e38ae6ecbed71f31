/* One translation unit of the C++ include-order matrix (tests/CMakeLists.txt
 * compiles it once per standard library header, include order and C++
 * standard). LC_STD_HEADER is the header, LC_LEAKCHECK_FIRST says whether
 * <leakcheck/leakcheck.h> comes before it, LC_TU names this unit. No extern
 * "C", no #undef, no workaround: the unit uses the header it includes and
 * defines a LEAKCHECK_TEST that calls cmocka's fail() when the header's
 * facility misbehaves, so it must compile, link and run clean. */
#if LC_LEAKCHECK_FIRST
#include <leakcheck/leakcheck.h>
#include LC_STD_HEADER
#else
#include LC_STD_HEADER
#include <leakcheck/leakcheck.h>
#endif

#include "include_order.h"

/* Something of the standard header, so that its declarations are used after
 * cmocka's macros (leakcheck first) or before them (leakcheck second). */
static int header_works() {
#if defined(LC_USE_locale)
    return setlocale(LC_ALL, nullptr) != nullptr && LC_CTYPE != LC_NUMERIC;
#elif defined(LC_USE_iostream)
    std::cout.flush();
    return !std::cout.fail();
#elif defined(LC_USE_memory)
    auto p = std::make_unique<int>(41);
    return ++*p == 42;
#elif defined(LC_USE_regex)
    return std::regex_match("leak42", std::regex("[a-z]+[0-9]+"));
#elif defined(LC_USE_sstream)
    std::ostringstream os;
    os << "n=" << 42;
    return !os.fail() && os.str() == "n=42";
#elif defined(LC_USE_map)
    std::map<int, int> m{{1, 2}};
    return m.at(1) == 2;
#else
#error "LC_USE_<header> not set"
#endif
}

LEAKCHECK_TEST(LC_TU) {
    if (!header_works())
        fail();
}

extern const struct CMUnitTest LC_TEST_ENTRY(LC_TU) = cmocka_unit_test(LC_TU);
