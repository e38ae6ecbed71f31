/* thread_registry.c: the pthread_create wrapper and the registry of threads
 * started while a scope is active, for thread-leak verdicts.
 *
 * pthread_create is wrapped so that (1) the new thread inherits its creator's
 * attribution (a test's worker threads count as the test's), and (2) during a
 * scope each thread gets a registry entry: creation stack, iteration, tid, and
 * its state (running, exited, joined, detached), kept by a trampoline with a
 * cleanup handler (covers return, pthread_exit and cancellation) and by
 * wrappers of pthread_join/tryjoin/timedjoin/clockjoin/detach; each end
 * wakes the settle wait (thread_settle.c) through a futex. A thread that
 * ended without being joined or detached still holds its stack: a leak.
 *
 * The current stack of a live thread is sampled at report time: a signal
 * (LEAKCHECK_STACK_SIGNAL, SIGURG by default) makes the thread run
 * unw_backtrace in the handler. A thread that blocks the signal is not asked,
 * and every wait of one test comes out of one budget (LC_SAMPLE_BUDGET).
 * Not on the allocation hook path; the registry is guarded by a spin lock
 * because thread creation and exit are rare. */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "thread_registry.h"
#include "thread_start.h"
#include "unwind.h"

static struct lc_thread_rec *recs;
static int reg_lock;
static uint32_t exit_word; /* ends so far; a futex the settle wait sleeps on */

uint32_t lc__thread_exit_count(void) { return __atomic_load_n(&exit_word, __ATOMIC_ACQUIRE); }
uint32_t *lc__thread_exit_word(void) { return &exit_word; }

int lc__registry_init(void) {
    if (recs)
        return 0;
    recs = lc__mmap(sizeof *recs * LC_MAX_TRECS);
    return recs ? 0 : LEAKCHECK_ENOMEM;
}

struct lc_thread_rec *lc__registry(size_t *n) {
    *n = recs ? LC_MAX_TRECS : 0;
    return recs;
}

uint32_t lc__threads_unfinished(uint32_t gen) {
    size_t n;
    struct lc_thread_rec *r = lc__registry(&n);
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (!r[i].used || r[i].gen != gen || !r[i].attributed)
            continue;
        int exited = __atomic_load_n(&r[i].exited, __ATOMIC_ACQUIRE);
        if (!exited || (!r[i].joined && !r[i].detached))
            c++;
    }
    return c;
}

void lc__registry_lock(void) { lc__spin_lock(&reg_lock); }
void lc__registry_unlock(void) { lc__spin_unlock(&reg_lock); }

/* Entries of finished threads (exited and joined or detached) are reused. */
static struct lc_thread_rec *rec_alloc(void) {
    if (!recs)
        return NULL;
    struct lc_thread_rec *r = NULL;
    lc__spin_lock(&reg_lock);
    for (size_t i = 0; i < LC_MAX_TRECS; i++) {
        struct lc_thread_rec *c = &recs[i];
        if (!c->used || (c->created && c->exited && (c->joined || c->detached))) {
            memset(c, 0, sizeof *c);
            c->used = 1;
            r = c;
            break;
        }
    }
    lc__spin_unlock(&reg_lock);
    return r;
}

static struct lc_thread_rec *rec_find(pthread_t th) {
    if (!recs)
        return NULL;
    for (size_t i = 0; i < LC_MAX_TRECS; i++)
        if (recs[i].used && recs[i].created && pthread_equal(recs[i].th, th) &&
            !recs[i].joined && !(recs[i].detached && recs[i].exited))
            return &recs[i];
    return NULL;
}

struct tramp {
    void *(*fn)(void *);
    void *arg;
    uint32_t attrib_gen;
    struct lc_thread_rec *rec;
};

