/* group_setup_fails.c: a group whose setup fails: cmocka reports it, leakcheck
 * judges nothing and says so, and the next group still runs and is judged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static int setup_fails(void **state) {
    (void)state;
    return -1;
}

static void never_runs(void **state) {
    (void)state;
    fail_msg("a test of a group whose setup failed ran");
}

static void runs(void **state) {
    (void)state;
    free(malloc(16));
}

int main(void) {
    const struct CMUnitTest broken[] = {cmocka_unit_test(never_runs)};
    const struct CMUnitTest fine[] = {cmocka_unit_test(runs)};
    int rc = cmocka_run_group_tests_name("broken", broken, setup_fails, NULL);
    return rc + cmocka_run_group_tests_name("fine", fine, NULL, NULL);
}
