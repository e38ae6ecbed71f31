/* thread_quiet.c: whether the whole process is asleep for good, so that the
 * settle wait (thread_settle.c) can end before LEAKCHECK_SETTLE_MS. Reads
 * /proc/self/task/TID/{status,syscall} for every thread but the caller,
 * /proc/self/timers, the threads' children, the interval timer and the thread
 * registry, with raw system calls and no allocation. Report time only. */
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "fd_spare.h"
#include "reach_impl.h"
#include "thread_quiet.h"
#include "thread_registry.h"

/* The first len-1 bytes of /proc/self/PATH, NUL-terminated; -1 when it
 * cannot be read. Raw system calls: none of fds.c's wrappers, and nothing
 * here allocates (a heap touched here would move the program's next blocks). */
static ssize_t read_proc(const char *path, char *buf, size_t len) {
    int fd = lc__fd_spare_open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = syscall(SYS_read, fd, buf, len - 1);
    lc__fd_spare_close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return n;
}

/* State S and the number of context switches so far; -1 when not asleep. */
static int sleeping(int tid, unsigned long *switches) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    if (read_proc(path, buf, sizeof buf) <= 0)
        return -1;
    const char *st = strstr(buf, "\nState:\t");
    const char *vol = strstr(buf, "\nvoluntary_ctxt_switches:\t");
    const char *inv = strstr(buf, "\nnonvoluntary_ctxt_switches:\t");
    if (!st || st[8] != 'S' || !vol || !inv)
        return -1;
    *switches = strtoul(vol + 26, NULL, 10) + strtoul(inv + 29, NULL, 10);
    return 0;
}

int lc__quiet_runnable(int tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    if (read_proc(path, buf, sizeof buf) <= 0)
        return 0; /* gone */
    const char *close = strrchr(buf, ')'); /* after the name, which may hold anything */
    return close && close[1] == ' ' && close[2] == 'R';
}

/* 1 when thread tid is in a wait that only this process can end: pause,
 * rt_sigsuspend, or a private futex wait (FUTEX_PRIVATE_FLAG: no other
 * process can wake it) without a timeout. */
static int waits_for_us(int tid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    if (read_proc(path, buf, sizeof buf) <= 0)
        return 0;
    char *p = buf;
    long nr = strtol(p, &p, 10);
    unsigned long a[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        a[i] = strtoul(p, &p, 16);
    if (nr == SYS_pause || nr == SYS_rt_sigsuspend)
        return 1;
    unsigned long cmd = a[1] & FUTEX_CMD_MASK;
    return nr == SYS_futex && (a[1] & FUTEX_PRIVATE_FLAG) &&
           (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && a[3] == 0;
}

/* 1 when some thread of ours has a child process (its exit may signal us). */
static int has_children(int tid) {
    char path[64], buf[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", tid);
    ssize_t n = read_proc(path, buf, sizeof buf);
    return n != 0; /* unreadable counts as having some */
}

/* 1 when a timer may still send us a signal (or start a SIGEV_THREAD thread). */
static int timers_armed(void) {
    struct itimerval it;
    for (int w = ITIMER_REAL; w <= ITIMER_PROF; w++)
        if (getitimer(w, &it) != 0 || it.it_value.tv_sec || it.it_value.tv_usec)
            return 1;
    char buf[64];
    return read_proc("/proc/self/timers", buf, sizeof buf) != 0;
}

static int listed(const int *tids, size_t nt, int tid) {
    for (size_t i = 0; i < nt; i++)
        if (tids[i] == tid)
            return 1;
    return 0;
}

/* 1 when a registered thread is on its way in or out: started but not yet in
 * leakcheck's trampoline (no tid yet: glibc's start-up code, or that of a
 * pthread_create wrapper behind ours; thread_start.c), or done with it but still listed (TLS destructors, the sanitizer's
 * and glibc's thread exit). A wait there is for a lock some other thread
 * holds for a moment (an arena, a stack cache, a sanitizer's registry), never
 * a wait for good, however asleep it looks. Racy reads: a miss costs at most
 * the early end, a thread that changes state meanwhile is seen at the next
 * look. */
static int in_transit(const int *tids, size_t nt) {
    size_t nr;
    const struct lc_thread_rec *r = lc__registry(&nr);
    for (size_t i = 0; r && i < nr; i++) {
        if (!__atomic_load_n(&r[i].used, __ATOMIC_ACQUIRE))
            continue;
        int exited = __atomic_load_n(&r[i].exited, __ATOMIC_ACQUIRE);
        int tid = __atomic_load_n(&r[i].tid, __ATOMIC_ACQUIRE);
        if (exited ? tid && listed(tids, nt, tid) : !tid)
            return 1;
    }
    return 0;
}

int lc__quiet_look(struct lc_quiet *q) {
    q->n = 0;
    int self = (int)syscall(SYS_gettid);
    size_t nt;
    if (lc__proc_tids(q->tids, LC_QUIET_MAX, &nt) != 0 || nt > LC_QUIET_MAX)
        return 0;
    for (size_t i = 0; i < nt; i++) {
        int tid = q->tids[i];
        if (tid == self)
            continue;
        unsigned long sw;
        if (sleeping(tid, &sw) != 0 || !waits_for_us(tid) || has_children(tid))
            return 0;
        q->t[q->n++] = (struct lc_quiet_task){tid, sw};
    }
    return !in_transit(q->tids, nt) && !has_children(self) && !timers_armed();
}

/* By tid, in place (insertion sort: a few dozen threads; qsort may malloc). */
static void sort_tasks(struct lc_quiet *q) {
    for (size_t i = 1; i < q->n; i++) {
        struct lc_quiet_task t = q->t[i];
        size_t k = i;
        for (; k > 0 && q->t[k - 1].tid > t.tid; k--)
            q->t[k] = q->t[k - 1];
        q->t[k] = t;
    }
}

int lc__quiet_same(struct lc_quiet *a, struct lc_quiet *b) {
    if (a->n != b->n)
        return 0;
    sort_tasks(a);
    sort_tasks(b);
    for (size_t i = 0; i < a->n; i++)
        if (a->t[i].tid != b->t[i].tid || a->t[i].switches != b->t[i].switches)
            return 0;
    return 1;
}