static void on_thread_end(void *p) {
    struct lc_thread_rec *r = p;
    if (!r)
        return;
    /* keep the name: an exited thread is gone from /proc */
    pthread_getname_np(pthread_self(), r->name, sizeof r->name);
    __atomic_store_n(&r->exited, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&exit_word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &exit_word, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* In the body section: stacks captured on the thread stop here, so the
 * thread's start routine is their last frame. */
LC_BODY_TEXT static void *trampoline(void *p) {
    struct tramp t = *(struct tramp *)p;
    __libc_free(p);
    lc__tls.attrib_gen = t.attrib_gen;
    lc__tls.born = 1;
    /* a wrapper ahead of ours runs its start-up code inside t.fn */
    lc__tls.startup = __atomic_load_n(&lc__start_ahead, __ATOMIC_ACQUIRE) ? LC_STARTUP_INSIDE : 0;
    if (t.rec)
        __atomic_store_n(&t.rec->tid, (int)gettid(), __ATOMIC_RELEASE);
    void *ret;
    pthread_cleanup_push(on_thread_end, t.rec);
    ret = t.fn(t.arg);
    pthread_cleanup_pop(1);
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
    return ret;
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef int (*join_fn)(pthread_t, void **);
typedef int (*tryjoin_fn)(pthread_t, void **);
typedef int (*timedjoin_fn)(pthread_t, void **, const struct timespec *);
typedef int (*clockjoin_fn)(pthread_t, void **, clockid_t, const struct timespec *);
typedef int (*detach_fn)(pthread_t);

#define REAL(name, type)                                                                 \
    static type real_##name;                                                             \
    if (!real_##name)                                                                    \
        real_##name = (type)dlsym(RTLD_NEXT, #name);

#define LC_EXPORT __attribute__((visibility("default")))

/* In the hook section so that creation stacks start at the caller. */
LC_EXPORT LC_HOOK_TEXT int pthread_create(pthread_t *th, const pthread_attr_t *attr,
                             void *(*fn)(void *), void *arg) {
    REAL(pthread_create, create_fn);
    lc__tls.guard++;
    lc__start_init((void *)real_pthread_create);
    lc__tls.guard--;
    struct tramp *t = __libc_malloc(sizeof *t);
    if (!t)
        return EAGAIN;
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_RELAXED);
    int tracking = __atomic_load_n(&lc__st.tracking, __ATOMIC_ACQUIRE);
    t->fn = fn;
    t->arg = arg;
    t->attrib_gen = lc__tls.attrib_gen == gen ? gen : 0;
    t->rec = NULL;
    if (tracking && !lc__tls.guard) {
        lc__tls.guard++;
        struct lc_thread_rec *r = rec_alloc();
        if (r) {
            r->gen = gen;
            r->iteration = __atomic_load_n(&lc__st.iteration, __ATOMIC_RELAXED);
            r->attributed = t->attrib_gen == gen || lc__st.all_threads;
            r->stack = lc__st.stacks_allowed ? lc__stack_capture(lc__st.depth) : 0;
            int ds = PTHREAD_CREATE_JOINABLE;
            if (attr)
                pthread_attr_getdetachstate(attr, &ds);
            r->detached = ds == PTHREAD_CREATE_DETACHED;
            t->rec = r;
        }
        lc__tls.guard--;
    }
    struct lc_thread_rec *rec = t->rec; /* t belongs to the thread once it runs */
    int rc = real_pthread_create(th, attr, trampoline, t);
    if (rc) {
        if (rec)
            rec->used = 0;
        __libc_free(t);
    } else if (rec) {
        /* the entry is not reused before `created` is set, even if the thread
         * already ran and exited */
        lc__spin_lock(&reg_lock);
        rec->th = *th;
        rec->created = 1;
        lc__spin_unlock(&reg_lock);
    }
    return rc;
}

static void mark_joined(pthread_t th) {
    lc__spin_lock(&reg_lock);
    struct lc_thread_rec *r = rec_find(th);
    if (r)
        r->joined = 1;
    lc__spin_unlock(&reg_lock);
}

LC_EXPORT int pthread_join(pthread_t th, void **ret) {
    REAL(pthread_join, join_fn);
    int rc = real_pthread_join(th, ret);
    if (rc == 0)
        mark_joined(th);
    return rc;
}

LC_EXPORT int pthread_tryjoin_np(pthread_t th, void **ret) {
    REAL(pthread_tryjoin_np, tryjoin_fn);
    int rc = real_pthread_tryjoin_np(th, ret);
    if (rc == 0)
        mark_joined(th);
    return rc;
}

LC_EXPORT int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *ts) {
    REAL(pthread_timedjoin_np, timedjoin_fn);
    int rc = real_pthread_timedjoin_np(th, ret, ts);
    if (rc == 0)
        mark_joined(th);
    return rc;
}

LC_EXPORT int pthread_clockjoin_np(pthread_t th, void **ret, clockid_t c,
                                   const struct timespec *ts) {
    REAL(pthread_clockjoin_np, clockjoin_fn);
    int rc = real_pthread_clockjoin_np(th, ret, c, ts);
    if (rc == 0)
        mark_joined(th);
    return rc;
}

LC_EXPORT int pthread_detach(pthread_t th) {
    REAL(pthread_detach, detach_fn);
    int rc = real_pthread_detach(th);
    if (rc == 0) {
        lc__spin_lock(&reg_lock);
        struct lc_thread_rec *r = rec_find(th);
        if (r)
            r->detached = 1;
        lc__spin_unlock(&reg_lock);
    }
    return rc;
}

/* ---- current stack of a live thread ---- */

static struct {
    int tid;  /* the thread asked; a late answer from another one is dropped */
    int done;
    int n;
    void *pcs[LC_MAX_DEPTH + 8];
} sample;

LC_HOOK_TEXT static void sample_handler(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)si;
    (void)uc;
    int saved = errno;
    __atomic_add_fetch(&lc__tls.own_signals, 1, __ATOMIC_RELAXED); /* sleep_resume.c */
    if ((int)syscall(SYS_gettid) != __atomic_load_n(&sample.tid, __ATOMIC_ACQUIRE)) {
        errno = saved;
        return;
    }
    lc__tls.guard++;
    sample.n = lc__backtrace(sample.pcs, LC_MAX_DEPTH + 8);
    __atomic_store_n(&sample.done, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, &sample.done, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); /* the asker */
    lc__tls.guard--;
    errno = saved;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1 when thread tid blocks sig (SigBlk in /proc/self/task/TID/status): it
 * would never answer, so it is not waited for. */
static int signal_blocked(int tid, int sig) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    const char *p = strstr(buf, "\nSigBlk:");
    if (!p)
        return 0;
    unsigned long long mask = strtoull(p + 8, NULL, 16);
    return sig >= 1 && sig <= 64 && (mask >> (sig - 1) & 1);
}

/* Keeps the sampled pcs below the handler's frames and the kernel's signal
 * return trampoline (__restore_rt), up to the trampoline that started the
 * thread. */
static int sample_copy(uintptr_t *pcs, int max) {
    int skip = 0, n = 0;
    while (skip < sample.n && lc__in_hook_text((uintptr_t)sample.pcs[skip]))
        skip++;
    skip++;
    for (int i = skip; i < sample.n && n < max; i++) {
        if (lc__in_body_text((uintptr_t)sample.pcs[i]))
            break;
        pcs[n++] = (uintptr_t)sample.pcs[i];
    }
    return n;
}

int lc__thread_current_stack(pthread_t th, int tid, int sig, uintptr_t *pcs, int max,
                             double *budget) {
    if (tid <= 0) /* a pthread_create wrapper behind ours still runs its start-up */
        return LC_SAMPLE_STARTING;
    if (signal_blocked(tid, sig))
        return LC_SAMPLE_BLOCKED;
    if (*budget <= 0)
        return LC_SAMPLE_NO_BUDGET;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sample_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, &old))
        return 0;
    __atomic_store_n(&sample.done, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&sample.tid, tid, __ATOMIC_RELEASE);
    int n = 0;
    if (pthread_kill(th, sig) == 0) {
        /* wait at most what is left of the test's budget: a thread stuck in
         * the loader lock, or that masks the signal after the check above,
         * must not hang the report */
        double start = now_s();
        double left;
        while (!__atomic_load_n(&sample.done, __ATOMIC_ACQUIRE) &&
               (left = *budget - (now_s() - start)) > 0) {
            /* the handler wakes us; the timeout only bounds the wait */
            struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
            syscall(SYS_futex, &sample.done, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
        }
        *budget -= now_s() - start;
        if (__atomic_load_n(&sample.done, __ATOMIC_ACQUIRE))
            n = sample_copy(pcs, max);
    }
    __atomic_store_n(&sample.tid, 0, __ATOMIC_RELEASE);
    sigaction(sig, &old, NULL);
    return n;
}

