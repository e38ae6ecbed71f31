/* run.c: the traced side of `leakcheck run -- CMD`. The tool preloads this
 * library with LEAKCHECK_RUN_MODE=1, the pid of the process it started and a
 * private directory (mkdtemp, mode 0700) for the records. In that process, and in every image that replaces it
 * through execve, the constructor opens one process scope. After every
 * destructor of every module has run, the final check classifies the blocks
 * still live by reachability (reach.c), lists the fds opened since start-up
 * and writes one raw record (handoff.h) for the tool into that directory
 * (a path, not an inherited fd: programs such as ssh close every fd at start): no symbolization, no
 * stdio, nothing that can start a thread or re-initialise a library, since the
 * program has torn its libraries down by then. The tool symbolizes and writes
 * the console, JSON and JUnit reports. Other descendants are left alone
 * (untracked, our library dropped from their children's LD_PRELOAD) unless
 * --follow-children asked for them. Not on the hook path. */

#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maps.h"
#include "thread_registry.h"
#include "fd_spare.h"
#include "fds.h"
#include "handoff.h"
#include "options.h"
#include "reach.h"
#include "reach_early.h"
#include "report.h"
#include "run.h"
#include "run_live.h"
#include "sample.h"
#include "sanitizer.h"
#include "symtab.h"

static int run_active;
/* The fds open when this image started: inherited ones, and those libraries
 * opened while loading (libunwind's validation pipe, opened by
 * lc__stacks_warm just before the snapshot). */
static struct lc_fdset start_fds;

/* ---- start-up ---- */

/* LD_PRELOAD without this library (the user's own entries kept, in order). */
static void drop_from_preload(void) {
    const char *pre = getenv("LD_PRELOAD");
    Dl_info self;
    if (!pre || !dladdr((void *)drop_from_preload, &self) || !self.dli_fname)
        return;
    size_t n = strlen(pre);
    char *out = lc__xmalloc(n + 1), *copy = lc__xstrdup(pre);
    if (!out || !copy) {
        lc__xfree(out);
        lc__xfree(copy);
        return;
    }
    size_t o = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ": ", &save); tok;
         tok = strtok_r(NULL, ": ", &save)) {
        if (strcmp(tok, self.dli_fname) == 0)
            continue;
        if (o)
            out[o++] = ':';
        memcpy(out + o, tok, strlen(tok));
        o += strlen(tok);
    }
    out[o] = 0;
    if (o)
        setenv("LD_PRELOAD", out, 1);
    else
        unsetenv("LD_PRELOAD");
    lc__xfree(out);
    lc__xfree(copy);
}

/* A process the tool did not start and does not follow: untracked, and its
 * own children never load us. */
static void leave_alone(void) {
    drop_from_preload();
    unsetenv("LEAKCHECK_RUN_MODE");
    unsetenv("LEAKCHECK_RUN_DIR");
    unsetenv("LEAKCHECK_RUN_PID");
    unsetenv("LEAKCHECK_RUN_FDS");
}

/* A process that keeps no record says why, in the run directory (private to
 * the tool: mode 0700) for the tool's line (the program may have closed or
 * redirected stderr), or on stderr when that cannot be written. */
static void unchecked(const char *dir, const char *why) {
    char path[4096];
    int fd = -1;
    if ((size_t)snprintf(path, sizeof path, "%s/" LC_HANDOFF_UNCHECKED "%d", dir, (int)getpid()) <
        sizeof path)
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t len = strlen(why);
    if (fd < 0 || write(fd, why, len) != (ssize_t)len)
        fprintf(stderr, "%s\n", why);
    if (fd >= 0)
        close(fd);
}

/* A followed process says it started, so that the tool can name it when no
 * record of it arrives (killed by a signal, still running at the end). Each
 * image that replaces it through execve writes its own name over the last. */
static void mark_started(const char *dir) {
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/" LC_HANDOFF_STARTED "%d", dir, (int)getpid()) >=
        sizeof path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    const char *name = program_invocation_short_name;
    ssize_t w = write(fd, name, strlen(name)); /* if short, the tool names the pid alone */
    (void)w;
    close(fd);
}

