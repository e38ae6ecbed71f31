/* thread_settle.c: the wait for a test's threads to end before they are
 * judged, bounded by LEAKCHECK_SETTLE_MS: it ends when the last of them exits
 * (a futex thread_registry.c's trampoline wakes) or when thread_quiet.c finds
 * the whole process asleep for good on two looks 2 ms apart. Report time
 * only, never on the hook path. */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "thread_quiet.h"
#include "thread_registry.h"

/* A thread of the scope, started in [first, end), that is neither joined nor
 * done with its start routine. */
static int settling(const struct lc_thread_rec *r, uint32_t gen, unsigned first, unsigned end) {
    return r->used && r->gen == gen && r->attributed && r->iteration >= first &&
           r->iteration < end && !r->joined && !__atomic_load_n(&r->exited, __ATOMIC_ACQUIRE);
}

/* Which threads a wait is for: a range of a scope's iterations, or a list of
 * registry records (the warm-up threads whose handle no scan found). */
struct which {
    uint32_t gen;
    unsigned first, end;
    const size_t *rec; /* when non-NULL: these n records instead of the range */
    size_t n;
};

static int rec_settling(const struct lc_thread_rec *r) {
    return r->used && !r->joined && !__atomic_load_n(&r->exited, __ATOMIC_ACQUIRE);
}

/* 1: some thread of w is still settling. */
static int any_settling(const struct which *w) {
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    if (w->rec) {
        for (size_t k = 0; k < w->n; k++)
            if (w->rec[k] < nr && rec_settling(&tr[w->rec[k]]))
                return 1;
        return 0;
    }
    for (size_t i = 0; i < nr; i++)
        if (settling(&tr[i], w->gen, w->first, w->end))
            return 1;
    return 0;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One settle period per scope: a later wait of the same scope generation
 * (the warm-up threads whose handle was dropped, looked at after the others)
 * ends at the first wait's deadline, since its threads have been waited for
 * all along. */
static struct {
    uint32_t gen;
    long long deadline;
} period;

/* 1 when the process is quiet now and was, with the same threads and
 * context-switch counts, at the previous look (q[0]); the look becomes the
 * previous one. *have: q[0] holds a quiet look. */
static int still_quiet(struct lc_quiet *q, int *have) {
    if (!lc__quiet_look(&q[1])) {
        *have = 0;
        return 0;
    }
    if (*have && lc__quiet_same(&q[0], &q[1]))
        return 1;
    q[0] = q[1];
    *have = 1;
    return 0;
}

/* Threads that all sleep where nothing in the process is left to wake them
 * end the wait early. A look at the test's own threads, one at a time, was
 * not enough: one blocked on a mutex another thread was about to release
 * looked the same. A running thread is looked at again after 1, 2 .. 16 ms. */
#define QUIET_LOOK_NS 2000000 /* between the two looks of a quiet process */

static void settle(const struct which *w, long long deadline) {
    long long look_ns = 1000000; /* a running thread may go to sleep for good */
    struct lc_quiet *q = NULL;   /* two looks, allocated when first needed */
    int have = 0;
    for (;;) {
        /* read the count before the check: an exit after the check moves it,
         * and the futex wait then returns at once */
        uint32_t seen = lc__thread_exit_count();
        if (!any_settling(w))
            break;
        long long left = deadline - now_ns();
        if (left <= 0)
            break;
        if (!q)
            q = lc__mmap(2 * sizeof *q); /* not the heap: the program's layout stays */
        if (q && still_quiet(q, &have))
            break; /* every thread sleeps where only we could wake it */
        long long wait = have ? QUIET_LOOK_NS : look_ns;
        if (left > wait)
            left = wait;
        if (!have && look_ns < 16000000)
            look_ns *= 2;
        struct timespec ts = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
        syscall(SYS_futex, lc__thread_exit_word(), FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
    }
    lc__munmap(q, 2 * sizeof *q);
}

static long long deadline_of(uint32_t gen, long settle_ms) {
    if (period.gen != gen || !period.deadline) {
        period.gen = gen;
        period.deadline = now_ns() + settle_ms * 1000000LL;
    }
    return period.deadline;
}

/* 1: a thread of [first, end) has not started its routine yet or is
 * runnable (state R): it may be about to free or close what its run gave it. */
static int any_runnable(uint32_t gen, unsigned first, unsigned end) {
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    for (size_t i = 0; i < nr; i++) {
        if (!settling(&tr[i], gen, first, end))
            continue;
        int tid = __atomic_load_n(&tr[i].tid, __ATOMIC_ACQUIRE);
        if (!tid || lc__quiet_runnable(tid))
            return 1;
    }
    return 0;
}

void lc__threads_run_out(uint32_t gen, unsigned first, unsigned end, long max_ms) {
    long long deadline = now_ns() + max_ms * 1000000LL;
    for (;;) {
        uint32_t seen = lc__thread_exit_count(); /* before the check, as in settle */
        if (!any_runnable(gen, first, end))
            return;
        long long left = deadline - now_ns();
        if (left <= 0)
            return;
        if (left > 200000)
            left = 200000; /* a sleeping thread is looked at again soon */
        struct timespec ts = {0, (long)left};
        syscall(SYS_futex, lc__thread_exit_word(), FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
    }
}

void lc__threads_settle(uint32_t gen, unsigned first, unsigned end, long settle_ms) {
    struct which w = {gen, first, end, NULL, 0};
    settle(&w, deadline_of(gen, settle_ms));
}

void lc__threads_settle_recs(uint32_t gen, const size_t *rec, size_t n, long settle_ms) {
    struct which w = {gen, 0, 0, rec, n};
    if (n)
        settle(&w, deadline_of(gen, settle_ms));
}
