/* C++ allocation through libstdc++: operator new calls malloc (and the
 * over-aligned operator new calls aligned_alloc) through libstdc++'s PLT, so
 * leakcheck sees them without any C++ hook of its own. A new without delete
 * must be a live site whose stack names the demangled "operator new(unsigned
 * long)" and the caller; new + delete (scalar and array) must balance in the
 * counters; an alignas(64) type must come back aligned, counted with its size
 * and balanced by delete. Allocations escape through the volatile sink: GCC may
 * delete a new/delete pair it can see. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <new>

extern "C" {
#include "testutil.h"
}

struct Widget {
    long id;
    char name[32];
};

struct alignas(64) Aligned {
    char bytes[100];
};

static lc_counters snap() {
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    return c;
}

static int begin(void **) { return lc_scope_begin(nullptr); }

static int end(void **) {
    lc_scope_end();
    return 0;
}

// The caller the leak's stack must name, demangled: "leak_with_new()" (static
// functions, not an anonymous namespace, whose names would carry a prefix).
__attribute__((noinline)) static void leak_with_new() { lc_test_sink = new Widget{7, "leaked"}; }

// The innermost frame of a stack (after leakcheck's own frames are cut).
static lc_frame first_frame(uint32_t stack) {
    lc_frame f[4];
    memset(f, 0, sizeof f);
    int n = lc_stack_symbolize(stack, f, 4);
    assert_true(n > 0);
    return f[0];
}

static void t_new_without_delete(void **) {
    leak_with_new();
    Widget *w = static_cast<Widget *>(lc_test_sink);
    assert_non_null(w);

    lc_survivors *s;
    assert_int_equal(lc_scope_survivors(&s), 0);
    const lc_site *site = lc_test_site(s, "leak_with_new()");
    assert_non_null(site);
    assert_int_equal(site->blocks, 1);
    assert_int_equal(site->bytes, sizeof(Widget));
    assert_true(lc_test_stack_has(site->stack, "operator new(unsigned long)", nullptr));
    assert_true(lc_test_stack_has(site->stack, "leak_with_new()", "test_cxx.cpp"));
    lc_frame top = first_frame(site->stack);
    assert_non_null(top.function);
    assert_string_equal(top.function, "operator new(unsigned long)");
    assert_non_null(top.module);
    assert_non_null(strstr(top.module, "libstdc++"));
    lc_survivors_free(s);
    delete w;
}

static void t_new_delete_balanced(void **) {
    lc_counters a = snap();
    lc_test_sink = new Widget{1, "scalar"};
    delete static_cast<Widget *>(lc_test_sink);
    lc_test_sink = new Widget[5];
    delete[] static_cast<Widget *>(lc_test_sink);
    lc_counters b = snap();
    assert_int_equal(b.allocs - a.allocs, 2);
    assert_int_equal(b.frees - a.frees, 2);
    /* Widget is trivially destructible: new[] asks for exactly 5 of them. */
    assert_int_equal(b.bytes_allocated - a.bytes_allocated, 6 * sizeof(Widget));
    assert_int_equal(b.live_blocks, a.live_blocks);
    assert_int_equal(b.live_bytes, a.live_bytes);
}

static void t_overaligned_new(void **) {
    static_assert(alignof(Aligned) == 64, "the test needs an over-aligned type");
    lc_counters a = snap();
    lc_test_sink = new Aligned();
    Aligned *p = static_cast<Aligned *>(lc_test_sink);
    assert_non_null(p);
    assert_int_equal(reinterpret_cast<uintptr_t>(p) % 64, 0);
    lc_counters b = snap();
    assert_int_equal(b.allocs - a.allocs, 1);
    assert_int_equal(b.bytes_allocated - a.bytes_allocated, sizeof(Aligned));

    lc_survivors *s;
    assert_int_equal(lc_scope_survivors(&s), 0);
    const lc_site *site = lc_test_site(s, "t_overaligned_new(void**)");
    assert_non_null(site);
    assert_int_equal(site->bytes, sizeof(Aligned));
    /* It came through the aligned operator new, i.e. libstdc++'s aligned_alloc. */
    lc_frame top = first_frame(site->stack);
    assert_non_null(top.function);
    assert_string_equal(top.function, "operator new(unsigned long, std::align_val_t)");
    lc_survivors_free(s);

    delete p;
    lc_counters c = snap();
    assert_int_equal(c.frees - a.frees, 1);
    assert_int_equal(c.live_blocks, a.live_blocks);
    assert_int_equal(c.live_bytes, a.live_bytes);
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_new_without_delete, begin, end),
        cmocka_unit_test_setup_teardown(t_new_delete_balanced, begin, end),
        cmocka_unit_test_setup_teardown(t_overaligned_new, begin, end),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
