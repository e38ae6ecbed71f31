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
/* Samples where a live thread is now; returns the number of pcs written. */
int lc__thread_current_stack(pthread_t th, int sig, uintptr_t *pcs, int max);

#endif
