/* test_thread_quiet.c: the settle wait's quiet look (src/thread_quiet.c).
 * A process whose other thread sleeps in pause() is quiet; it is not while a
 * registered thread is still starting (no tid yet) or is on its way out
 * (done with its start routine, still listed): waits there are for locks held
 * for a moment, the case that judged a clean detached thread a leak. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "thread_quiet.h"
#include "thread_registry.h"

static struct lc_quiet q;
static volatile int sleeper_tid;

static void *sleeper(void *arg) {
    (void)arg;
    sleeper_tid = gettid();
    for (;;)
        pause();
    return NULL;
}

/* Whether the process turns quiet within 5 s (the sleeper has to reach
 * pause(); a shared machine may take a while to run it). */
static int turns_quiet(void) {
    struct timespec t0, now, ms = {0, 1000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        if (lc__quiet_look(&q))
            return 1;
        nanosleep(&ms, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - t0.tv_sec < 5);
    return 0;
}

/* A free registry record, filled by hand as a thread in transit. */
static struct lc_thread_rec *fake_rec(int tid, int exited) {
    size_t n;
    struct lc_thread_rec *r = lc__registry(&n);
    for (size_t i = 0; r && i < n; i++)
        if (!r[i].used) {
            r[i] = (struct lc_thread_rec){.used = 1, .created = 1, .tid = tid, .exited = exited};
            return &r[i];
        }
    return NULL;
}

static int setup(void **state) {
    (void)state;
    assert_int_equal(lc__registry_init(), 0);
    if (!sleeper_tid) {
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, sleeper, NULL), 0);
        pthread_detach(t);
    }
    return 0;
}

static void test_pause_is_quiet(void **state) {
    (void)state;
    assert_true(turns_quiet());
    assert_int_equal(q.n, 1);
    assert_int_equal(q.t[0].tid, sleeper_tid);
}

static void test_starting_thread_is_not_quiet(void **state) {
    (void)state;
    struct lc_thread_rec *r = fake_rec(0, 0); /* created, not yet in its start routine */
    assert_non_null(r);
    assert_false(lc__quiet_look(&q));
    r->tid = sleeper_tid; /* in its start routine now, asleep in pause() */
    assert_true(turns_quiet());
    r->used = 0;
}

static void test_exiting_thread_is_not_quiet(void **state) {
    (void)state;
    assert_true(turns_quiet());
    /* done with its start routine, still listed: on its way out */
    struct lc_thread_rec *r = fake_rec(sleeper_tid, 1);
    assert_non_null(r);
    assert_false(lc__quiet_look(&q));
    r->tid = 0x7ffffff0; /* twin: gone from /proc, nothing left of it to wait for */
    assert_true(lc__quiet_look(&q));
    r->used = 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pause_is_quiet, setup),
        cmocka_unit_test_setup(test_starting_thread_is_not_quiet, setup),
        cmocka_unit_test_setup(test_exiting_thread_is_not_quiet, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
