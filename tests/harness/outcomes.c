/* Tests that end some other way than a verdict: an assertion failure, a
 * crash, a skip, and (when built with ABORT_TEST) an abort that kills the
 * process. Each must be reported as what happened, not as a leak, and the
 * test after it must run with clean tracking state. run_outcomes.py checks the
 * JSON report. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

LEAKCHECK_TEST(first_clean) { free(malloc(32)); }

/* Fails in its first run: a failure of the test itself. (A test whose first
 * run passes and a later iteration fails is not repeatable: judged from its
 * first run, see tests/suite.) */
static int calls;
LEAKCHECK_TEST(fails_an_assertion) {
    lc_test_sink = malloc(64); /* leaked, but the failure is what counts */
    assert_true(++calls < 1);
}

LEAKCHECK_TEST(crashes) {
    lc_test_sink = malloc(16);
    volatile int *volatile p = NULL;
    *p = 1;
}

LEAKCHECK_TEST(is_skipped) { skip(); }

LEAKCHECK_TEST(clean_after_failures) {
    char *s = strdup("after");
    free(s);
}

static unsigned leaks;
LEAKCHECK_TEST(leaks_after_failures) {
    leaks++;
    lc_test_sink = malloc(40);
}

#ifdef ABORT_TEST
LEAKCHECK_TEST(aborts) { abort(); }
#endif

LEAKCHECK_TEST(never_reached_after_abort) { free(malloc(1)); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_clean),
        cmocka_unit_test(fails_an_assertion),
        cmocka_unit_test(crashes),
        cmocka_unit_test(is_skipped),
        cmocka_unit_test(clean_after_failures),
        cmocka_unit_test(leaks_after_failures),
#ifdef ABORT_TEST
        cmocka_unit_test(aborts),
#endif
        cmocka_unit_test(never_reached_after_abort),
    };
    return cmocka_run_group_tests_name("outcomes", tests, NULL, NULL);
}
