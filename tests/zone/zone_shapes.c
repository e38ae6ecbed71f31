/* Shapes of simdzone's include tests (tests/include.c) under the fail sweep,
 * run as a plain cmocka binary: a test that opens a file itself and then
 * asserts on an allocation (its own, or one inside the code under test)
 * ends holding its own fd when the sweep fails that allocation; the code
 * under test's error path that forgets its FILE is the leaking twin.
 * run_zone.py runs it under LEAKCHECK_CMOCKA=1 with LEAKCHECK_FAIL_SWEEP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void *volatile zone_sink;

/* ---- the code under test ---- */

struct record {
    char *text;
};

/* Cleans up after each failure: its error paths leave nothing. */
__attribute__((noinline)) static struct record *record_new(const char *text) {
    struct record *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->text = strdup(text);
    if (!r->text) {
        free(r);
        return NULL;
    }
    return r;
}

__attribute__((noinline)) static void record_free(struct record *r) {
    free(r->text);
    free(r);
}

/* Reads a file into a buffer; when the buffer cannot be allocated it
 * returns the error and forgets the FILE (and so its fd): the planted bug. */
__attribute__((noinline)) static int zone_slurp(const char *path, char **out) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *buf = malloc(256); /* ZONE:FORGETS_FILE */
    if (!buf)
        return -1;
    size_t n = fread(buf, 1, 255, f);
    buf[n] = 0;
    fclose(f);
    *out = buf;
    return 0;
}

/* ---- the tests ---- */

/* simdzone's been_there_done_that: the test's own FILE, then its own calloc
 * (the sweep fails it), assert_non_null ends the test holding the FILE. */
static void own_file_own_alloc(void **state) {
    (void)state;
    FILE *f = fopen("/dev/null", "r");
    assert_non_null(f);
    char *include = calloc(64, 1); /* ZONE:OWN_ALLOC */
    assert_non_null(include);
    zone_sink = include;
    free(include);
    fclose(f);
}

/* The test's own FILE, then the code under test fails cleanly and the test's
 * assertion ends it holding the FILE. */
static void own_file_code_fails(void **state) {
    (void)state;
    FILE *f = fopen("/dev/null", "r");
    assert_non_null(f);
    struct record *r = record_new("example.com.");
    assert_non_null(r);
    zone_sink = r;
    record_free(r);
    fclose(f);
}

/* The leaking twin: the code under test forgets its FILE on an error path. */
static void code_forgets_file(void **state) {
    (void)state;
    char *buf = NULL;
    assert_int_equal(zone_slurp("/dev/null", &buf), 0);
    zone_sink = buf;
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_file_own_alloc),
        cmocka_unit_test(own_file_code_fails),
        cmocka_unit_test(code_forgets_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
