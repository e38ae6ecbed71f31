/* thread_settle.c: the wait for a test's threads to end before they are
 * judged, bounded by LEAKCHECK_SETTLE_MS. It ends the moment the last of them
 * exits (the pthread_create trampoline bumps an exit count and wakes a futex
 * on it, thread_registry.c), or when every one still running sleeps where no
 * timeout ends the sleep and has not been woken (pause, sigsuspend, a futex
 * wait without timeout in /proc/self/task/TID/syscall, state S in its stat)
 * on two looks 2 ms apart with no exit between them: none of the test's
 * threads is left to wake it. A running thread is looked at again after
 * 1, 2, 4 .. 16 ms. Report time only, never on the hook path. */
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The first n bytes of /proc/self/task/TID/NAME, NUL-terminated; 0 when it
 * cannot be read. */
static int read_task_file(int tid, const char *name, char *buf, size_t len) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    return 1;
}

/* 1 when thread tid sleeps (state S: not woken and waiting for the CPU) in a
 * call that no timeout ends: pause, rt_sigsuspend, or a futex wait whose
 * timeout argument is NULL. 0 when it runs or is runnable, sleeps with a
 * timeout, or its state cannot be read. */
static int sleeps_untimed(int tid) {
    char buf[256];
    if (!read_task_file(tid, "syscall", buf, sizeof buf))
        return 0;
    char *p = buf;
    long nr = strtol(p, &p, 10);
    unsigned long a[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        a[i] = strtoul(p, &p, 16);
    unsigned long cmd = a[1] & FUTEX_CMD_MASK;
    if (!(nr == SYS_pause || nr == SYS_rt_sigsuspend ||
          (nr == SYS_futex && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && a[3] == 0)))
        return 0;
    /* "TID (comm) S ...": the state follows the last ')' (comm may hold one) */
    if (!read_task_file(tid, "stat", buf, sizeof buf))
        return 0;
    char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] == 'S';
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