void lc__run_start(void) {
    const struct lc_options_values *o = lc__opts();
    lc__guard_enter();
    int traced = o->run_pid == (long)getpid();
    if (!traced && !o->follow_children) {
        leave_alone();
        lc__guard_leave();
        return;
    }
    lc__guard_leave();
    if (!o->run_dir || !*o->run_dir)
        return; /* nowhere to write: the tool reports "no report" */
    if (!traced)
        mark_started(o->run_dir);
    const char *unobserved = lc__malloc_unobserved();
    if (unobserved) { /* no record, so no CLEAN verdict: the tool says none arrived */
        unchecked(o->run_dir, unobserved);
        return;
    }
    lc__reach_early_record(); /* what earlier constructors allocated: roots at exit */
    int rc = lc__live_sample_configure() != 0 ? LEAKCHECK_ENOMEM : lc__scope_begin_process();
    if (rc != 0) { /* no record: the tool says none arrived, and this line why */
        char why[512];
        snprintf(why, sizeof why, "leakcheck: %s (pid %d): the tracker could not start (%s; an "
                 "address-space limit, ulimit -v?): not checked", program_invocation_short_name,
                 (int)getpid(), lc_strerror(rc));
        unchecked(o->run_dir, why);
        return;
    }
    run_active = 1;
    lc__guard_enter();
    lc__stacks_warm(); /* libunwind's pipe: open at start-up, not the program's */
    lc__fds_snapshot(&start_fds);
    lc__guard_leave();
    lc__live_start();
}

/* ---- the record ---- */

static int kind_cmp(const void *a, const void *b) {
    const struct lc_reach_block *x = a, *y = b;
    if (x->stack != y->stack)
        return x->stack < y->stack ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return (int)x->user - (int)y->user;
}

struct blocks {
    struct lc_reach_block *v;
    size_t n, cap;
};

static void take_block(const struct lc_rec_info *r, void *arg) {
    struct blocks *b = arg;
    if (b->n < b->cap)
        b->v[b->n++] = (struct lc_reach_block){.ptr = r->ptr, .size = r->size,
                                               .stack = r->stack, .user = (uint32_t)r->cls};
}

/* The part of this thread's stack below `top` (the check's own frames, whose
 * dead slots hold copies of block addresses from the table walk) and below
 * the exit point: not roots. */
static int own_frames(uintptr_t top, uintptr_t range[2]) {
    pthread_attr_t a;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &a) != 0)
        return 0;
    int ok = pthread_attr_getstack(&a, &lo, &size) == 0 && (uintptr_t)lo < top &&
             top <= (uintptr_t)lo + size;
    pthread_attr_destroy(&a);
    /* once main has returned or exit() was called on this thread, the frames
     * below that point are the exit path's own (glibc's, the handlers') */
    if (ok && lc__exit_frame > top && lc__exit_frame <= (uintptr_t)lo + size)
        top = lc__exit_frame;
    range[0] = (uintptr_t)lo;
    range[1] = top;
    return ok;
}

/* Threads by handle: the program's unfinished threads whose pthread_t the scan
 * found stored nowhere (information, like every thread at exit). */
static void put_dropped(struct lc_buf *out, const struct lc_thread_handles *h) {
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    for (size_t k = 0; tr && k < h->n; k++)
        if (!h->found[k])
            lc__buf_printf(out, "dropped %d %s\n", tr[h->rec[k]].tid,
                           lc__thread_unfinished(&tr[h->rec[k]]) ?: "running");
}

/* Every live block, classified; sorted by stack and kind. top: the frame the
 * check started in. */
