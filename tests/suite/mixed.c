/* mixed.c: a LEAKCHECK_TEST binary as projects have them while adopting
 * leakcheck: macro tests registered with cmocka per-test fixtures (which then
 * run inside every iteration: without that the 30-entry queue would overflow)
 * and plain cmocka tests, which leakcheck names as not judged unless
 * LEAKCHECK_CMOCKA=1. */
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

#include "toy.h"

static int setup(void **state) {
    toy_init();
    *state = strdup("mixed-state");
    return 0;
}

static int teardown(void **state) {
    toy_queue_reset();
    free(*state);
    return 0;
}

LEAKCHECK_TEST(macro_with_fixtures) {
    assert_string_equal(*state, "mixed-state");
    assert_int_equal(toy_queue_len(), 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(toy_queue_push("entry"), 0);
}

static int teardown_leaky(void **state) {
    toy_queue_reset_leaky();
    free(*state);
    return 0;
}

LEAKCHECK_TEST(macro_with_leaky_fixture) {
    for (int i = 0; i < 6; i++)
        assert_int_equal(toy_queue_push("entry"), 0);
}

/* Correct once, wrong when repeated: judged from its first run. */
LEAKCHECK_TEST(macro_not_repeatable) {
    static int runs;
    assert_int_equal(++runs, 1);
}

/* lc_test_run called from a plain test function (no macro): its cmocka
 * fixtures stay cmocka's, once around all iterations, and leakcheck says so. */
static void direct_body(void **state) {
    (void)state;
    free(malloc(24));
}

static void direct_call(void **state) {
    lc_test_run("direct_call", __FILE__, __LINE__, direct_body, state, NULL);
}

static void plain_test(void **state) {
    (void)state;
    free(malloc(8));
}

int toy_source_read(char *buf, size_t len) {
    (void)buf;
    (void)len;
    return -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(macro_with_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(macro_with_leaky_fixture, setup, teardown_leaky),
        cmocka_unit_test(macro_not_repeatable),
        cmocka_unit_test_setup_teardown(direct_call, setup, teardown),
        cmocka_unit_test(plain_test),
    };
    return cmocka_run_group_tests_name("mixed", tests, NULL, NULL);
}
