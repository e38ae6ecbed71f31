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

/* simdzone's generate_include: writes an include file and returns its path.
 * When the stdio buffer cannot be allocated glibc writes unbuffered, so the
 * call succeeds and hands the path to the test. */
__attribute__((noinline)) static char *make_include(const char *text) {
    char *path = malloc(24);
    if (!path)
        return NULL;
    snprintf(path, 24, "/dev/null");
    FILE *f = fopen(path, "w");
    if (!f) {
        free(path);
        return NULL;
    }
    int error = fputs(text, f); /* ZONE:FPUTS */
    fclose(f);
    if (error == EOF) {
        free(path);
        return NULL;
    }
    return path;
}

/* Its leaking twin: the name is forgotten when its copy cannot be made. */
__attribute__((noinline)) static struct record *record_new_leaky(const char *text) {
    struct record *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->text = strdup(text); /* ZONE:LEAKY_STRDUP */
    if (!r->text)
        return NULL; /* forgets r */
    return r;
}

/* The library without debug info (nodebug.c), as aircrack-ng calls
 * OpenSSL 3's EVP_MD_fetch and SHA1_Update. */
struct nd_ctx;
struct nd_ctx *nd_fetch(const char *name);
void nd_update(struct nd_ctx *c, int v);
void nd_free(struct nd_ctx *c);

__attribute__((noinline)) static int digest_checked(void) {
    struct nd_ctx *c = nd_fetch("SHA1"); /* ZONE:FETCH_CHECKED */
    if (!c)
        return -1;
    nd_free(c);
    return 0;
}

/* aircrack-ng's Digest_SHA1_Init never checks what it got */
__attribute__((noinline)) static int digest_unchecked(void) {
    struct nd_ctx *c = nd_fetch("SHA1");
    nd_update(c, 's'); /* ZONE:UPDATE_UNCHECKED */
    nd_free(c);
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

/* The library's own error path leaks: the message names the program's
 * frame with file:line (digest_checked), not the library's nameless ones. */
static void library_leaks(void **state) {
    (void)state;
    assert_int_equal(digest_checked(), 0);
}

/* The program passes the library what failed: the crash is named at the
 * program's frame, inside the library's function. */
static void library_crashes(void **state) {
    (void)state;
    assert_int_equal(digest_unchecked(), 0);
}

/* simdzone's been_there_done_that under the persistent sweep: the path the
 * call returned is held by the test when its next allocation fails and the
 * assertion ends it; the test's skipped cleanup, not the call's leak. */
static void held_at_assertion(void **state) {
    (void)state;
    char *path = make_include("$INCLUDE foo\n");
    assert_non_null(path);
    char *include = calloc(64, 1);
    assert_non_null(include);
    zone_sink = include;
    free(include);
    free(path);
}

/* The twin: what the code's error path forgot is lost, not held. */
static void code_forgets_record(void **state) {
    (void)state;
    struct record *r = record_new_leaky("example.com.");
    assert_non_null(r);
    zone_sink = r;
    record_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_file_own_alloc),
        cmocka_unit_test(own_file_code_fails),
        cmocka_unit_test(code_forgets_file),
        cmocka_unit_test(library_leaks),
        cmocka_unit_test(library_crashes),
        cmocka_unit_test(held_at_assertion),
        cmocka_unit_test(code_forgets_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
