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
/* Samples where a live thread is now; returns the number of pcs written. */
int lc__thread_current_stack(pthread_t th, int sig, uintptr_t *pcs, int max);

#endif
