/* included_dot.c: a plain cmocka binary (no leakcheck code) that #includes
 * ../lib/dot_lib.c as "lib/dot_lib.c" through -I tests/rtrlib/. (rtrlib's
 * test_packets_static, #include "rtrlib/rtr/packets.c" through -I.):
 * the leaking test's stack must name dot_lib.c by one folded absolute path.
 * run_included_dot.py checks it under LEAKCHECK_CMOCKA=1 and leakcheck run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/dot_lib.c"

static void dot_leaks(void **state) {
    (void)state;
    assert_int_equal(dot_encode("abc", 1), 4);
}

static void dot_clean(void **state) {
    (void)state;
    assert_int_equal(dot_encode("abc", 0), 4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dot_leaks),
        cmocka_unit_test(dot_clean),
    };
    return cmocka_run_group_tests_name("rtrlib_dot", tests, NULL, NULL);
}