static int classify(struct blocks *b, struct lc_buf *out, uintptr_t top) {
    size_t cap = lc__table_count() + 1024;
    b->v = lc__mmap(cap * sizeof *b->v);
    if (!b->v)
        return -1;
    b->cap = cap;
    lc__table_foreach(take_block, b);
    struct lc_thread_handles *h = lc__mmap(sizeof *h);
    if (h)
        lc__thread_handles_gather(h, 0, 1, ~0u, 0);
    uintptr_t mine[4][2] = {{(uintptr_t)b->v, (uintptr_t)(b->v + cap)}};
    struct lc_reach_opts ro = {.exclude = mine, .nexclude = 1 + own_frames(top, mine[1]),
                               .early_roots = 1};
    if (lc__live_helper_stack(mine[ro.nexclude])) /* our helper's (joined) stack */
        ro.nexclude++;
    if (h && h->n) { /* the handles as needles; h itself is never a root */
        mine[ro.nexclude][0] = (uintptr_t)h;
        mine[ro.nexclude++][1] = (uintptr_t)(h + 1);
        ro.needles = h->needles, ro.nneedles = h->n, ro.needle_found = h->found;
        ro.needle_ignore = (const uintptr_t(*)[2])h->ignore, ro.nneedle_ignore = h->n + 1;
    }
    struct lc_reach_stats st = {0};
    /* a program's thread the scan stops sleeps or waits on after it
     * (sleep_resume.c, wait_resume.c) until the process is gone */
    int scanned = lc__reach_classify(b->v, b->n, &ro, &st) == 0;
    if (h && h->n && scanned)
        put_dropped(out, h);
    if (h)
        lc__munmap(h, sizeof *h);
    if (!scanned) { /* the blocks are listed, no kind claimed for them */
        lc__buf_puts(out, "unscanned out-of-memory\n");
        for (size_t i = 0; i < b->n; i++)
            b->v[i].kind = LC_REACH_DEFINITE;
    }
    lc__buf_printf(out, "scan %llu %llu %u %u %llu\n", (unsigned long long)st.root_bytes,
                   (unsigned long long)st.heap_bytes_scanned, st.threads, st.threads_unstopped,
                   (unsigned long long)(st.seconds * 1e6));
    qsort(b->v, b->n, sizeof *b->v, kind_cmp);
    return 0;
}

static void put_stack(struct lc_buf *out, uint32_t id) {
    const uintptr_t *pcs;
    uint32_t epoch = 0;
    int n = id ? lc__stack_get(id, &pcs, &epoch) : 0;
    if (n <= 0)
        return;
    lc__buf_printf(out, "stack %u %u", id, epoch);
    for (int i = 0; i < n; i++)
        lc__buf_printf(out, " %lx", (unsigned long)pcs[i]);
    lc__buf_putc(out, '\n');
}

static void put_sites(struct lc_buf *out, const struct blocks *b) {
    for (size_t i = 0; i < b->n;) {
        size_t j = i;
        uint64_t bytes = 0;
        while (j < b->n && b->v[j].stack == b->v[i].stack && b->v[j].kind == b->v[i].kind &&
               b->v[j].user == b->v[i].user)
            bytes += b->v[j++].size;
        if (i == 0 || b->v[i - 1].stack != b->v[i].stack)
            put_stack(out, b->v[i].stack);
        lc__buf_printf(out, "site %u %d %u %zu %llu\n", b->v[i].stack, b->v[i].kind,
                       b->v[i].user, j - i, (unsigned long long)bytes);
        i = j;
    }
}

/* What is live now, for a snapshot (run_live.c): no reachability scan, so
 * every block is listed as reachable. Blocks allocated while the table is
 * walked beyond its count at the start are left out (a note says so). */
int lc__run_put_live(struct lc_buf *out) {
    struct blocks b = {0};
    size_t cap = lc__table_count() + 1024;
    b.v = lc__mmap(cap * sizeof *b.v);
    if (!b.v)
        return -1;
    b.cap = cap;
    lc__table_foreach(take_block, &b);
    for (size_t i = 0; i < b.n; i++)
        b.v[i].kind = LC_REACH_REACHABLE;
    qsort(b.v, b.n, sizeof *b.v, kind_cmp);
    put_sites(out, &b);
    if (b.n == b.cap)
        lc__buf_puts(out, "note blocks%20allocated%20during%20the%20snapshot%20left%20out\n");
    lc__munmap(b.v, cap * sizeof *b.v);
    return 0;
}

