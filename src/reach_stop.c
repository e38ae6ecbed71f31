/* reach_stop.c: stops every other thread for the reachability scan, without
 * ptrace: /proc/self/task, then tgkill with SIGRTMIN+LC_REACH_SIGNAL_OFFSET; the
 * handler saves registers, stack and thread pointer and waits on a futex. A
 * thread that blocks the signal or stays silent past the budget is marked
 * unstopped, with the stack pointer /proc shows. Syscalls only; not hook path. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "reach.h"
#include "reach_impl.h"

#define LC__STOP_PASSES 16     /* re-listings of /proc/self/task (threads start meanwhile) */
#define LC__STOP_PROBE_MS 20   /* after this, ask /proc which silent threads cannot answer */

static struct lc__stop *volatile active; /* the session handlers write into */
static int in_handler;                   /* handlers that may still touch *active */
static struct sigaction old_action;
static int installed;
/* Once a thread left a scan with our signal possibly pending (it never
 * answered), a later scan's signal can queue behind it (real-time signals
 * queue), so the handler is never taken away again. */
static int dirty;

static int stop_signal(void) { return SIGRTMIN + LC_REACH_SIGNAL_OFFSET; }

static long futex(int *w, int op, int val, const struct timespec *ts) {
    return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void save_context(struct lc__thread *t, const ucontext_t *uc) {
    memcpy(t->regs, &uc->uc_mcontext, sizeof t->regs);
#if defined(__x86_64__)
    t->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    t->sp = (uintptr_t)uc->uc_mcontext.sp;
#else
    t->sp = (uintptr_t)&uc; /* approximate: the handler's own frame */
#endif
    t->tp = (uintptr_t)pthread_self();
}

/* A signal that is not ours (no session: it came late, or from someone else)
 * goes to the handler that was installed before us. */
static void chain(int sig, siginfo_t *si, void *uc) {
    if (old_action.sa_flags & SA_SIGINFO) {
        if (old_action.sa_sigaction)
            old_action.sa_sigaction(sig, si, uc);
    } else if (old_action.sa_handler != SIG_DFL && old_action.sa_handler != SIG_IGN) {
        old_action.sa_handler(sig);
    }
}

static struct lc__thread *find_slot(struct lc__stop *s, int tid) {
    size_t n = __atomic_load_n(&s->n, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n; i++)
        if (s->t[i].tid == tid)
            return &s->t[i];
    return NULL;
}

static void on_stop_signal(int sig, siginfo_t *si, void *ucv) {
    int saved_errno = errno;
    __atomic_add_fetch(&lc__tls.own_signals, 1, __ATOMIC_RELAXED); /* sleep_resume.c */
    __atomic_add_fetch(&in_handler, 1, __ATOMIC_SEQ_CST);
    struct lc__stop *s = __atomic_load_n(&active, __ATOMIC_SEQ_CST);
    struct lc__thread *t = s ? find_slot(s, lc__gettid()) : NULL;
    int expect = LC__T_SIGNALLED;
    if (!t || !__atomic_compare_exchange_n(&t->state, &expect, LC__T_SAVING, 0,
                                           __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        __atomic_sub_fetch(&in_handler, 1, __ATOMIC_SEQ_CST);
        if (!s)
            chain(sig, si, ucv);
        errno = saved_errno;
        return;
    }
    save_context(t, ucv);
    __atomic_store_n(&t->state, LC__T_STOPPED, __ATOMIC_RELEASE);
    __atomic_add_fetch(&s->nstopped, 1, __ATOMIC_SEQ_CST);
    futex(&s->nstopped, FUTEX_WAKE_PRIVATE, 1, NULL);
    while (!__atomic_load_n(&s->release, __ATOMIC_ACQUIRE))
        futex(&s->release, FUTEX_WAIT_PRIVATE, 0, NULL);
    __atomic_store_n(&t->state, LC__T_LEFT, __ATOMIC_RELEASE);
    __atomic_sub_fetch(&in_handler, 1, __ATOMIC_SEQ_CST);
    errno = saved_errno;
}

static int install(void) {
    if (installed)
        return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_stop_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask); /* nothing else runs on a stopped thread */
    if (sigaction(stop_signal(), &sa, &old_action) != 0)
        return -1;
    installed = 1;
    return 0;
}

/* Lists the threads, signals the ones not yet seen; returns how many are new. */
static size_t signal_new(struct lc__stop *s, int *tids, size_t tcap, int self) {
    size_t nt = 0, fresh = 0;
    if (lc__proc_tids(tids, tcap, &nt) != 0)
        return 0;
    if (nt > tcap)
        nt = tcap;
    for (size_t i = 0; i < nt; i++) {
        if (tids[i] == self || find_slot(s, tids[i]))
            continue;
        if (s->n == s->cap) {
            s->overflow++;
            continue;
        }
        struct lc__thread *t = &s->t[s->n];
        t->tid = tids[i];
        t->state = LC__T_SIGNALLED;
        __atomic_store_n(&s->n, s->n + 1, __ATOMIC_SEQ_CST); /* before the signal */
        if (syscall(SYS_tgkill, getpid(), t->tid, stop_signal()) != 0)
            t->state = LC__T_GONE;
        else
            fresh++;
    }
    return fresh;
}

static size_t count_state(const struct lc__stop *s, int state) {
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        k += __atomic_load_n(&s->t[i].state, __ATOMIC_ACQUIRE) == state;
    return k;
}

/* Gives up on silent threads that cannot answer (signal blocked, exiting). */
static void mark_deaf(struct lc__stop *s) {
    for (size_t i = 0; i < s->n; i++) {
        struct lc__thread *t = &s->t[i];
        int st = LC__T_SIGNALLED;
        if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == LC__T_SIGNALLED &&
            lc__proc_task_deaf(t->tid, stop_signal()))
            __atomic_compare_exchange_n(&t->state, &st, LC__T_UNSTOPPED, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
}

/* Waits until every signalled thread stopped or was given up, or the deadline. */
static void wait_stopped(struct lc__stop *s, uint64_t deadline, uint64_t probe) {
    for (;;) {
        if (count_state(s, LC__T_SIGNALLED) == 0)
            return;
        uint64_t now = now_ns();
        if (now >= deadline)
            return;
        if (probe && now >= probe) {
            mark_deaf(s);
            probe = 0;
            continue;
        }
        uint64_t until = probe && probe < deadline ? probe : deadline;
        int seen = __atomic_load_n(&s->nstopped, __ATOMIC_SEQ_CST);
        if (count_state(s, LC__T_SIGNALLED) == 0)
            return;
        struct timespec ts = {(time_t)((until - now) / 1000000000u),
                              (long)((until - now) % 1000000000u)};
        futex(&s->nstopped, FUTEX_WAIT_PRIVATE, seen, &ts);
    }
}

/* Threads still silent after the budget: scanned from the stack pointer the
 * kernel shows while they block (0 when running: their stack is not scanned). */
static void give_up(struct lc__stop *s) {
    for (size_t i = 0; i < s->n; i++) {
        struct lc__thread *t = &s->t[i];
        int st = LC__T_SIGNALLED;
        if (__atomic_compare_exchange_n(&t->state, &st, LC__T_UNSTOPPED, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            st = LC__T_UNSTOPPED;
        while (st == LC__T_SAVING) /* its handler is saving the registers now */
            st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
        if (st != LC__T_UNSTOPPED)
            continue;
        t->sp = lc__proc_task_sp(t->tid);
        if (!t->sp && lc__proc_task_deaf(t->tid, 0))
            t->state = LC__T_GONE; /* exited meanwhile: nothing left to scan */
        else
            s->unstopped++;
    }
}

int lc__reach_stop(struct lc__stop *s, unsigned timeout_ms) {
    int self = lc__gettid();
    size_t nt = 0;
    memset(s, 0, sizeof *s);
    if (lc__proc_tids(NULL, 0, &nt) != 0 || nt <= 1)
        return 0; /* alone (or no /proc: nothing to stop by name) */
    s->cap = nt * 2 + 64;
    s->bytes = s->cap * (sizeof *s->t + sizeof(int));
    s->t = lc__rmap(s->bytes);
    if (!s->t)
        return LEAKCHECK_ENOMEM;
    int *tids = (int *)(s->t + s->cap);
    if (install() != 0)
        return 0; /* cannot happen for a valid RT signal; then nothing is stopped */
    __atomic_store_n(&active, s, __ATOMIC_SEQ_CST);
    uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(timeout_ms ? timeout_ms : 200) * 1000000u;
    uint64_t probe = t0 + (uint64_t)LC__STOP_PROBE_MS * 1000000u;
    for (int pass = 0; pass < LC__STOP_PASSES; pass++) {
        if (signal_new(s, tids, s->cap, self) == 0 && pass > 0)
            break;
        wait_stopped(s, deadline, probe);
        if (now_ns() >= probe)
            probe = 0; /* probed once already (or the budget is that short) */
    }
    give_up(s);
    return 0;
}

/* Lets the stopped threads go, waits until no handler can touch s any more,
 * and restores the previous handler unless a signal of ours may still be
 * pending on a thread that never answered, in this scan or an earlier one (such
 * a signal then finds no session and goes to the previous handler). */
void lc__reach_release(struct lc__stop *s) {
    if (!s->t)
        return;
    __atomic_store_n(&s->release, 1, __ATOMIC_SEQ_CST);
    futex(&s->release, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL);
    __atomic_store_n(&active, NULL, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&in_handler, __ATOMIC_SEQ_CST) != 0)
        sched_yield();
    if (s->unstopped || s->overflow)
        dirty = 1;
    if (installed && !dirty) {
        sigaction(stop_signal(), &old_action, NULL);
        installed = 0;
    }
    lc__runmap(s->t, s->bytes);
    s->t = NULL;
}
