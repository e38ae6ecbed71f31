/* big_group.c: a plain cmocka binary with one group of 1,500 tests (more
 * than leakcheck's 1,024 trampolines), its array built at run time as a
 * generated suite's would be. Three positions past and before 1,024 run a
 * test that leaks; every other test is clean and keeps a one-time cache.
 * argv[1], when given, is passed to cmocka_set_test_filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NTESTS 1500

static void *volatile sink;
static char *cache[64];

static void clean_entry(void **state) {
    (void)state;
    size_t slot = (uintptr_t)state / 16 % 64;
    if (!cache[slot])
        cache[slot] = strdup("one-time");
    char *p = strdup("scratch");
    assert_non_null(p);
    free(p);
}

static void __attribute__((noinline)) leak_entry(void **state) {
    (void)state;
    char *p = malloc(40);
    assert_non_null(p);
    sink = p; /* dropped by the next iteration: one block per iteration */
}

static int is_leaky(size_t i) { return i == 7 || i == 1030 || i == 1499; }

int main(int argc, char **argv) {
    struct CMUnitTest *tests = calloc(NTESTS, sizeof *tests);
    static char names[NTESTS][8];
    if (!tests)
        return 2;
    for (size_t i = 0; i < NTESTS; i++) {
        snprintf(names[i], sizeof names[i], "t%04zu", i);
        tests[i].name = names[i];
        tests[i].test_func = is_leaky(i) ? leak_entry : clean_entry;
    }
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    int rc = _cmocka_run_group_tests("big_group", tests, NTESTS, NULL, NULL);
    for (size_t i = 0; i < 64; i++)
        free(cache[i]);
    free(tests);
    return rc;
}
