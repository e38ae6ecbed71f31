/* legacy_runner.c: a plain cmocka binary that runs its tests through cmocka's
 * deprecated run_tests() (UnitTest arrays), as older cwrap suites do
 * (uid_wrapper's testsuite.c). leakcheck does not judge such tests; run_legacy.sh
 * checks that it says so, naming the runner, in both cmocka modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static void *volatile sink;

static void allocates_and_frees(void **state) {
    (void)state;
    sink = malloc(32);
    free(sink);
    sink = NULL;
}

int main(void) {
    const UnitTest tests[] = {
        unit_test(allocates_and_frees),
    };
    return run_tests(tests);
}
