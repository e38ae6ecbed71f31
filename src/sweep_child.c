/* sweep_child.c: one failing run of the fail sweep, in a forked child. The
 * child runs the test once in a fresh scope with stacks on and the site's
 * allocation failing (sweep_hook.c), judges what it left against the clean
 * run (blocks by stack after a reachability scan, fds with their opening
 * stacks, unfinished threads)
 * and writes fixed-size records to a pipe; a crash is caught on an
 * alternate stack, its stack written, the signal re-raised. The parent
 * waits with a timeout and decodes. Not on the hook path. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "fds.h"
#include "leakcheck/leakcheck.h"
#include "internal.h"
#include "reach.h"
#include "sweep.h"
#include "thread_registry.h"
#include "unwind.h"
#include "xml.h"

enum { TAG_END = 0x53454e44, TAG_GROUP = 0x53475250, TAG_CRASH = 0x53435253,
       TAG_FD = 0x53464420 };

/* At most this many fds left open are sent with their opening stacks. */
#define FDS_SENT 32

struct rec_end {
    uint32_t tag;
    int fired, test_failed, fds, threads, fds_added;
    uint64_t index;
    char fd_targets[256];
};
struct rec_group {
    uint32_t tag;
    struct lc_sweep_group g;
};
struct rec_crash {
    uint32_t tag;
    int signal, n;
    uintptr_t pcs[64];
};
struct rec_fd {
    uint32_t tag;
    struct lc_sweep_fd f;
};

static int report_fd = -1;
static uintptr_t frames_top; /* the frame that forked: the sweep's frames are below it */

/* ---- in the child ---- */

