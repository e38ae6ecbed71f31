/* thread_registry.h: threads started during a scope, for thread-leak
 * verdicts. See thread_registry.c. */
#ifndef LC_THREAD_REGISTRY_H
#define LC_THREAD_REGISTRY_H

#include <pthread.h>
#include <stdint.h>

#define LC_MAX_TRECS 4096

struct lc_thread_rec {
    int used;
    int created;        /* pthread_create returned: th is valid */
    pthread_t th;
    int tid;            /* set by the thread itself when it starts */
    uint32_t gen;       /* scope generation at creation */
    uint32_t iteration; /* iteration at creation */
    uint32_t stack;     /* creation stack (depot id), 0 when stacks are off */
    int attributed;
    int detached;       /* created detached, or pthread_detach'ed */
    int exited;         /* the start routine returned, exited or was cancelled */
    int joined;
    char name[16];      /* the thread's name when it ended (pthread_getname_np) */
};

int lc__registry_init(void);
/* The whole array (read it under the lock, or accept racy flags). */
struct lc_thread_rec *lc__registry(size_t *n);
/* Threads the test started in scope generation gen that are not finished:
 * running, or exited but neither joined nor detached. */
uint32_t lc__threads_unfinished(uint32_t gen);
void lc__registry_lock(void);
void lc__registry_unlock(void);
/* How many registered threads have ended their start routine so far; the
 * word is a futex, woken at every end (thread_settle.c waits on it). */
uint32_t lc__thread_exit_count(void);
uint32_t *lc__thread_exit_word(void);
/* Waits until no thread of scope generation gen started in iterations
 * [first, end) is still running its start routine unjoined, or settle_ms
 * passed (thread_settle.c). Call with the guard up. */
void lc__threads_settle(uint32_t gen, unsigned first, unsigned end, long settle_ms);
/* thread_settle.c: waits, up to max_ms, while a thread of scope generation
 * gen started in [first, end) and not finished has not started yet or is
 * runnable; an exit or a sleep ends it. Between runs, before they are
 * counted: a detached thread that frees its argument has done so. */
void lc__threads_run_out(uint32_t gen, unsigned first, unsigned end, long max_ms);
/* The same wait for the registry records rec[0..n) alone. Both share one
 * settle period per scope generation: a second wait of gen ends at the
 * first one's deadline. */
void lc__threads_settle_recs(uint32_t gen, const size_t *rec, size_t n, long settle_ms);
/* Threads by handle (issue 13): the unfinished threads (running, or exited
 * neither joined nor detached) of scope generation gen (any generation when
 * any_gen) created before iteration end, their pthread_t values as needles for
 * lc__reach_classify and the ranges to ignore when looking for them: each
 * thread's own stack mapping (its descriptor points to itself) and the
 * registry, which holds every handle. */
#define LC_MAX_HANDLES 1024 /* unfinished threads checked by handle (talloc_testsuite leaves 100) */
struct lc_thread_handles {
    size_t n;
    size_t rec[LC_MAX_HANDLES];     /* registry index of each */
    uintptr_t needles[LC_MAX_HANDLES];
    int found[LC_MAX_HANDLES];      /* out of the scan */
    uintptr_t ignore[LC_MAX_HANDLES + 1][2];
};
/* Fills h; report time. Keep h off the stack the scan reads (mmap or heap).
 * skip_detached: leave out detached threads still running (a daemon started
 * once, which nothing needs to join). */
void lc__thread_handles_gather(struct lc_thread_handles *h, uint32_t gen, int any_gen,
                               unsigned end, int skip_detached);
/* "running", "exited-unjoined", or NULL for a finished thread. */
const char *lc__thread_unfinished(const struct lc_thread_rec *t);

/* Samples where live thread th (kernel id tid) is now, by signal sig; returns
 * the number of pcs written, 0 when it did not answer in time, or one of the
 * codes below. budget: seconds this test may still spend waiting for answers
 * (LC_SAMPLE_BUDGET per test), decreased by the wait. */
#define LC_SAMPLE_BUDGET 0.25
#define LC_SAMPLE_BLOCKED (-1)   /* the thread blocks sig: not asked */
#define LC_SAMPLE_NO_BUDGET (-2) /* the test's budget is spent: not asked */
#define LC_SAMPLE_STARTING (-3)  /* not yet at our trampoline (tid 0): its handler
                                  * could not tell the request was for it */
int lc__thread_current_stack(pthread_t th, int tid, int sig, uintptr_t *pcs, int max,
                             double *budget);

#endif