/* ---- threads by handle ---- */

const char *lc__thread_unfinished(const struct lc_thread_rec *t) {
    int exited = __atomic_load_n(&t->exited, __ATOMIC_ACQUIRE);
    if (!exited && !t->joined)
        return "running";
    if (exited && !t->joined && !t->detached)
        return "exited-unjoined";
    return NULL;
}

/* The thread's own stack mapping, or an empty range when glibc cannot say. */
static void stack_range(pthread_t th, uintptr_t range[2]) {
    range[0] = range[1] = 0;
    pthread_attr_t a;
    if (pthread_getattr_np(th, &a) != 0)
        return;
    void *stk = NULL;
    size_t size = 0;
    if (pthread_attr_getstack(&a, &stk, &size) == 0) {
        range[0] = (uintptr_t)stk;
        range[1] = (uintptr_t)stk + size;
    }
    pthread_attr_destroy(&a);
}

/* noinline: the copies of the handles its calls leave on the stack are in
 * frames that are dead when the scan runs (the caller scrubs them). */
__attribute__((noinline)) void lc__thread_handles_gather(struct lc_thread_handles *h,
                                                         uint32_t gen, int any_gen,
                                                         unsigned end, int skip_detached) {
    h->n = 0;
    for (size_t i = 0; recs && i < LC_MAX_TRECS && h->n < LC_MAX_HANDLES; i++) {
        struct lc_thread_rec *t = &recs[i];
        if (t->used && t->created && (any_gen || (t->gen == gen && t->attributed)) &&
            t->iteration < end && lc__thread_unfinished(t) && !(skip_detached && t->detached))
            h->rec[h->n++] = i;
    }
    for (size_t k = 0; k < h->n; k++) {
        h->needles[k] = (uintptr_t)recs[h->rec[k]].th;
        stack_range(recs[h->rec[k]].th, h->ignore[k]);
    }
    h->ignore[h->n][0] = (uintptr_t)recs;
    h->ignore[h->n][1] = (uintptr_t)(recs + LC_MAX_TRECS);
}
