/* test_sleeper.c: a plain cmocka binary (no leakcheck code) whose test leaves
 * a watchdog thread asleep in sleep(600), which then ends the process if it
 * ever wakes (the leaked thread is sampled with a signal for its current
 * stack); its clean twin sleeps 1 ms in a thread it joins. A test after it
 * that is not repeatable, judged by the single run's reachability scan,
 * which stops every thread (the watchdog too) with a signal, loses a block.
 * run_test_sleeper.py checks them under LEAKCHECK_CMOCKA=1. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

static void *watchdog(void *arg) {
    (void)arg;
    sleep(600);
    fprintf(stderr, "test_sleeper: watchdog woke early\n");
    _exit(3);
}

static void leaves_watchdog(void **state) {
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, watchdog, NULL), 0);
    pthread_detach(t); /* planted: never stopped */
}

static void *volatile sink;
static int once;

__attribute__((noinline)) static void drop_once(void) {
    sink = malloc(48);
    sink = NULL;
}

static void once_after_watchdog(void **state) {
    (void)state;
    assert_int_equal(++once, 1);
    drop_once();
}

static void *naps(void *arg) {
    (void)arg;
    return (void *)(long)usleep(1000);
}

static void joins_napper(void **state) {
    (void)state;
    pthread_t t;
    void *rc = (void *)1;
    assert_int_equal(pthread_create(&t, NULL, naps, NULL), 0);
    assert_int_equal(pthread_join(t, &rc), 0);
    assert_null(rc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(joins_napper),
        cmocka_unit_test(leaves_watchdog),
        cmocka_unit_test(once_after_watchdog),
    };
    return cmocka_run_group_tests_name("rtrlib_sleeper", tests, NULL, NULL);
}
