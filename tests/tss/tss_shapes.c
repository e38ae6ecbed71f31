/* tss_shapes.c: a plain cmocka binary (no leakcheck code) with the mock
 * shapes of tpm2-tss's unit tests: will_return_always/maybe and
 * expect_*_always values queued in the body, a helper or the teardown
 * (never used up, so cmocka frees them after the test), and tests that
 * cannot be repeated because a mock checks state the previous run changed
 * (the failing iteration allocated and queued values it never got to).
 * "clean" runs the clean shapes, "leaky" their leaking twins, "closes" a
 * test that closes fd 1 (a mocked socket() returned it); each passes cmocka
 * on its own. run_tss.py checks the verdicts under LEAKCHECK_CMOCKA=1
 * and the check at exit of leakcheck run --cmocka. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void *volatile sink;

/* ---- mocks queued to hold always or maybe ---- */

static int source(void) { return (int)mock(); }
static int maybe_source(void) { return (int)mock(); }

/* A mocked callee that checks every parameter (tcti-cmd's stubs). */
static void checked(int a, int b, int c, int d, const char *mem) {
    function_called();
    check_expected(a);
    check_expected(b);
    check_expected(c);
    check_expected(d);
    check_expected(mem);
}

static void queue_common(void) { /* tcti-cmd.c's test_common_setup */
    will_return_always(source, 0);
    will_return_always(maybe_source, 1);
}

static void always_in_body(void **state) {
    (void)state;
    will_return_always(source, 7);
    will_return_maybe(maybe_source, 3);
    assert_int_equal(source(), 7);
    assert_int_equal(source(), 7);
}

static void always_from_helper(void **state) {
    (void)state;
    queue_common();
    assert_int_equal(source(), 0);
    assert_int_equal(maybe_source(), 1);
}

static void expect_always(void **state) {
    (void)state;
    static const LargestIntegralType set[] = {1, 2, 3};
    expect_function_call_any(checked);
    expect_any_always(checked, a);
    expect_value_count(checked, b, 5, -1);
    expect_in_set_count(checked, c, set, -1);
    expect_in_range_count(checked, d, 0, 9, -1);
    expect_memory_count(checked, mem, "abc", 3, -1);
    checked(1, 5, 2, 4, "abc");
    checked(2, 5, 3, 8, "abc");
}

/* tcti-cmd.c's test_teardown: the teardown queues its own always value for
 * a function the body's helper queued one for too (cmocka gives each its
 * own queues). */
static int teardown_queues_always(void **state) {
    (void)state;
    will_return_always(source, 0);
    return source();
}

static void always_body_and_teardown(void **state) {
    (void)state;
    queue_common();
    assert_int_equal(source(), 0);
    assert_int_equal(maybe_source(), 1);
}

__attribute__((noinline)) static void always_twin_leak(void) {
    sink = malloc(40); /* planted: the only pointer is dropped */
    sink = NULL;
}

static void always_leaks(void **state) {
    (void)state;
    queue_common();
    assert_int_equal(source(), 0);
    assert_int_equal(maybe_source(), 1);
    always_twin_leak();
}

/* ---- not repeatable: a mock checks state the last run changed ---- */

static int seq; /* tcti-pcap's TCP sequence number, updated by every run */

/* A write whose mock checks the sequence number it was queued with. */
static int record_write(int at) {
    int expected = (int)mock();
    int rc = (int)mock();
    assert_int_equal(at, expected); /* fails in the second run */
    return rc;
}

static void abandoned_leaves_values(void **state) {
    (void)state;
    will_return(record_write, 1);
    will_return(record_write, 0);
    will_return(record_write, 1);
    will_return(record_write, 0);
    seq++;
    assert_int_equal(record_write(seq), 0);
    assert_int_equal(record_write(seq), 0);
}

/* tcti-spi-helper's platform: a state machine that accepts one session. */
static int machine;
static void transfer(void) { assert_int_equal(machine++, 0); }

struct ctx {
    char name[24];
    char *data;
};

__attribute__((noinline)) static struct ctx *ctx_new(void) {
    struct ctx *c = calloc(1, sizeof *c);
    c->data = malloc(17);
    return c;
}

static void ctx_free(struct ctx *c) {
    free(c->data);
    free(c);
}

static void abandoned_allocates(void **state) {
    (void)state;
    struct ctx *c = ctx_new();
    transfer(); /* second run: fails here, c is left behind */
    ctx_free(c);
}

/* The same with a pipe: the second run fails with both ends open. */
static int machine3;
static void abandoned_opens_fd(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(machine3++, 0);
    close(p[0]);
    close(p[1]);
}

__attribute__((noinline)) static void first_run_leak(void) {
    sink = malloc(24); /* planted */
    sink = NULL;
}

static int machine2;
static void abandoned_leaks_first_run(void **state) {
    (void)state;
    struct ctx *c = ctx_new();
    first_run_leak();
    assert_int_equal(machine2++, 0);
    ctx_free(c);
}

/* The group teardown queues its own always value for a function the last
 * test queued one for (cmocka runs it once, after the tests). */
static int group_teardown_queues_always(void **state) {
    (void)state;
    will_return_always(source, 5);
    return source() == 5 ? 0 : -1;
}

/* ---- the code under test closes fd 1 ---- */

/* tpm2-tss's io test: the mocked socket() returns 1, and socket_connect
 * closes it when the mocked connect() fails. */
static int fake_socket(void) { return (int)mock(); }

static void closes_stdout(void **state) {
    (void)state;
    will_return(fake_socket, 1);
    int fd = fake_socket();
    assert_int_equal(close(fd), 0);
}

static void after_closed_stdout(void **state) {
    (void)state;
    sink = malloc(8);
    free(sink);
}

int main(int argc, char **argv) {
    const struct CMUnitTest clean[] = {
        cmocka_unit_test(always_in_body),
        cmocka_unit_test(always_from_helper),
        cmocka_unit_test(expect_always),
        cmocka_unit_test_teardown(always_body_and_teardown, teardown_queues_always),
        cmocka_unit_test(abandoned_leaves_values),
        cmocka_unit_test(abandoned_allocates),
        cmocka_unit_test(abandoned_opens_fd),
        cmocka_unit_test(always_from_helper),
    };
    const struct CMUnitTest leaky[] = {
        cmocka_unit_test(always_leaks),
        cmocka_unit_test(abandoned_leaks_first_run),
    };
    const struct CMUnitTest closes[] = {
        cmocka_unit_test(closes_stdout),
        cmocka_unit_test(after_closed_stdout),
    };
    if (argc > 1 && strcmp(argv[1], "closes") == 0)
        return cmocka_run_group_tests_name("tss_closes", closes, NULL, NULL);
    if (argc > 1 && strcmp(argv[1], "leaky") == 0)
        return cmocka_run_group_tests_name("tss_leaky", leaky, NULL, NULL);
    return cmocka_run_group_tests_name("tss_clean", clean, NULL,
                                       group_teardown_queues_always);
}