/* Is fd one the program was given at start-up (LEAKCHECK_RUN_FDS)? */
static int fd_inherited(int fd) {
    const char *list = lc__opts()->run_fds;
    for (size_t i = 0; i < start_fds.n; i++)
        if (start_fds.fds[i].fd == fd)
            return 1;
    for (const char *p = list; p && *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v == fd)
            return 1;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static void put_fds(struct lc_buf *out) {
    struct lc_fdset now = {0};
    if (lc__fds_snapshot(&now) != 0) {
        lc__buf_puts(out, "note could%20not%20list%20/proc/self/fd\n");
        return;
    }
    for (size_t i = 0; i < now.n; i++) {
        const struct lc_fd_entry *e = &now.fds[i];
        if (fd_inherited(e->fd) || lc__fd_ours(e->fd))
            continue;
        put_stack(out, e->stack);
        lc__buf_printf(out, "fd %d %u ", e->fd, e->stack);
        lc__handoff_escape(out, e->target);
        lc__buf_putc(out, '\n');
    }
    lc__fdset_free(&now);
}

static void put_threads(struct lc_buf *out) {
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return;
    pid_t self = gettid();
    for (struct dirent *e; (e = readdir(d));) {
        int tid = atoi(e->d_name);
        if (tid <= 0 || tid == self || tid == lc__live_helper_tid())
            continue;
        char path[64], name[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, name, sizeof name - 1) : -1;
        if (fd >= 0)
            close(fd);
        name[n > 0 ? n : 0] = 0;
        name[strcspn(name, "\n")] = 0;
        lc__buf_printf(out, "thread %d ", tid);
        lc__handoff_escape(out, name);
        lc__buf_putc(out, '\n');
    }
    closedir(d);
}

/* Mappings the program made (maps.c) and left mapped: information. */
#define LC_RUN_MAPS 1000
static void put_mappings(struct lc_buf *out) {
    struct lc_map_rec *m = lc__mmap(LC_RUN_MAPS * sizeof *m);
    if (!m)
        return;
    size_t n = lc__maps_list(LC_MAPS_ANY_GEN, 0, m, LC_RUN_MAPS);
    for (size_t i = 0; i < n && i < LC_RUN_MAPS; i++) {
        char file[4096];
        lc__maps_file(m[i].start, file, sizeof file);
        put_stack(out, m[i].stack);
        lc__buf_printf(out, "mapping %lx %llx %d %d %d %u ", (unsigned long)m[i].start,
                       (unsigned long long)m[i].len, m[i].prot, m[i].flags, m[i].shm,
                       m[i].stack);
        lc__handoff_escape(out, m[i].fd >= 0 && file[0] ? file : NULL);
        lc__buf_putc(out, '\n');
    }
    if (n > LC_RUN_MAPS)
        lc__buf_printf(out, "note %zu%%20more%%20mappings%%20not%%20listed\n", n - LC_RUN_MAPS);
    lc__munmap(m, LC_RUN_MAPS * sizeof *m);
}

void lc__run_put_modules(struct lc_buf *out) {
    struct lc_module *mods = NULL;
    size_t n = 0;
    if (lc__modules_collect(&mods, &n) != 0) {
        lc__buf_puts(out, "note could%20not%20list%20the%20loaded%20modules\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        lc__buf_printf(out, "module %lx %lx %lx %u ", (unsigned long)mods[i].bias,
                       (unsigned long)mods[i].lo, (unsigned long)mods[i].hi,
                       mods[i].close_epoch);
        for (size_t k = 0; k < mods[i].build_id_len; k++)
            lc__buf_printf(out, "%02x", mods[i].build_id[k]);
        lc__buf_puts(out, mods[i].build_id_len ? " " : "- ");
        lc__handoff_escape(out, mods[i].path);
        lc__buf_putc(out, '\n');
    }
    lc__modules_free(mods, n);
}

/* The address range of this library's text (its executable PT_LOAD). */
static int self_find(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    uintptr_t *r = arg, me = (uintptr_t)self_find;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= lo && me < hi) {
            r[0] = lo;
            r[1] = hi;
            return 1;
        }
    }
    return 0;
}

