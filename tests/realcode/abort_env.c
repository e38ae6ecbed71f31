/* abort_env.c: a suite whose main sets CMOCKA_TEST_ABORT=1, as libnetconf2's
 * do (an assertion failing in a worker thread then aborts instead of
 * longjmping across threads). A plain cmocka binary, run under
 * LEAKCHECK_CMOCKA=1 by run_shapes.py: the fd a failure path leaves open
 * (the shape of libnetconf2 3.7's nc_connect_tls, whose socket stayed open
 * when the TLS handshake failed) fails its test and the tests after it still
 * run; the program's own failing assertion still aborts.
 *
 * Usage: realcode_abort [setenv|literal] [assert|abandoned]
 *   setenv    CMOCKA_TEST_ABORT set with setenv (the default)
 *   literal   set with putenv on a string literal (read-only memory)
 *   assert    add a test whose own assertion fails
 *   abandoned a test that cannot be repeated leaves an object half used,
 *             and the next test aborts on it (bind9's quota tests)
 *   require   a second run aborts on a precondition the first run left
 *             unmet (bind9's qpmulti: a global log context never reset) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

/* A connection attempt that fails after its socket was made: the error path
 * forgets to close it. */
__attribute__((noinline)) static int connect_or_fail(int close_on_error) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    /* the handshake fails here */
    if (close_on_error)
        close(fd);
    return -1;
}

static void leak_socket_on_failed_handshake(void **state) {
    (void)state;
    assert_int_equal(connect_or_fail(0), -1);
}

static void clean_socket_on_failed_handshake(void **state) {
    (void)state;
    assert_int_equal(connect_or_fail(1), -1);
}

static void clean_buffer(void **state) {
    (void)state;
    char *volatile p = malloc(64);
    assert_non_null(p);
    memset(p, 1, 64);
    free(p);
}

static void failing_assertion(void **state) {
    (void)state;
    assert_int_equal(1 + (int)(intptr_t)*state, 2); /* *state is NULL: 1 != 2 */
}

/* a shared object the test sets up and tears down; a second run fails its
 * assertion half-way and leaves it set up */
static int *volatile in_use;
static int calls;

static void counts_once(void **state) {
    (void)state;
    in_use = malloc(sizeof *in_use);
    assert_non_null(in_use);
    assert_int_equal(calls++, 0); /* a counter never reset */
    free(in_use);
    in_use = NULL;
}

static void uses_left_state(void **state) {
    (void)state;
    if (in_use)
        abort(); /* as a library's REQUIRE() would */
}

/* a library's REQUIRE(): abort() when the caller's pointer is not NULL */
static void *volatile log_ctx;
static void log_create(void *volatile *ctx) {
    if (*ctx)
        abort();
    *ctx = malloc(16);
}

static void aborts_when_repeated(void **state) {
    (void)state;
    log_create(&log_ctx); /* the test frees it but never resets the pointer */
    free(log_ctx);
}

int main(int argc, char **argv) {
    int literal = 0, with_assert = 0, abandoned = 0, require = 0;
    for (int i = 1; i < argc; i++) {
        literal |= !strcmp(argv[i], "literal");
        with_assert |= !strcmp(argv[i], "assert");
        abandoned |= !strcmp(argv[i], "abandoned");
        require |= !strcmp(argv[i], "require");
    }
    if (literal)
        putenv((char *)"CMOCKA_TEST_ABORT=1");
    else
        setenv("CMOCKA_TEST_ABORT", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_socket_on_failed_handshake),
        cmocka_unit_test(clean_socket_on_failed_handshake),
        cmocka_unit_test(clean_buffer),
    };
    const struct CMUnitTest with_failure[] = {
        cmocka_unit_test(clean_buffer),
        cmocka_unit_test(failing_assertion),
        cmocka_unit_test(clean_socket_on_failed_handshake),
    };
    const struct CMUnitTest after_abandoned[] = {
        cmocka_unit_test(counts_once),
        cmocka_unit_test(uses_left_state),
    };
    const struct CMUnitTest after_require[] = {
        cmocka_unit_test(aborts_when_repeated),
        cmocka_unit_test(clean_buffer),
    };
    if (abandoned)
        return cmocka_run_group_tests(after_abandoned, NULL, NULL);
    if (require)
        return cmocka_run_group_tests(after_require, NULL, NULL);
    if (with_assert)
        return cmocka_run_group_tests(with_failure, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
