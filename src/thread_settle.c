/* thread_settle.c: the wait for a test's threads to end before they are
 * judged, bounded by LEAKCHECK_SETTLE_MS. It ends the moment the last of them
 * exits (the pthread_create trampoline bumps an exit count and wakes a futex
 * on it, thread_registry.c). Threads that all sleep untimed do not end it
 * early: one blocked on a mutex or a condition another of them is about to
 * release looks exactly like one nobody will wake (the clean twin
 * clean_thread_woken_by_exiting_thread was judged a leak under load). A
 * thread is looked at again after 1, 2, 4 .. 16 ms. Report time only, never
 * on the hook path. */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
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

static void settle(const struct which *w, long long deadline) {
    long long look_ns = 1000000; /* a running thread may go to sleep for good */
    for (;;) {
        /* read the count before the check: an exit after the check moves it,
         * and the futex wait then returns at once */
        uint32_t seen = lc__thread_exit_count();
        if (!any_settling(w))
            return;
        long long left = deadline - now_ns();
        if (left <= 0)
            return;
        if (left > look_ns)
            left = look_ns;
        if (look_ns < 16000000)
            look_ns *= 2;
        struct timespec ts = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
        syscall(SYS_futex, lc__thread_exit_word(), FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
    }
}

static long long deadline_of(uint32_t gen, long settle_ms) {
    if (period.gen != gen || !period.deadline) {
        period.gen = gen;
        period.deadline = now_ns() + settle_ms * 1000000LL;
    }
    return period.deadline;
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