static int self_text(uintptr_t *lo, uintptr_t *hi) {
    uintptr_t r[2] = {0, 0};
    dl_iterate_phdr(self_find, r);
    *lo = r[0];
    *hi = r[1];
    return r[1] ? 0 : -1;
}

void lc__run_counters(lc_counters *c) {
    lc__counters_sum(c, LEAKCHECK_ALL, __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE));
    lc__sample_add(c);
}

void lc__run_put_header(struct lc_buf *out) {
    lc__buf_printf(out, "%s %d %d %d\nprog ", LC_HANDOFF_MAGIC, LC_HANDOFF_VERSION,
                   (int)getpid(), (int)getppid());
    lc__handoff_escape(out, program_invocation_short_name);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    lc__buf_puts(out, "\nexe ");
    lc__handoff_escape(out, exe);
    lc_counters c;
    lc__run_counters(&c);
    lc__buf_printf(out, "\ncounters %llu %llu %llu %llu %llu %llu %llu\n",
                   (unsigned long long)c.allocs, (unsigned long long)c.frees,
                   (unsigned long long)c.bytes_allocated, (unsigned long long)c.bytes_freed,
                   (unsigned long long)c.live_blocks, (unsigned long long)c.live_bytes,
                   (unsigned long long)c.peak_bytes);
    uintptr_t lo, hi;
    lc__hook_text_range(&lo, &hi);
    lc__buf_printf(out, "wrap %lx %lx\n", (unsigned long)lo, (unsigned long)hi);
    if (self_text(&lo, &hi) == 0)
        lc__buf_printf(out, "self %lx %lx\n", (unsigned long)lo, (unsigned long)hi);
}

/* DIR/PID.rec (PID.N.rec if a process of the same pid wrote before), created
 * exclusively, never through a link. */
static int record_open(void) {
    const char *dir = lc__opts()->run_dir;
    char path[4096];
    for (int k = 0; k < 100; k++) {
        if (k)
            snprintf(path, sizeof path, "%s/%d.%d.rec", dir, (int)getpid(), k);
        else
            snprintf(path, sizeof path, "%s/%d.rec", dir, (int)getpid());
        /* at the open-file limit, in the slot of leakcheck's spare fd */
        int fd = lc__fd_spare_open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static void hand_off(const struct lc_buf *b) {
    static const char oom[] = LC_HANDOFF_MAGIC " 1 0 0\nnote out%20of%20memory%20building%20"
                              "the%20record\n";
    int fd = record_open();
    if (fd < 0) { /* the tool says that no report arrived, and this says why */
        char why[256];
        snprintf(why, sizeof why, "leakcheck: cannot write the leak record of %s (pid %d): %s",
                 program_invocation_short_name, (int)getpid(), strerror(errno));
        unchecked(lc__opts()->run_dir, why);
        return;
    }
    const char *data = b->failed ? oom : b->data;
    size_t len = b->failed ? sizeof oom - 1 : b->len, off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0)
            break; /* the tool says what arrived */
        off += (size_t)w;
    }
    lc__fd_spare_close(fd);
}

/* The final check's progress: 0 not begun, 1 running on one thread, 2 over
 * (the record handed off). final_pending: the destructor registered it. */
static int final_state, final_pending;

/* Another thread runs the final check: wait until it handed its record off
 * (a thread that ends the process meanwhile would cut the record short). */
