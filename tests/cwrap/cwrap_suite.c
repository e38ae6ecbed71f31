/* cwrap_suite.c: a plain cmocka binary (no leakcheck code) shaped like cwrap's
 * torture suites: each test's setup makes a fresh directory (mkdtemp) and
 * publishes it with setenv, as socket_wrapper's tests do, and the tests open
 * and close sockets through sockwrap.c, preloaded beside libleakcheck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

struct dir_state {
    char path[64];
};

static int setup_dir(void **state) {
    struct dir_state *s = calloc(1, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    if (s == NULL)
        return -1;
    snprintf(s->path, sizeof s->path, "%s/cwrap_XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(s->path) == NULL) {
        free(s);
        return -1;
    }
    /* a new value every run: glibc keeps each one (setenv never frees) */
    setenv("SOCKWRAP_DIR", s->path, 1);
    setenv("SOCKWRAP_IFACE", "10", 1); /* the same value every run */
    *state = s;
    return 0;
}

static int teardown_dir(void **state) {
    struct dir_state *s = *state;
    rmdir(s->path);
    free(s);
    return 0;
}

static void socket_open_close(void **state) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
}

static void socketpair_open_close(void **state) {
    int sv[2];
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(close(sv[0]), 0);
    assert_int_equal(close(sv[1]), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(socket_open_close, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(socketpair_open_close, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