static void put(const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(report_fd, c, n);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

/* The crash stack from the interrupted pc down to the test body's entry. */
static void on_crash(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    struct rec_crash r = {TAG_CRASH, sig, 0, {0}};
    uintptr_t pc = (uintptr_t)((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
    void *buf[96];
    int n = lc__backtrace(buf, 96), at = -1;
    for (int i = 0; i < n && at < 0; i++)
        if ((uintptr_t)buf[i] == pc)
            at = i;
    if (at < 0) { /* the unwinder did not see through the signal frame */
        buf[0] = (void *)pc;
        n = 1;
        at = 0;
    }
    for (int i = at; i < n && r.n < 64; i++) {
        if (lc__in_body_text((uintptr_t)buf[i]))
            break;
        /* the faulting pc is no return address: +1 so that the symbolizer's
         * return-address adjustment lands on the instruction itself */
        r.pcs[r.n++] = (uintptr_t)buf[i] + (i == at);
    }
    put(&r, sizeof r);
    raise(sig); /* SA_RESETHAND: the default action, the child dies of it */
}

static void crash_handlers(void) {
    stack_t ss = {.ss_sp = lc__mmap(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
    if (ss.ss_sp)
        sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGSYS};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* The test's output goes nowhere: the sweep reports what matters. */
static void quiet(void) {
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
}


static void collect(const struct lc_rec_info *r, void *arg) {
    struct lc_buf *b = arg;
    if (r->cls != LEAKCHECK_ATTRIBUTED || (lc__st.nested && !r->inner))
        return;
    struct lc_reach_block blk = {r->ptr, r->size, r->stack, 0, LC_REACH_DEFINITE};
    lc__buf_putn(b, (const char *)&blk, sizeof blk);
}

void lc__sweep_collect_lost(struct lc_buf *b) { lc__table_foreach(collect, b); }

static int by_stack(const void *a, const void *b) {
    const struct lc_reach_block *x = a, *y = b;
    return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* How many blocks of this stack the clean run left too (those are no
 * consequence of the failure). */
static uint64_t clean_left(const struct lc_sweep_ref *ref, uint32_t stack) {
    for (size_t i = 0; i < ref->nleft; i++)
        if (ref->left[i].stack == stack)
            return ref->left[i].blocks;
    return 0;
}

/* One group of a stack's lost blocks (held: the test held them when an
 * assertion ended it). */
static void put_group(struct rec_group *r, uint32_t stack) {
    if (!r->g.blocks)
        return;
    r->g.npcs = stack ? lc_stack_addresses(stack, r->g.pcs, 64) : 0;
    put(r, sizeof *r);
}

/* Lost blocks (definitely or indirectly) by stack, beyond the clean run's;
 * those the test held when an assertion ended it in groups of their own. */
static void report_memory(const struct lc_sweep_ref *ref) {
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__table_foreach(collect, &b);
    size_t n = b.failed ? 0 : b.len / sizeof(struct lc_reach_block);
    struct lc_reach_block *blk = (struct lc_reach_block *)b.data;
    /* The sweep's own frames, from here up to the fork: the test returned,
     * so a pointer in them is a stale copy, never the test's reference. */
    uintptr_t own[1][2] = {{(uintptr_t)__builtin_frame_address(0) - (1u << 16), frames_top}};
    struct lc_reach_opts ro = {.exclude = own, .nexclude = 1};
    struct lc_reach_stats st;
    int scanned = n && lc__reach_classify(blk, n, &ro, &st) == 0;
    if (scanned) {
        qsort(blk, n, sizeof *blk, by_stack);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            struct rec_group r[2] = {{TAG_GROUP, {0}}, {TAG_GROUP, {0}}};
            r[1].g.held = 1;
            uint64_t skip = clean_left(ref, blk[i].stack);
            for (; j < n && blk[j].stack == blk[i].stack; j++) {
                if (blk[j].kind != LC_REACH_DEFINITE && blk[j].kind != LC_REACH_INDIRECT)
                    continue;
                if (skip) {
                    skip--;
                    continue;
                }
                int k = lc__sweep_held(blk[j].ptr, blk[j].stack);
                r[k].g.blocks++;
                r[k].g.bytes += blk[j].size;
            }
            put_group(&r[0], blk[i].stack);
            put_group(&r[1], blk[i].stack);
            i = j;
        }
    }
    lc__buf_free(&b);
}

/* One fd left open, with the stack that opened it: the parent judges whose
 * it is as it judges a lost block. */
static void put_fd(const struct lc_fd_entry *a) {
    struct rec_fd r = {TAG_FD, {a->fd, 0, {0}, {0}}};
    r.f.npcs = a->stack ? lc_stack_addresses(a->stack, r.f.pcs, 64) : 0;
    snprintf(r.f.target, sizeof r.f.target, "%s", a->target ? a->target : "?");
    put(&r, sizeof r);
}

static void fd_targets(const struct lc_fdset *before, const struct lc_fdset *after,
                       struct rec_end *e) {
    struct lc_fd_entry *added = NULL;
    size_t n = lc__fds_added(before, after, &added);
    e->fds = e->fds_added = (int)n;
    for (size_t i = 0; i < n && i < FDS_SENT; i++)
        put_fd(&added[i]);
    size_t len = 0;
    for (size_t i = 0; i < n && len + 8 < sizeof e->fd_targets; i++) {
        int w = snprintf(e->fd_targets + len, sizeof e->fd_targets - len, "%s%d -> %s",
                         i ? ", " : "", added[i].fd, added[i].target ? added[i].target : "?");
        if (w < 0 || (size_t)w >= sizeof e->fd_targets - len)
            break;
        len += (size_t)w;
    }
    lc__xfree(added);
}

static __attribute__((noreturn)) void child_main(lc_sweep_run_fn run, void *arg,
                                                 uint32_t site, int persistent,
                                                 const struct lc_sweep_ref *ref,
                                                 unsigned checks) {
    quiet();
    crash_handlers();
    struct lc_fdset before = {0}, after = {0};
    lc__guard_enter();
    lc__fds_snapshot(&before);
    lc__guard_leave();
    lc_scope_config cfg = {.stacks = 1, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0)
        _exit(3);
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    lc_scope_iteration(1);
    lc__sweep_held_arm();
    lc__sweep_fail_begin(site, persistent);
    struct rec_end e = {.tag = TAG_END};
    e.test_failed = run(arg);
    size_t index, calls;
    lc__sweep_fail_end(&e.fired, &index, &calls);
    e.index = index;
    lc__stack_scrub();
    lc__guard_enter();
    if (checks & LEAKCHECK_CHECK_THREADS) {
        lc__threads_settle(gen, 0, ~0u, 200);
        e.threads = (int)lc__threads_unfinished(gen) - ref->threads;
    }
    if (checks & LEAKCHECK_CHECK_MEMORY)
        report_memory(ref);
    if (checks & LEAKCHECK_CHECK_FDS) {
        lc__fds_snapshot(&after);
        fd_targets(&before, &after, &e);
        e.fds -= ref->fds;
    }
    put(&e, sizeof e);
    _exit(0);
}

/* ---- in the parent ---- */

static int by_bytes(const void *a, const void *b) {
    const struct lc_sweep_group *x = a, *y = b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads everything the child writes until it closes the pipe or the
 * deadline passes; returns 1 on the deadline. */
static int drain(int fd, struct lc_buf *b, long timeout_ms) {
    double end = now_ms() + (double)timeout_ms;
    char chunk[4096];
    for (;;) {
        double left = end - now_ms();
        if (left <= 0)
            return 1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)left + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        lc__buf_putn(b, chunk, (size_t)n);
    }
}

static void decode(const char *p, size_t len, struct lc_sweep_outcome *o) {
    int ended = 0;
    while (len >= sizeof(uint32_t)) {
        uint32_t tag;
        memcpy(&tag, p, sizeof tag);
        size_t need = tag == TAG_END     ? sizeof(struct rec_end)
                      : tag == TAG_GROUP ? sizeof(struct rec_group)
                      : tag == TAG_CRASH ? sizeof(struct rec_crash)
                      : tag == TAG_FD    ? sizeof(struct rec_fd)
                                         : 0;
        if (!need || len < need)
            break;
        if (tag == TAG_END) {
            struct rec_end e;
            memcpy(&e, p, sizeof e);
            o->fired = e.fired;
            o->index = e.index;
            o->test_failed = e.test_failed;
            o->fds = e.fds > 0 ? e.fds : 0;
            o->threads = e.threads > 0 ? e.threads : 0;
            o->fds_added = e.fds_added;
            memcpy(o->fd_targets, e.fd_targets, sizeof o->fd_targets);
            o->fd_targets[sizeof o->fd_targets - 1] = 0;
            ended = 1;
        } else if (tag == TAG_GROUP) {
            struct lc_sweep_group *g =
                lc__xrealloc(o->groups, (o->ngroups + 1) * sizeof *g);
            if (g) {
                o->groups = g;
                memcpy(&g[o->ngroups++], p + offsetof(struct rec_group, g), sizeof *g);
            }
        } else if (tag == TAG_FD) {
            struct lc_sweep_fd *f = lc__xrealloc(o->open, (o->nopen + 1) * sizeof *f);
            if (f) {
                o->open = f;
                struct lc_sweep_fd *g = &f[o->nopen++];
                memcpy(g, p + offsetof(struct rec_fd, f), sizeof *g);
                g->target[sizeof g->target - 1] = 0;
                if (g->npcs < 0 || g->npcs > 64)
                    g->npcs = 0;
            }
        } else {
            struct rec_crash c;
            memcpy(&c, p, sizeof c);
            o->ncrash = c.n < 0 ? 0 : c.n > 64 ? 64 : c.n;
            memcpy(o->crash, c.pcs, sizeof o->crash);
            o->fired = 1; /* a crash after the injection: the report says whether */
        }
        p += need;
        len -= need;
    }
    if (!ended && o->status == 0)
        o->status = 3;
}

int lc__sweep_child(lc_sweep_run_fn run, void *arg, uint32_t site, int persistent,
                    const struct lc_sweep_ref *ref, unsigned checks, long timeout_ms,
                    struct lc_sweep_outcome *out) {
    memset(out, 0, sizeof *out);
    int p[2];
    if (pipe2(p, O_CLOEXEC))
        return -1;
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        frames_top = (uintptr_t)__builtin_frame_address(0);
        close(p[0]);
        report_fd = p[1];
        child_main(run, arg, site, persistent, ref, checks);
    }
    close(p[1]);
    lc__guard_enter();
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    int hung = drain(p[0], &b, timeout_ms);
    close(p[0]);
    if (hung)
        kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (hung)
        out->status = 2;
    else if (WIFSIGNALED(st)) {
        out->status = 1;
        out->signal = WTERMSIG(st);
    }
    decode(b.data, b.failed ? 0 : b.len, out);
    if (out->ngroups > 1) /* the most bytes first: the message names that stack */
        qsort(out->groups, out->ngroups, sizeof *out->groups, by_bytes);
    if (out->status == 1 && out->ncrash == 0 && !out->fired)
        out->fired = 1; /* killed before its report: the crash is reported as such */
    lc__buf_free(&b);
    lc__guard_leave();
    return 0;
}

void lc__sweep_outcome_free(struct lc_sweep_outcome *o) {
    lc__guard_enter();
    lc__xfree(o->groups);
    o->groups = NULL;
    o->ngroups = 0;
    lc__xfree(o->open);
    o->open = NULL;
    o->nopen = 0;
    lc__guard_leave();
}

void lc__sweep_ref_take(uint32_t gen, const struct lc_fdset *before, unsigned checks,
                        struct lc_sweep_ref *ref) {
    memset(ref, 0, sizeof *ref);
    if (checks & LEAKCHECK_CHECK_THREADS) {
        lc__threads_settle(gen, 0, ~0u, 200);
        ref->threads = (int)lc__threads_unfinished(gen);
    }
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__table_foreach(collect, &b);
    size_t n = b.failed ? 0 : b.len / sizeof(struct lc_reach_block);
    struct lc_reach_block *blk = (struct lc_reach_block *)b.data;
    if (n) {
        qsort(blk, n, sizeof *blk, by_stack);
        ref->left = lc__xmalloc(n * sizeof *ref->left);
        for (size_t i = 0; ref->left && i < n; i++) {
            if (!ref->nleft || ref->left[ref->nleft - 1].stack != blk[i].stack)
                ref->left[ref->nleft++] = (struct lc_sweep_left){blk[i].stack, 0, 0};
            ref->left[ref->nleft - 1].blocks++;
            ref->left[ref->nleft - 1].bytes += blk[i].size;
        }
    }
    lc__buf_free(&b);
    if (checks & LEAKCHECK_CHECK_FDS) {
        struct lc_fdset after = {0};
        lc__fds_snapshot(&after);
        struct lc_fd_entry *added = NULL;
        ref->fds = (int)lc__fds_added(before, &after, &added);
        lc__xfree(added);
        lc__fdset_free(&after);
    }
}