static void final_wait(void) {
    while (__atomic_load_n(&final_state, __ATOMIC_ACQUIRE) == 1)
        syscall(SYS_futex, &final_state, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
}

/* The final check: the last exit handler, after every module's destructors,
 * or the _exit wrapper below. Runs once; a second caller waits for it. */
__attribute__((noinline)) static void run_final(void) {
    int expected = 0;
    if (!__atomic_compare_exchange_n(&final_state, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        final_wait();
        return;
    }
    lc__guard_enter();
    lc__live_stop(); /* the helper thread, if any, has written its last snapshot */
    __atomic_store_n(&lc__st.tracking, 0, __ATOMIC_RELEASE); /* nothing moves now */
    struct lc_buf out;
    lc__buf_init(&out, lc__xrealloc, lc__xfree);
    lc__run_put_header(&out);
    struct blocks b = {0};
    if (classify(&b, &out, (uintptr_t)__builtin_frame_address(0)) == 0)
        put_sites(&out, &b);
    else /* nothing is judged: the driver says so and fails */
        lc__buf_puts(&out, "unscanned no-memory-to-list\n");
    if (b.v)
        lc__munmap(b.v, b.cap * sizeof *b.v);
    put_fds(&out);
    put_threads(&out);
    put_mappings(&out);
    lc__run_put_modules(&out);
    lc__live_put_sampling(&out);
    lc__series_put(&out);
    lc__buf_puts(&out, "end\n");
    hand_off(&out);
    lc__buf_free(&out);
    lc__scope_end_process();
    __atomic_store_n(&final_state, 2, __ATOMIC_RELEASE);
    syscall(SYS_futex, &final_state, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
    lc__guard_leave();
}

/* The exit handler's signature; arg and status are unused. */
static void run_final_handler(void *arg) {
    (void)arg;
    run_final();
}

/* glibc's registration of exit handlers, bound to a module's handle or
 * (NULL) to none. */
extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso_handle);

/* Destructors of modules finalized after this one may still free blocks and
 * close fds (a preloaded library is initialised last, so it is finalized
 * before every library the program links: libuv closes its signal pipe,
 * OpenSSL frees its tables, after us). Registering the check from here as an
 * exit handler bound to no module makes glibc run it after _dl_fini, the
 * handler that runs every module's destructors (exit handlers registered
 * while they run are honoured). Not atexit(): that binds the handler to this
 * module's handle, and this module's own __cxa_finalize, the last of its
 * destructors, ran it at once, before the other modules' destructors. */
__attribute__((destructor)) static void run_destructor(void) {
    if (!run_active || getpid() != lc__st.owner_pid)
        return; /* a fork child never writes the parent's record */
    run_active = 0;
    if (__cxa_atexit(run_final_handler, NULL, NULL) != 0)
        run_final();
    else
        __atomic_store_n(&final_pending, 1, __ATOMIC_RELEASE);
}

/* A program that leaves through _exit (dash does, after its own clean-up)
 * still gets its check: nothing has been torn down at that point. exit()
 * reaches the kernel through glibc's internal _exit, not this one. A thread
 * that calls _exit while main's exit runs (the check registered, or running
 * on another thread) runs the check or waits for it, so the record is whole:
 * such a worker used to end the process in the middle of it ("exited
 * (status 4) without a leak report: it exec'd a program that did not load
 * libleakcheck.so ..."). */
__attribute__((noreturn, noinline)) static void run_exit_now(int status) {
    __builtin_unwind_init(); /* the caller's registers: roots, above run_final's frame */
    if ((run_active || __atomic_load_n(&final_pending, __ATOMIC_ACQUIRE)) &&
        getpid() == lc__st.owner_pid) {
        run_active = 0;
        run_final();
    }
    for (;;)
        syscall(SYS_exit_group, status);
}

void lc__run_finish_now(void) {
    if (run_active && getpid() == lc__st.owner_pid) {
        run_active = 0;
        run_final();
    }
}

__attribute__((visibility("default"), noreturn)) void _exit(int status) {
    run_exit_now(status);
}

__attribute__((visibility("default"), noreturn)) void _Exit(int status) {
    run_exit_now(status);
}
