/* big_fixture.c: a plain cmocka suite (no leakcheck linked) whose group
 * setup keeps a large heap alive while 100 trivial tests run: what a suite
 * pays per test when leakcheck is preloaded (LEAKCHECK_CMOCKA=1) and the
 * fixture's heap is large. bench/suites.sh times it plain and preloaded.
 * Environment: NKEEP, the fixture's live blocks (default 1000000, 64..127 B). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static void **keep;
static size_t nkeep;

static int fixture_up(void **state) {
    (void)state;
    const char *v = getenv("NKEEP");
    nkeep = v ? strtoul(v, NULL, 10) : 1000000;
    keep = calloc(nkeep + 1, sizeof *keep);
    for (size_t i = 0; keep && i < nkeep; i++)
        keep[i] = malloc(64 + i % 64);
    return keep ? 0 : -1;
}

static int fixture_down(void **state) {
    (void)state;
    for (size_t i = 0; i < nkeep; i++)
        free(keep[i]);
    free(keep);
    return 0;
}

static void one_block(void **state) {
    (void)state;
    void *volatile p = malloc(100);
    free(p);
}

#define T cmocka_unit_test(one_block),
#define T10 T T T T T T T T T T

int main(void) {
    const struct CMUnitTest tests[] = {T10 T10 T10 T10 T10 T10 T10 T10 T10 T10};
    return cmocka_run_group_tests(tests, fixture_up, fixture_down);
}
