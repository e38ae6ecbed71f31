/* thread_settle.c: the wait for a test's threads to end before they are
 * judged. A thread's end is signalled by the pthread_create trampoline
 * (thread_registry.c bumps an exit count and wakes a futex on it), so the
 * wait ends the moment the last such thread exits, with no polling; it is
 * bounded by LEAKCHECK_SETTLE_MS. It also ends when every thread still
 * running sleeps where only another thread or a signal can wake it (pause,
 * sigsuspend, a futex wait with no timeout, read in /proc/self/task/TID/
 * syscall) on two looks 2 ms apart with no exit between them: nothing of the
 * test is left to wake it (a thread that still runs is looked at again after
 * 1, 2, 4 .. 16 ms). Report time only, never on the hook path. */
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
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

/* 1 when thread tid sleeps in a call that no timeout ends: pause,
 * rt_sigsuspend, or a futex wait whose timeout argument is NULL. 0 when it
 * runs, sleeps with a timeout, or its state cannot be read. */
static int sleeps_untimed(int tid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = buf;
    long nr = strtol(p, &p, 10);
    unsigned long a[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        a[i] = strtoul(p, &p, 16);
    if (nr == SYS_pause || nr == SYS_rt_sigsuspend)
        return 1;
    unsigned long cmd = a[1] & FUTEX_CMD_MASK;
    return nr == SYS_futex && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && a[3] == 0;
}

/* 1: some thread is settling; *all_untimed says whether every one of them
 * sleeps untimed. */
static int any_settling(uint32_t gen, unsigned first, unsigned end, int *all_untimed) {
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    int any = 0;
    *all_untimed = 1;
    for (size_t i = 0; i < nr; i++) {
        if (!settling(&tr[i], gen, first, end))
            continue;
        any = 1;
        int tid = __atomic_load_n(&tr[i].tid, __ATOMIC_ACQUIRE);
        if (*all_untimed && (!tid || !sleeps_untimed(tid)))
            *all_untimed = 0;
    }
    return any;
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void lc__threads_settle(uint32_t gen, unsigned first, unsigned end, long settle_ms) {
    long long deadline = now_ns() + settle_ms * 1000000LL;
    int untimed_looks = 0;
    long long look_ns = 1000000; /* a running thread may go to sleep for good */
    for (;;) {
        /* read the count before the check: an exit after the check moves it,
         * and the futex wait then returns at once */
        uint32_t seen = lc__thread_exit_count();
        int all_untimed;
        if (!any_settling(gen, first, end, &all_untimed))
            return;
        untimed_looks = all_untimed ? untimed_looks + 1 : 0;
        if (untimed_looks == 2)
            return;
        long long left = deadline - now_ns();
        if (left <= 0)
            return;
        if (all_untimed && left > 2000000)
            left = 2000000; /* the second look */
        else if (!all_untimed && left > look_ns)
            left = look_ns;
        if (look_ns < 16000000)
            look_ns *= 2;
        struct timespec ts = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
        if (syscall(SYS_futex, lc__thread_exit_word(), FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0) ==
                0 ||
            lc__thread_exit_count() != seen)
            untimed_looks = 0; /* a thread ended: what it did may wake the others */
    }
}
