/* run_live.c: leakcheck run's helper thread in the traced process, started at
 * start-up only for --snapshot-signal/--snapshot-every/--stats-interval: it
 * sleeps in poll() on a pipe the signal handler writes a byte to, samples the
 * series and writes snapshot records (run.c's pieces, handoff.h's format) to
 * the run dir. Guard up for good, all signals blocked. Not on the hook path. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "options.h"
#include "run.h"
#include "run_live.h"
#include "sample.h"

static int wake_fd[2] = {-1, -1};
static pthread_t helper;
static int helper_running, helper_tid;
static uintptr_t helper_stack[2];
static uint64_t t0_ms, sample_bytes;

static uint64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

void lc__live_wake(void) {
    if (wake_fd[1] >= 0 && getpid() == lc__st.owner_pid) /* a fork child: not ours */
        if (write(wake_fd[1], "s", 1) < 0)
            return; /* the pipe is full: a snapshot is pending anyway */
}

void lc__live_put_sampling(struct lc_buf *out) {
    if (sample_bytes)
        lc__buf_printf(out, "sampling %llu\n", (unsigned long long)sample_bytes);
}

/* ---- one snapshot ---- */

/* Written under a temporary name, then renamed: the tool reads whole records. */
static void write_record(const struct lc_buf *b) {
    const char *dir = lc__opts()->run_dir;
    char tmp[4096], path[4096];
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    unsigned long long ns = (unsigned long long)t.tv_sec * 1000000000ull +
                            (unsigned long long)t.tv_nsec;
    snprintf(tmp, sizeof tmp, "%s/tmp.%d.%020llu", dir, (int)getpid(), ns);
    snprintf(path, sizeof path, "%s/snap.%d.%020llu.rec", dir, (int)getpid(), ns);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* the tool has gone or the disk is full: nothing to hand over */
    size_t off = 0;
    while (!b->failed && off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    if (b->failed || off < b->len || rename(tmp, path) != 0)
        unlink(tmp);
}

static void snapshot(uint64_t seq) {
    struct lc_buf out;
    lc__buf_init(&out, lc__xrealloc, lc__xfree);
    lc__run_put_header(&out);
    lc__buf_printf(&out, "snapshot %llu %llu\n", (unsigned long long)seq,
                   (unsigned long long)(now_ms() - t0_ms));
    lc__live_put_sampling(&out);
    if (lc__run_put_live(&out) != 0)
        lc__buf_puts(&out, "note no%20memory%20to%20list%20the%20live%20blocks\n");
    lc__run_put_modules(&out);
    lc__buf_puts(&out, "end\n");
    write_record(&out);
    lc__buf_free(&out);
    lc__stack_scrub(); /* no copy of a block address stays on this stack */
}

/* ---- the helper thread ---- */

struct plan {
    uint64_t stats_ms, snap_ms; /* 0: off */
    uint64_t next_stat, next_snap;
};

static int timeout_for(const struct plan *p, uint64_t now) {
    uint64_t due = UINT64_MAX;
    if (p->stats_ms && p->next_stat < due)
        due = p->next_stat;
    if (p->snap_ms && p->next_snap < due)
        due = p->next_snap;
    if (due == UINT64_MAX)
        return -1;
    return due <= now ? 0 : (int)(due - now < 3600000 ? due - now : 3600000);
}

/* Reads the pipe: 1 when a snapshot was asked for, -1 on quit. */
static int drain(void) {
    char buf[64];
    int want = 0;
    ssize_t n = read(wake_fd[0], buf, sizeof buf);
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == 'q')
            return -1;
        want = 1;
    }
    return want;
}

static void *helper_main(void *arg) {
    struct plan *p = arg;
    lc__tls.guard = 1; /* for good: nothing this thread does is tracked */
    helper_tid = gettid();
    pthread_attr_t a;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        if (pthread_attr_getstack(&a, &lo, &size) == 0) {
            helper_stack[0] = (uintptr_t)lo;
            helper_stack[1] = (uintptr_t)lo + size;
        }
        pthread_attr_destroy(&a);
    }
    uint64_t seq = 0;
    for (;;) {
        uint64_t now = now_ms();
        struct pollfd pf = {.fd = wake_fd[0], .events = POLLIN};
        int want = 0;
        if (poll(&pf, 1, timeout_for(p, now)) > 0 && (want = drain()) < 0)
            break;
        now = now_ms();
        if (p->stats_ms && now >= p->next_stat) {
            lc__series_sample(now - t0_ms, helper_tid, 0);
            while (p->next_stat <= now)
                p->next_stat += p->stats_ms;
        }
        if (p->snap_ms && now >= p->next_snap) {
            want = 1;
            while (p->next_snap <= now)
                p->next_snap += p->snap_ms;
        }
        if (want)
            snapshot(++seq);
    }
    return NULL;
}

static int start_helper(struct plan *p) {
    if (pipe2(wake_fd, O_CLOEXEC | O_NONBLOCK) != 0) /* guard up: marked as ours */
        return -1;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the helper inherits it */
    int rc = pthread_create(&helper, NULL, helper_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(wake_fd[0]);
        close(wake_fd[1]);
        wake_fd[0] = wake_fd[1] = -1;
        return -1;
    }
    helper_running = 1;
    return 0;
}

int lc__live_sample_configure(void) {
    const struct lc_options_values *o = lc__opts();
    char err[256];
    lc__guard_enter();
    if (o->sample && lc__live_parse_size(o->sample, &sample_bytes, err, sizeof err) != 0)
        sample_bytes = 0; /* the tool checked it; a hand-set variable is ignored */
    int rc = lc__sample_configure(sample_bytes);
    lc__guard_leave();
    return rc;
}

void lc__live_start(void) {
    const struct lc_options_values *o = lc__opts();
    static struct plan plan;
    char err[256];
    int sig = 0;
    lc__guard_enter();
    t0_ms = now_ms();
    if (o->snapshot_signal && *o->snapshot_signal &&
        lc__live_parse_signal(o->snapshot_signal, (int)o->stack_signal, &sig, err,
                              sizeof err) != 0)
        sig = 0;
    plan.stats_ms = (uint64_t)o->stats_interval;
    plan.snap_ms = (uint64_t)o->snapshot_every * 1000u;
    plan.next_stat = t0_ms + plan.stats_ms;
    plan.next_snap = t0_ms + plan.snap_ms;
    if (plan.stats_ms && lc__series_init((unsigned)plan.stats_ms) != 0)
        plan.stats_ms = 0;
    if ((sig || plan.stats_ms || plan.snap_ms) && start_helper(&plan) == 0 && sig)
        lc__live_signal_install(sig);
    lc__guard_leave();
}

void lc__live_stop(void) {
    if (!helper_running)
        return;
    helper_running = 0;
    while (write(wake_fd[1], "q", 1) < 0 && errno == EAGAIN)
        usleep(1000); /* the pipe is full of snapshot requests: the helper drains it */
    /* without our guard: glibc may free the program's memory in there (a
     * cached thread stack's DTV, when the helper's stack takes its place),
     * and that free counts as any other */
    int guard = lc__tls.guard;
    lc__tls.guard = 0;
    pthread_join(helper, NULL);
    lc__tls.guard = guard;
    lc__series_sample(now_ms() - t0_ms, helper_tid, 1); /* the last point, at exit */
}

int lc__live_helper_tid(void) { return helper_tid; }

int lc__live_helper_stack(uintptr_t range[2]) {
    range[0] = helper_stack[0];
    range[1] = helper_stack[1];
    return helper_stack[1] != 0;
}
