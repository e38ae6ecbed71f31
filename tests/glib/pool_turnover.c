/* pool_turnover.c: the shape of GLib's GThreadPool, which keeps up to two
 * unused workers for the whole process: the next pool wakes one of them or
 * starts another, and the ones over the cap exit. Here each call starts a
 * fresh worker and retires (stops and joins) the idle one it replaces, so one
 * worker is always left, started by the latest call: turnover, not a leak.
 * Its twin starts a worker per call and keeps every one running. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

struct worker {
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
};

static void *idle_worker(void *arg) {
    struct worker *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop)
        pthread_cond_wait(&w->wake, &w->lock);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static __attribute__((noinline)) struct worker *start_worker(void) {
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->tid, NULL, idle_worker, w) != 0) {
        free(w);
        return NULL;
    }
    return w;
}

static void retire(struct worker *w) {
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->tid, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}

static struct worker *idle; /* the process's one unused worker */

static void clean_pool_turnover(void **state) {
    (void)state;
    struct worker *fresh = start_worker();
    assert_non_null(fresh);
    if (idle)
        retire(idle);
    idle = fresh;
}

static struct worker *kept[64];
static unsigned nkept;

static void leak_pool_grows(void **state) {
    (void)state;
    struct worker *w = start_worker();
    assert_non_null(w);
    if (nkept < sizeof kept / sizeof kept[0])
        kept[nkept++] = w;
}

static int retire_all(void **state) {
    (void)state;
    if (idle)
        retire(idle);
    idle = NULL;
    while (nkept)
        retire(kept[--nkept]);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_pool_turnover),
        cmocka_unit_test(leak_pool_grows),
    };
    return cmocka_run_group_tests(tests, NULL, retire_all);
}
