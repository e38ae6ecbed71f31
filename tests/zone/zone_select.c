/* A cmocka program that runs its groups by argument, as simdzone's
 * generated runner does (-g GROUP selects the groups to run), and one that
 * skips every test at build time, as aircrack-ng's test-wpapsk-cmac does
 * without CMAC (main prints SKIP and returns 0, no group run): under
 * LEAKCHECK_CMOCKA=1 a run that reaches no group fails with one line naming
 * the arguments, or passes with LEAKCHECK_ALLOW_NO_GROUP=1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void *volatile select_sink;

static void parses(void **state) {
    (void)state;
    char *copy = strdup("example.com. 3600 IN A 192.0.2.1");
    assert_non_null(copy);
    select_sink = copy;
    free(copy);
}

int main(int argc, char **argv) {
    const char *group = "*";
    if (argc > 1 && strcmp(argv[1], "skip") == 0) {
        fprintf(stderr, "SKIP: built without the feature under test.\n");
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "-g") == 0)
        group = argv[2];
    const struct CMUnitTest syntax[] = {cmocka_unit_test(parses)};
    int failed = 0;
    if (strcmp(group, "*") == 0 || strcmp(group, "syntax") == 0)
        failed += cmocka_run_group_tests(syntax, NULL, NULL);
    return failed != 0;
}
