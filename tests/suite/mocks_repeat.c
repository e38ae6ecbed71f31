/* mocks_repeat.c: a plain cmocka binary (no leakcheck code) whose mocks do
 * not survive repetition: a value queued every run but used only by the
 * first (a cache), a value queued once but used every run, the same with a
 * leak in its one run, parameter checks (expect_string, expect_value,
 * expect_memory) and an expected call queued every run but met only by the
 * first (flashrom's spi25 probe tests), and their clean twins. run_mocks.py
 * runs it under LEAKCHECK_CMOCKA=1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static void *volatile sink;

static int source(void) { return (int)mock(); }

static int cache = -1;
static int cached(void) {
    if (cache < 0)
        cache = source();
    return cache;
}

__attribute__((noinline)) static void mocks_leaky_open(void) {
    sink = malloc(48); /* planted: the only pointer is dropped */
    sink = NULL;
}

__attribute__((noinline)) static void mocks_leak_each_run(void) {
    static void *volatile keep[64];
    static int n;
    keep[n++ % 64] = malloc(40);
}

/* queued every run, used by the first run only: cmocka would report the
 * later runs' values as remaining */
static void cache_queued_every_run(void **state) {
    (void)state;
    will_return(source, 3);
    assert_int_equal(cached(), 3);
}

/* queued once, used every run: mock() finds no value in a later run */
static int primed;
static void value_queued_once(void **state) {
    (void)state;
    if (!primed++)
        will_return_count(source, 4, 1);
    assert_int_equal(source(), 4);
}

static int primed_leaks;
static void value_queued_once_leaks(void **state) {
    (void)state;
    if (!primed_leaks++)
        will_return_count(source, 5, 1);
    assert_int_equal(source(), 5);
    mocks_leaky_open();
}

/* the clean twin: queued and used every run */
static void value_queued_every_run(void **state) {
    (void)state;
    will_return(source, 2);
    assert_int_equal(source(), 2);
}

/* repeatable, and leaks one block of 40 B every run */
static void value_queued_every_run_leaks(void **state) {
    (void)state;
    will_return(source, 2);
    assert_int_equal(source(), 2);
    mocks_leak_each_run();
}

/* a mocked transfer whose parameters the test checks, and a notification
 * it expects; the probe behind them runs once and then answers from its
 * cache */
static void transfer(const char *cmd, int len, const void *buf) {
    check_expected(cmd);
    check_expected(len);
    check_expected(buf);
}

static void notify(void) { function_called(); }

static int probed = -1;
static int probe(int every_run) {
    static const char id[4] = {1, 2, 3, 4};
    if (probed < 0 || every_run) {
        transfer("rdid", 4, id);
        notify();
        probed = 1;
    }
    return probed;
}

static void queue_transfer(void) {
    static const char id[4] = {1, 2, 3, 4};
    expect_string(transfer, cmd, "rdid");
    expect_value(transfer, len, 4);
    expect_memory(transfer, buf, id, sizeof id);
    expect_function_call(notify);
}

/* checks and a call queued every run, met by the first run only */
static void checks_queued_every_run(void **state) {
    (void)state;
    queue_transfer();
    assert_int_equal(probe(0), 1);
}

/* the clean twin: queued and met every run */
static void checks_met_every_run(void **state) {
    (void)state;
    queue_transfer();
    assert_int_equal(probe(1), 1);
}

static int setup_fails(void **state) {
    (void)state;
    return -1;
}
static void body_never_runs(void **state) { (void)state; }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cache_queued_every_run),
        cmocka_unit_test(value_queued_once),
        cmocka_unit_test(value_queued_once_leaks),
        cmocka_unit_test(value_queued_every_run),
        cmocka_unit_test(value_queued_every_run_leaks),
        cmocka_unit_test(checks_queued_every_run),
        cmocka_unit_test(checks_met_every_run),
        cmocka_unit_test_setup(body_never_runs, setup_fails),
    };
    return cmocka_run_group_tests_name("mocks", tests, NULL, NULL);
}
