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

/* 1: some thread of the scope is still settling. */
static int any_settling(uint32_t gen, unsigned first, unsigned end) {
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    for (size_t i = 0; i < nr; i++)
        if (settling(&tr[i], gen, first, end))
            return 1;
    return 0;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void lc__threads_settle(uint32_t gen, unsigned first, unsigned end, long settle_ms) {
    long long deadline = now_ns() + settle_ms * 1000000LL;
    long long look_ns = 1000000; /* a running thread may go to sleep for good */
    for (;;) {
        /* read the count before the check: an exit after the check moves it,
         * and the futex wait then returns at once */
        uint32_t seen = lc__thread_exit_count();
        if (!any_settling(gen, first, end))
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
