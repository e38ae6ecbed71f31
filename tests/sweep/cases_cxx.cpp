// Fail-sweep case in C++: operator new failing throws std::bad_alloc; a
// constructor chain without RAII leaks the half-built object, its twin with
// unique_ptr does not. run_sweep.py checks the JSON.
#include <leakcheck/leakcheck.h>

#include <memory>
#include <new>
#include <string>

extern "C" void *volatile lc_test_sink;

namespace {

struct Part {
    int v[6];
};

struct Widget {
    Part *a = nullptr, *b = nullptr;
};

__attribute__((noinline)) Widget *widget_raw() {
    Widget *w = new Widget;
    w->a = new Part; // SWEEP:CXX_A (a bad_alloc here leaks w)
    w->b = new Part; // SWEEP:CXX_B (a bad_alloc here leaks w and w->a)
    return w;
}

__attribute__((noinline)) std::unique_ptr<Widget> widget_safe() {
    auto w = std::make_unique<Widget>();
    std::unique_ptr<Part> a(new Part), b(new Part);
    w->a = a.release();
    w->b = b.release();
    return w;
}

void widget_free(Widget *w) {
    delete w->a;
    delete w->b;
    delete w;
}

} // namespace

LEAKCHECK_TEST(cxx_raw) {
    try {
        Widget *w = widget_raw();
        lc_test_sink = w;
        lc_test_sink = nullptr;
        widget_free(w);
    } catch (const std::bad_alloc &) {
        // the error reached the caller
    }
}

LEAKCHECK_TEST(cxx_safe) {
    try {
        std::unique_ptr<Widget> w = widget_safe();
        lc_test_sink = w.get();
        lc_test_sink = nullptr;
        Widget *raw = w.release();
        widget_free(raw);
    } catch (const std::bad_alloc &) {
    }
}

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cxx_raw),
        cmocka_unit_test(cxx_safe),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
