/* thread_start.c: the start-up blocks of a pthread_create wrapper
 * (start_shim.c, ahead of or behind libleakcheck), kept until the group ends,
 * are never a test's growth (main's library: +2 blocks per iteration, no
 * program frame); a start routine that leaks is still caught. Checked by
 * run_thread_start.py from the JSON report. */
#include <pthread.h>
#include <stdlib.h>

#include <leakcheck/leakcheck.h>

#include "start_shim.h"

extern void *volatile lc_test_sink;

#define NOINLINE __attribute__((noinline))

static void *quick(void *arg) { return arg; }

/* joined at once: all that stays is what the shim kept in its start-up */
LEAKCHECK_TEST(clean_runtime_keeps_start_blocks) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, quick, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* the same with detached threads, which may outlive their iteration */
LEAKCHECK_TEST(clean_detached_runtime_keeps_start_blocks) {
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    assert_int_equal(pthread_create(&t, &a, quick, NULL), 0);
    pthread_attr_destroy(&a);
}

struct node {
    struct node *next;
    char payload[56];
};
static struct node *kept_by_routine;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;

NOINLINE static void *leaky_start_routine(void *arg) {
    struct node *n = malloc(sizeof *n);
    if (n) {
        pthread_mutex_lock(&kept_mu);
        n->next = kept_by_routine;
        kept_by_routine = n;
        pthread_mutex_unlock(&kept_mu);
    }
    lc_test_sink = n;
    return arg;
}

/* the twin: the program's own start routine keeps a block per iteration */
LEAKCHECK_TEST(leak_from_start_routine) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, leaky_start_routine, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* Last: a thread held in the shim's start-up for good is a thread leak; with
 * the shim behind libleakcheck it never reaches the trampoline, and the
 * finding says so instead of waiting for a sample it cannot answer. */
LEAKCHECK_TEST(leak_thread_stuck_in_start_up) {
    start_shim_mode(START_SHIM_HOLD);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    assert_int_equal(pthread_create(&t, &a, quick, NULL), 0);
    pthread_attr_destroy(&a);
}

/* After the group: the shim frees what it kept (outside any scope; a
 * per-test teardown would run inside every iteration). */
static int release_kept(void **state) {
    (void)state;
    start_shim_release();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_runtime_keeps_start_blocks),
        cmocka_unit_test(clean_detached_runtime_keeps_start_blocks),
        cmocka_unit_test(leak_from_start_routine),
        cmocka_unit_test(leak_thread_stuck_in_start_up),
    };
    return cmocka_run_group_tests_name("thread_start", tests, NULL, release_kept);
}
