/* rpma_shapes.c: a plain cmocka binary (no leakcheck code) with the mock
 * shapes of librpma's unit tests (tests/unit/flush): a finite value and a
 * will_return_maybe value for the same mock queued in one body (the first
 * call must get the finite one), a maybe value from the body beside a
 * teardown's own finite value, and always values cmocka fails without
 * leakcheck (never used; a second one for the same mock). "clean" runs the
 * clean shapes, "leaky" a leaking twin, "unused" the shapes cmocka fails.
 * run_rpma.py checks each under LEAKCHECK_CMOCKA=1 and without leakcheck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void *volatile sink;

/* ---- the code under test: a flush object with a mapped buffer ---- */

struct region { /* what the mocked map handed out, checked by unmap */
    void *addr;
    size_t len;
};

/* rpma's __wrap_mmap: the region to fill in, then the buffer. */
static void *mock_map(size_t len) {
    struct region *r = mock_ptr_type(struct region *);
    r->addr = malloc(len);
    r->len = len;
    return r->addr;
}

/* rpma's __wrap_munmap: which region it must be given, then its errno. */
static int mock_unmap(void *addr, size_t len) {
    struct region *r = mock_ptr_type(struct region *);
    assert_ptr_equal(addr, r->addr); /* r is NULL when the maybe value answers first */
    assert_int_equal(len, r->len);
    free(addr);
    return (int)mock();
}

static int mock_dereg(void) { return (int)mock(); } /* rpma_mr_dereg's mock */

struct flusher {
    void *buf;
    size_t len;
};

__attribute__((noinline)) static struct flusher *flusher_new(void) {
    struct flusher *f = malloc(sizeof *f);
    assert_non_null(f);
    f->len = 4096;
    f->buf = mock_map(f->len);
    return f;
}

/* rpma_flush_apm_delete: deregisters, unmaps and frees, whatever failed. */
__attribute__((noinline)) static int flusher_delete(struct flusher *f) {
    int rd = mock_dereg();
    int ru = mock_unmap(f->buf, f->len);
    free(f);
    return rd ? rd : ru;
}

/* The planted twin: the object itself is dropped when deregistering fails. */
__attribute__((noinline)) static int flusher_delete_leaky(struct flusher *f) {
    int rd = mock_dereg();
    int ru = mock_unmap(f->buf, f->len);
    if (rd) {
        sink = f; /* planted: the only pointer is dropped */
        sink = NULL;
    } else {
        free(f);
    }
    return rd ? rd : ru;
}

static struct region raw;

/* flush-new.c's delete__apm_dereg_ERRNO: the region for unmap's first
 * call, then a maybe value for its errno, queued after it. */
static void delete_dereg_fails(void **state) {
    (void)state;
    will_return(mock_map, &raw);
    struct flusher *f = flusher_new();
    will_return(mock_unmap, &raw);
    will_return_maybe(mock_unmap, 0);
    will_return(mock_dereg, -5);
    assert_int_equal(flusher_delete(f), -5);
}

/* The same with an always value, and the unmap called twice. */
static void always_after_finite(void **state) {
    (void)state;
    will_return(mock_map, &raw);
    struct flusher *f = flusher_new();
    will_return(mock_dereg, 0);
    will_return(mock_unmap, &raw);
    will_return_always(mock_unmap, 0);
    assert_int_equal(flusher_delete(f), 0);
}

/* A maybe value in the body, the teardown's own finite values after it:
 * cmocka gives the teardown its own queue, so it gets 7. */
static void maybe_in_body(void **state) {
    (void)state;
    will_return_maybe(mock_dereg, 0);
    assert_int_equal(mock_dereg(), 0);
}

static int teardown_own_value(void **state) {
    (void)state;
    will_return(mock_dereg, 7);
    return mock_dereg() == 7 ? 0 : -1;
}

static void delete_dereg_fails_leaks(void **state) {
    (void)state;
    will_return(mock_map, &raw);
    struct flusher *f = flusher_new();
    will_return(mock_unmap, &raw);
    will_return_maybe(mock_unmap, 0);
    will_return(mock_dereg, -5);
    assert_int_equal(flusher_delete_leaky(f), -5);
}

/* ---- what cmocka fails without leakcheck ---- */

static void always_never_used(void **state) {
    (void)state;
    will_return_always(mock_dereg, 1); /* never called: cmocka fails the test */
}

static void second_always(void **state) {
    (void)state;
    will_return_always(mock_dereg, 1);
    will_return_always(mock_dereg, 2); /* never reached: cmocka fails the test */
    assert_int_equal(mock_dereg(), 1);
}

int main(int argc, char **argv) {
    const struct CMUnitTest clean[] = {
        cmocka_unit_test(delete_dereg_fails),
        cmocka_unit_test(always_after_finite),
        cmocka_unit_test_teardown(maybe_in_body, teardown_own_value),
    };
    const struct CMUnitTest leaky[] = {
        cmocka_unit_test(delete_dereg_fails_leaks),
    };
    const struct CMUnitTest unused[] = {
        cmocka_unit_test(always_never_used),
        cmocka_unit_test(second_always),
    };
    if (argc > 1 && strcmp(argv[1], "unused") == 0)
        return cmocka_run_group_tests_name("rpma_unused", unused, NULL, NULL);
    if (argc > 1 && strcmp(argv[1], "leaky") == 0)
        return cmocka_run_group_tests_name("rpma_leaky", leaky, NULL, NULL);
    return cmocka_run_group_tests_name("rpma_clean", clean, NULL, NULL);
}
