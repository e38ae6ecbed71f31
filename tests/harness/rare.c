/* Rare leaks and honest verdicts: a leak every 7th and every 10th call, fds
 * and threads left in 2 of 7 iterations, each with a clean twin that grows
 * as rarely but stops (a cap); a realloc in place. run_rare.py checks every
 * verdict, reason and figure from the JSON report at default settings. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

#define NOINLINE __attribute__((noinline))

static unsigned calls7, calls10, calls_cap;

NOINLINE static void leak_on_7th_call(void) {
    if (++calls7 % 7 == 0)
        lc_test_sink = malloc(32); /* planted: the previous one is lost */
}
LEAKCHECK_TEST(leak_every_7th) { leak_on_7th_call(); }

NOINLINE static void leak_on_10th_call(void) {
    if (++calls10 % 10 == 0)
        lc_test_sink = malloc(24);
}
LEAKCHECK_TEST(leak_every_10th) { leak_on_10th_call(); }

/* the twin: grows on the 7th and 14th calls, then never (a cache of 2) */
static void *volatile rare_cache[2];
NOINLINE static void cache_on_7th_call(void) {
    if (++calls_cap % 7 == 0 && calls_cap <= 14)
        rare_cache[calls_cap / 7 - 1] = malloc(32);
}
LEAKCHECK_TEST(clean_rare_cap) { cache_on_7th_call(); }

/* fds: kept in 2 of the first 7 measured iterations (calls 4 and 7, after 2
 * warm-up calls), then never again */
static unsigned fd_calls, fd_once_calls;
static int kept_fds[4], kept_fd_once = -1;
NOINLINE static void open_rarely(void) {
    fd_calls++;
    if (fd_calls == 4 || fd_calls == 7)
        kept_fds[fd_calls / 4 - 1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}
LEAKCHECK_TEST(leak_fd_2_of_7) { open_rarely(); }

/* the twin: one fd opened lazily in a measured iteration, kept for good */
NOINLINE static void open_log_once(void) {
    if (++fd_once_calls == 5 && kept_fd_once < 0)
        kept_fd_once = open("/dev/null", O_RDONLY | O_CLOEXEC);
}
LEAKCHECK_TEST(clean_fd_once) { open_log_once(); }

/* threads: a worker started in 2 of 7 measured iterations that never ends */
static pthread_mutex_t never = PTHREAD_MUTEX_INITIALIZER;
static void *wait_forever(void *arg) {
    pthread_mutex_lock(&never);
    pthread_mutex_unlock(&never);
    return arg;
}
static unsigned thr_calls, thr_once_calls;
static pthread_t workers[4], worker_once;
NOINLINE static void start_rarely(void) {
    thr_calls++;
    if (thr_calls == 3 || thr_calls == 6)
        pthread_create(&workers[thr_calls / 3 - 1], NULL, wait_forever, NULL);
}
LEAKCHECK_TEST(leak_thread_2_of_7) { start_rarely(); }

/* the twin: workers started in the same 2 of 7 iterations, joined there */
static void *quick(void *arg) { return arg; }
NOINLINE static void start_once(void) {
    thr_once_calls++;
    if (thr_once_calls == 3 || thr_once_calls == 6) {
        pthread_create(&worker_once, NULL, quick, NULL);
        pthread_join(worker_once, NULL);
    }
}
LEAKCHECK_TEST(clean_thread_2_of_7_joined) { start_once(); }

/* a buffer grown in place: bytes change, blocks do not */
static char *inplace;
NOINLINE static void grow_in_place(void) {
    static size_t len = 1000;
    if (!inplace)
        inplace = malloc(1 << 20); /* plenty of room: realloc stays in place */
    len += 100;
    char *n = realloc(inplace, len);
    if (n)
        inplace = n;
}
LEAKCHECK_TEST(leak_realloc_in_place) { grow_in_place(); }

/* a deep chain: the console's line keeps the innermost frame and the test
 * body, eliding the middle */
NOINLINE static void deep_leaf(void) { lc_test_sink = malloc(16); }
NOINLINE static void deep_5(void) { deep_leaf(); __asm__ volatile(""); }
NOINLINE static void deep_4(void) { deep_5(); __asm__ volatile(""); }
NOINLINE static void deep_3(void) { deep_4(); __asm__ volatile(""); }
NOINLINE static void deep_2(void) { deep_3(); __asm__ volatile(""); }
NOINLINE static void deep_1(void) { deep_2(); __asm__ volatile(""); }
LEAKCHECK_TEST(leak_deep_stack) {
    deep_1();
    __asm__ volatile("");
}

/* an fd leaked through fopen (a call leakcheck wraps) */
static FILE *volatile kept_file;
NOINLINE static void open_stream(void) { kept_file = fopen("/dev/null", "r"); }
LEAKCHECK_TEST(leak_fd_fopen) {
    open_stream();
    __asm__ volatile("");
}

int main(void) {
    pthread_mutex_lock(&never); /* the workers wait for good */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_every_7th),     cmocka_unit_test(leak_every_10th),
        cmocka_unit_test(clean_rare_cap),     cmocka_unit_test(leak_fd_2_of_7),
        cmocka_unit_test(clean_fd_once),      cmocka_unit_test(leak_thread_2_of_7),
        cmocka_unit_test(clean_thread_2_of_7_joined),  cmocka_unit_test(leak_realloc_in_place),
        cmocka_unit_test(leak_deep_stack),       cmocka_unit_test(leak_fd_fopen),
    };
    return cmocka_run_group_tests_name("rare", tests, NULL, NULL);
}
