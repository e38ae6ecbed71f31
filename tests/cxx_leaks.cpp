/* C++ container leaks through LEAKCHECK_TEST, each with a clean twin.
 * run_cxx_leaks.py runs this binary with a JSON report and checks that every
 * leak is caught, that its JSON stack holds the user's frame (function, this
 * file, a line) and that its console stack line reaches that frame: the
 * libstdc++ frames (operator new, std::allocator, std::vector and _Rb_tree
 * internals, whether inlined from the headers or called in libstdc++.so) are
 * runtime frames, shown as "...". The exit status must be the number of leaks.
 * Planted allocations escape through the volatile sink (or a global), so -O2
 * keeps them. */
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <leakcheck/leakcheck.h>

extern "C" void *volatile lc_test_sink;

#define NOINLINE __attribute__((noinline))

/* ---- std::vector: a vector allocated per call and never deleted ---- */
NOINLINE static void make_vector_and_forget() {
    auto *v = new std::vector<long>(64, 7); /* the object and its buffer */
    lc_test_sink = v;
}

NOINLINE static void make_vector_and_delete() {
    auto *v = new std::vector<long>(64, 7);
    lc_test_sink = v;
    delete v;
}

LEAKCHECK_TEST(leak_std_vector) { make_vector_and_forget(); }
LEAKCHECK_TEST(clean_std_vector_twin) { make_vector_and_delete(); }

/* ---- std::map: a registry that grows by one node per call (reachable) ---- */
static std::map<int, std::string> registry;
static int registry_next;

NOINLINE static void registry_add() {
    registry.emplace(registry_next++, "a value longer than the small string buffer");
}

NOINLINE static void registry_add_remove() {
    registry_add();
    registry.erase(registry_next - 1);
}

LEAKCHECK_TEST(leak_std_map) { registry_add(); }
LEAKCHECK_TEST(clean_std_map_twin) { registry_add_remove(); }

/* ---- std::string: its heap buffer (basic_string::_M_create in libstdc++.so) ---- */
NOINLINE static void keep_string_buffer() {
    auto *s = new std::string(100, 'x');
    lc_test_sink = s;
}

NOINLINE static void drop_string_buffer() {
    auto s = std::make_unique<std::string>(100, 'x');
    lc_test_sink = s.get();
}

LEAKCHECK_TEST(leak_std_string) { keep_string_buffer(); }
LEAKCHECK_TEST(clean_std_string_twin) { drop_string_buffer(); }

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_std_vector), cmocka_unit_test(clean_std_vector_twin),
        cmocka_unit_test(leak_std_map),    cmocka_unit_test(clean_std_map_twin),
        cmocka_unit_test(leak_std_string), cmocka_unit_test(clean_std_string_twin),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
