/* plain_cmocka.c: a cmocka test that knows nothing of leakcheck, registered
 * with leakcheck_add_test(... CMOCKA): the installed library is preloaded and
 * judges it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void copies_a_string(void **state) {
    (void)state;
    char *s = strdup("plain");
    assert_string_equal(s, "plain");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(copies_a_string)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
