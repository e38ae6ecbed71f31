/* Leaked threads that block every signal: their current stack cannot be
 * sampled, and asking must not cost a timeout each (200 of them used to take
 * 58 s). The leaky test starts 50 such threads per iteration, each blocked in
 * read() on a pipe nobody writes; the clean twin joins its threads.
 * run_masked_threads.py checks the verdicts, the note and the time. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

#define PER_ITERATION 50
static int never_written[2];

static void *masked_wait(void *arg) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    char c;
    while (read(never_written[0], &c, 1) < 0) {
    }
    return arg;
}

static void *masked_quick(void *arg) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    return arg;
}

static void start(void *(*fn)(void *), pthread_t *t) {
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    assert_int_equal(pthread_create(t, &a, fn, NULL), 0);
    pthread_attr_destroy(&a);
}

LEAKCHECK_TEST(leaks_masked_threads) {
    pthread_t t[PER_ITERATION];
    for (int i = 0; i < PER_ITERATION; i++)
        start(masked_wait, &t[i]);
}

LEAKCHECK_TEST(clean_masked_threads_twin) {
    pthread_t t[PER_ITERATION];
    for (int i = 0; i < PER_ITERATION; i++)
        start(masked_quick, &t[i]);
    for (int i = 0; i < PER_ITERATION; i++)
        pthread_join(t[i], NULL);
}

int main(void) {
    if (pipe(never_written))
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_masked_threads_twin),
        cmocka_unit_test(leaks_masked_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
