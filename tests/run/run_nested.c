/* run_nested: a LEAKCHECK_TEST suite whose one leak happens once per
 * process, which per-test judging rightly calls one-time; `leakcheck run` on
 * the binary must still catch it at exit (definitely lost, in once_only_init),
 * while the per-test verdicts stay as they are. */
#include <leakcheck/leakcheck.h>
#include <stdlib.h>
#include <string.h>

static char *volatile cache;

__attribute__((noinline)) static void once_only_init(void) {
    static int done;
    if (done)
        return;
    done = 1;
    cache = malloc(100);
    memset(cache, 0, 100);
    cache = NULL; /* lost, once */
}

LEAKCHECK_TEST(uses_lazy_init) {
    (void)state;
    once_only_init();
    char *volatile p = malloc(16);
    free(p);
}

LEAKCHECK_TEST(plain_clean) {
    (void)state;
    char *volatile p = malloc(32);
    free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uses_lazy_init),
        cmocka_unit_test(plain_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
