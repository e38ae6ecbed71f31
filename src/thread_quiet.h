/* thread_quiet.h: looks at every other thread of the process
 * (thread_quiet.c) for the settle wait's early end. Report time only, never
 * on the hook path. */
#ifndef LC_THREAD_QUIET_H
#define LC_THREAD_QUIET_H

#include <stddef.h>

#define LC_QUIET_MAX 512

struct lc_quiet_task {
    int tid;
    unsigned long switches; /* voluntary + involuntary context switches */
};
struct lc_quiet {
    size_t n;
    struct lc_quiet_task t[LC_QUIET_MAX];
    int tids[LC_QUIET_MAX]; /* scratch for the listing */
};

/* 1 when, at this look, every thread but the caller sleeps (state S) in a
 * wait only this process can end (pause, sigsuspend, a private futex wait
 * without timeout), no thread has a child process and no timer is armed;
 * q gets each thread's context-switch count. 0 otherwise. */
int lc__quiet_look(struct lc_quiet *q);
/* 1 when two quiet looks saw the same threads with the same counts: each
 * slept through the time between its two looks without waking, so there was
 * a moment when all of them slept at once, with nobody left to wake them. */
int lc__quiet_same(struct lc_quiet *a, struct lc_quiet *b);
/* 1 when thread tid is running or waits for a CPU (state R). */
int lc__quiet_runnable(int tid);

#endif
