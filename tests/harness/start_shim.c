/* start_shim.c: a test stand-in for a runtime that wraps pthread_create: its
 * start routine mallocs and callocs on the new thread before the program's
 * routine, as ASan's AsanThread::ThreadStart does. Linked ahead of
 * libleakcheck that runs inside leakcheck's trampoline (ASan's order), behind
 * it before the trampoline. Driven by the start_shim_* calls. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include "start_shim.h"

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

struct start {
    void *(*fn)(void *);
    void *arg;
};

#define STARTS_MAX 4096 /* the tests start far fewer threads than this */
static struct start starts[STARTS_MAX];
static unsigned nstarts;

/* The start-up blocks the runtime keeps, until start_shim_release. */
#define KEPT_MAX 4096
static void *kept[KEPT_MAX];
static size_t nkept;
static int mode = START_SHIM_KEEP;
static unsigned holding, gate; /* threads held so far; threads let go so far */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

/* The runtime's start-up: blocks made before the program's routine runs. */
static void *shim_start(void *p) {
    struct start s = *(struct start *)p;
    void *a = malloc(48);
    void *b = calloc(1, 152);
    pthread_mutex_lock(&mu);
    if (mode == START_SHIM_HOLD) { /* held in start-up until the test lets go */
        unsigned me = holding++;
        pthread_cond_broadcast(&cv);
        while (gate <= me)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
        free(b);
        free(a);
    } else {
        if (nkept + 2 <= KEPT_MAX) {
            kept[nkept++] = a;
            kept[nkept++] = b;
        }
        pthread_mutex_unlock(&mu);
    }
    return s.fn(s.arg);
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
                   void *arg) {
    static create_fn real;
    if (!real)
        real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    if (!real)
        return 11; /* EAGAIN */
    /* not from the heap, as ASan's AsanThread (mmap): a block the creating
     * thread made here would be the program's until the new thread ran */
    struct start *s = &starts[__atomic_fetch_add(&nstarts, 1, __ATOMIC_RELAXED) % STARTS_MAX];
    s->fn = fn;
    s->arg = arg;
    return real(th, attr, shim_start, s);
}

void start_shim_mode(int m) {
    pthread_mutex_lock(&mu);
    mode = m;
    pthread_mutex_unlock(&mu);
}

void start_shim_release(void) {
    pthread_mutex_lock(&mu);
    while (nkept)
        free(kept[--nkept]);
    pthread_mutex_unlock(&mu);
}

void start_shim_wait_holding(unsigned n) {
    pthread_mutex_lock(&mu);
    while (holding < n)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

void start_shim_let_go(unsigned n) {
    pthread_mutex_lock(&mu);
    if (gate < n)
        gate = n;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}
