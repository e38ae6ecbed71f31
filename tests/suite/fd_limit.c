/* fd_limit.c: a plain cmocka binary whose second test leaks fds until the
 * process reaches its open-file limit (EMFILE), as a suite with an fd leak
 * does once it has run long enough: its fd count cannot grow after its first
 * run, and it is still a leak (its twin, which closes what it opened, is
 * clean). The tests after it must still be judged
 * (leakcheck reads /proc in the slot of an fd it keeps in reserve,
 * fd_spare.c), or fail with a line that names the limit when even that is
 * gone. A repeatable test that leaks a block per call and a test that is not
 * repeatable (judged from its single run by the reachability scan, which
 * reads /proc/self/maps) follow. run_fd_limit.py sets the limit and checks
 * the console. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

static void *volatile sink;
static int once;

static int fds[65536];

static void open_until_the_limit_and_close(void **state) {
    (void)state;
    int n = 0, fd;
    while (n < 65536 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        fds[n++] = fd;
    while (n > 0)
        close(fds[--n]);
}

static void open_until_the_limit(void **state) {
    (void)state;
    while (open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0)
        ;
}

__attribute__((noinline)) static void drop_after(void) {
    sink = malloc(24);
    sink = NULL;
}

static void leaks_at_the_limit(void **state) {
    (void)state;
    drop_after();
}

__attribute__((noinline)) static void drop_single(void) {
    sink = malloc(33);
    sink = NULL;
}

static void single_run_at_the_limit(void **state) {
    (void)state;
    assert_int_equal(++once, 1);
    drop_single();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_until_the_limit_and_close),
        cmocka_unit_test(open_until_the_limit),
        cmocka_unit_test(leaks_at_the_limit),
        cmocka_unit_test(single_run_at_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
