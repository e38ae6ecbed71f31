/* harness.c: the test engine behind LEAKCHECK_TEST (lc_test_run) and its
 * cmocka glue. Not on the hook path.
 *
 * A test runs warm-up iterations, then measured ones, counting only (no
 * stacks). The end of every iteration snapshots the live blocks and bytes of
 * the test's threads ("attributed") and of threads that were running before
 * ("background"), the test's unfinished threads and the open fds. verdict.c
 * judges each series; ambiguous series get more iterations, up to a bound.
 * When memory grows, extra attribution iterations run with allocation stacks
 * and the growth is judged per allocation stack (grouped by symbolized frames,
 * so a module reloaded at another address still adds to one site): the
 * message names the stacks that grow, not the whole heap.
 *
 * cmocka: a leak fails the test with cm_print_error (1.1.x) or
 * cmocka_print_error (2.x) plus _fail, so the text reaches cmocka's XML and
 * TAP. A body that fails an assertion or crashes longjmps past us: the next
 * test (or the end of the group, or exit) records it as failed, crashed or
 * skipped and resets tracking. Reports are rewritten before each test (naming
 * it as unfinished) and after it, atomically, so a crash keeps everything
 * measured so far. */
#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fds.h"
#include "harness.h"
#include "xml.h"
#include "leakcheck/leakcheck.h"
#include "options.h"
#include "report.h"
#include "results.h"
#include "thread_registry.h"
#include "verdict.h"

#ifndef cm_print_error
/* exported by cmocka 1.1.x but not declared in 1.1.5's header */
void cm_print_error(const char *format, ...);
#define LC_PRINT_ERROR cm_print_error
#else
#define LC_PRINT_ERROR cmocka_print_error
#endif

void lc__cmocka_fail(const char *file, int line, const char *text) {
    /* the text lands in cmocka's per-test message, its XML and TAP; it must
     * end with a newline because cmocka appends "file:line: error: Failure!" */
    LC_PRINT_ERROR("%s", text);
    _fail(file, line);
    abort(); /* not reached: _fail longjmps to cmocka's runner */
}

/* ---- the run: every test's result, for the reports ---- */
static struct lc_run run;
static size_t tests_cap;
static const char *group_name;
static int harness_ready;

/* The test in progress. `pending` stays set when its body longjmps out. */
static struct {
    int pending;
    size_t index;           /* in run.tests */
    volatile sig_atomic_t crash_sig;
    volatile sig_atomic_t skipped;
} cur;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction saved_crash[NCRASH];
static struct sigaction saved_abrt;

double lc__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *xsprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xsprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = lc__xmalloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* "+1", "+472", "+4194304" for whole numbers, "+0.5" otherwise: growth per
 * iteration reads best without exponents. */
static const char *rate(char *buf, size_t len, double v) {
    if (v == (double)(long long)v)
        snprintf(buf, len, "%+lld", (long long)v);
    else
        snprintf(buf, len, "%+.1f", v);
    return buf;
}

/* ---- reports ---- */

static void write_reports(void) {
    const struct lc_options_values *o = lc__opts();
    char err[4600];
    if (getpid() != lc__st.owner_pid)
        return;
    lc__guard_enter();
    if (o->json && *o->json && lc__report_stream_json(&run, o->json, err, sizeof err)) {
        static int warned;
        if (!warned++)
            fprintf(stderr, "%s\n", err);
    }
    if (o->junit && *o->junit && lc__report_stream_junit(&run, o->junit, err, sizeof err)) {
        static int warned;
        if (!warned++)
            fprintf(stderr, "%s\n", err);
    }
    lc__guard_leave();
}

/* ---- for benchmarks (bench.c): the same run, console and reports ---- */

struct lc_run *lc__harness_run(void) { return &run; }
const char *lc__harness_group(void) { return group_name; }
void lc__harness_write_reports(void) { write_reports(); }

/* ---- console ---- */

int lc__use_color(void) {
    int c = lc__opts()->color; /* auto|always|never */
    return c == 1 || (c == 0 && isatty(STDOUT_FILENO));
}

/* Where leakcheck's own console lines go so they never corrupt cmocka's
 * machine-readable output: standard output normally, as "# " comments inside
 * TAP, standard error with SUBUNIT or XML on standard output. */
FILE *lc__console(const char **prefix) {
    const char *o = getenv("CMOCKA_MESSAGE_OUTPUT");
    *prefix = "";
    if (!o || !*o || strcasestr(o, "stdout") || strcasestr(o, "standard"))
        return stdout;
    if (strcasestr(o, "tap")) {
        *prefix = "# ";
        return stdout;
    }
    return stderr;
}

static void console_line(const struct lc_test_result *r) {
    static const char *const tags[] = {"  CLEAN ", "  LEAK  ", " FAILED ", " CRASHED",
                                       " SKIPPED"};
    static const char *const colors[] = {"\033[32m", "\033[31m", "\033[31m", "\033[31m",
                                         "\033[33m"};
    const char *prefix;
    FILE *out = lc__console(&prefix);
    int color = lc__use_color() && !*prefix && out == stdout;
    const char *tag = r->verdict >= 0 && r->verdict <= LC_VERDICT_SKIPPED ? tags[r->verdict] : "  ???   ";
    fprintf(out, "%s%s[%s]%s ", prefix, color ? colors[r->verdict] : "", tag,
            color ? "\033[0m" : "");
    lc__console_put(out, r->name); /* names and messages may hold any bytes */
    fputs(": ", out);
    lc__console_put(out, r->message);
    fputc('\n', out);
    /* the details of a failure follow in cmocka's own failure message */
    fflush(out);
}

static void print_summary(void) {
    size_t n[5] = {0};
    for (size_t i = 0; i < run.ntests; i++)
        if (run.tests[i].verdict >= 0 && run.tests[i].verdict <= LC_VERDICT_SKIPPED)
            n[run.tests[i].verdict]++;
    if (!run.ntests)
        return;
    const char *prefix;
    FILE *out = lc__console(&prefix);
    fprintf(out, "%s[leakcheck] %zu test%s: %zu clean, %zu leak, %zu failed, %zu crashed, %zu "
            "skipped\n",
            prefix, run.ntests, run.ntests == 1 ? "" : "s", n[0], n[1], n[2], n[3], n[4]);
    fflush(out);
}

/* A test or benchmark the tracker cannot observe (failsafe.c): an error
 * with one line saying why, never CLEAN. */
void lc__harness_refuse(struct lc_test_result *res, const char *why) {
    cur.pending = 0;
    res->verdict = LC_VERDICT_FAILED;
    res->failure_type = "tracker";
    res->message = lc__intern(why);
    console_line(res);
    write_reports();
}

/* ---- an unfinished test (its body longjmped out) ---- */

static void restore_signals(void) {
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &saved_crash[i], NULL);
    sigaction(SIGABRT, &saved_abrt, NULL);
}

static void finish_pending(void) {
    lc__bench_settle();
    if (!cur.pending)
        return;
    cur.pending = 0;
    lc__tls.guard = 0; /* a crash inside a hook may have left it up */
    lc_scope_end();
    lc__fds_reset();
    restore_signals();
    struct lc_test_result *r = &run.tests[cur.index];
    r->duration = 0;
    if (cur.crash_sig) {
        r->verdict = LC_VERDICT_CRASHED;
        r->message = xsprintf("crashed: %s", strsignal(cur.crash_sig));
    } else if (cur.skipped) {
        r->verdict = LC_VERDICT_SKIPPED;
        r->message = "skipped";
    } else {
        r->verdict = LC_VERDICT_FAILED;
        r->message = "failed (see the cmocka message above)";
    }
    r->details = NULL;
    console_line(r);
    write_reports();
}

/* ---- crash and abort signals ---- */

static void crash_handler(int sig) {
    cur.crash_sig = sig;
    /* hand over to cmocka's handler (it longjmps to its runner) or default */
    for (size_t i = 0; i < NCRASH; i++) {
        if (crash_signals[i] != sig)
            continue;
        sigaction(sig, &saved_crash[i], NULL);
        if (!(saved_crash[i].sa_flags & SA_SIGINFO) && saved_crash[i].sa_handler != SIG_DFL &&
            saved_crash[i].sa_handler != SIG_IGN) {
            saved_crash[i].sa_handler(sig);
            return;
        }
    }
    raise(sig);
}

static void abort_handler(int sig) {
    if (cur.pending) {
        cur.pending = 0;
        struct lc_test_result *r = &run.tests[cur.index];
        r->verdict = LC_VERDICT_CRASHED;
        r->message = "crashed: aborted (SIGABRT)";
        lc__st.tracking = 0;
        lc__tls.guard++;
        write_reports(); /* best effort; the report already names this test */
    }
    sigaction(SIGABRT, &saved_abrt, NULL);
    raise(sig);
}

/* ---- cmocka seams ---- */

typedef int (*group_fn)(const char *, const struct CMUnitTest *const, const size_t,
                        CMFixtureFunction, CMFixtureFunction);

/* Interposes cmocka's group runner to learn the group's name and to settle the
 * group's last test, even when it failed. */
__attribute__((visibility("default"))) int
_cmocka_run_group_tests(const char *name, const struct CMUnitTest *const tests,
                        const size_t n, CMFixtureFunction setup, CMFixtureFunction teardown) {
    static group_fn real;
    if (!real)
        real = (group_fn)dlsym(RTLD_NEXT, "_cmocka_run_group_tests");
    group_name = name ? lc__intern(name) : NULL;
    int rc = real(name, tests, n, setup, teardown);
    finish_pending();
    if (run.ntests || run.nbenchmarks)
        write_reports();
    /* A corrupt or foreign baseline fails the run, every result kept. */
    if (rc == 0 && lc__baseline_broken())
        rc = 1;
    return rc;
}

typedef void (*skip_fn)(const char *, int);

/* cmocka's skip() longjmps like a failure; remember it was a skip. */
__attribute__((visibility("default"))) void _skip(const char *const file, const int line) {
    static skip_fn real;
    if (!real)
        real = (skip_fn)dlsym(RTLD_NEXT, "_skip");
    if (cur.pending)
        cur.skipped = 1;
    real(file, line);
    abort(); /* not reached: _skip longjmps */
}

__attribute__((destructor)) static void harness_fini(void) {
    if (!harness_ready || getpid() != lc__st.owner_pid)
        return;
    finish_pending();
    if (run.ntests || run.nbenchmarks) {
        lc__report_stream_finish(); /* devices and FIFOs get the document now */
        write_reports();
        print_summary();
        lc__bench_summary();
    }
}

/* ---- one-time set-up: the harness's own first-use costs never count ---- */

static void *noop_thread(void *arg) { return arg; }

static void harness_init(void) {
    if (harness_ready)
        return;
    harness_ready = 1;
    lc__init();
    lc__guard_enter();
    /* libunwind: first trace on this thread (per-thread cache, pipe fds) */
    lc_scope_config cfg = {.stacks = 1, .depth = 0, .all_threads = 0};
    lc_scope_begin(&cfg);
    lc_scope_end();
    /* glibc: the first pthread_create allocates a DTV kept with the cached stack */
    pthread_t t;
    if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
        pthread_join(t, NULL);
    /* /proc listing and stdio buffers used by the console */
    struct lc_fdset s;
    if (lc__fds_snapshot(&s) == 0)
        lc__fdset_free(&s);
    fflush(stdout);
    lc__guard_leave();
    lc__baseline_load();
}

void lc__harness_prepare(void) {
    harness_init();
    finish_pending();
}

/* ---- per-iteration sampling ---- */

static uint32_t count_dir(const char *path) {
    DIR *d = opendir(path);
    uint32_t n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Threads started during this scope by the test that are not finished:
 * running, or exited but neither joined nor detached. */
static uint32_t unfinished_threads(uint32_t gen) {
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

struct series {
    int64_t *v; /* [0] before the window, then one per judged iteration */
    unsigned n;
};

struct test_ctx {
    const lc_test_options *opts;
    void (*body)(void **);
    void **state;
    unsigned warmup, measured, max_total, checks;
    int64_t tolerance;
    unsigned iter;            /* next iteration number */
    struct lc_test_result *res;
    struct lc_snapshot *snaps; /* one per iteration */
    size_t nsnaps, capsnaps;
    /* counting-pass series, index 0 = end of warm-up */
    int64_t *blocks[2], *bytes[2], *threads, *fds;
    unsigned nseries, capseries;
    uint32_t gen;
};

/* The harness's call into the body. Stack capture stops at this frame, so
 * leakcheck and cmocka frames never appear below the test body. */
LC_BODY_TEXT static void call_body(void (*body)(void **), void **state) {
    body(state);
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}

static int grow_series(struct test_ctx *c) {
    if (c->nseries < c->capseries)
        return 0;
    unsigned ncap = c->capseries ? c->capseries * 2 : 64;
    int64_t **arrs[] = {&c->blocks[0], &c->blocks[1], &c->bytes[0], &c->bytes[1],
                        &c->threads, &c->fds};
    for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
        int64_t *n = lc__xrealloc(*arrs[i], ncap * sizeof(int64_t));
        if (!n)
            return -1;
        *arrs[i] = n;
    }
    c->capseries = ncap;
    return 0;
}

static void run_iteration(struct test_ctx *c, int record_series) {
    lc_counters before, after, bg;
    lc_scope_iteration(c->iter);
    lc_scope_peak_reset();
    lc_scope_counters(&before, LC_ATTRIBUTED);
    if (c->opts && c->opts->setup)
        c->opts->setup(c->state);
    call_body(c->body, c->state);
    if (c->opts && c->opts->teardown)
        c->opts->teardown(c->state);
    lc_scope_counters(&after, LC_ATTRIBUTED);
    lc_scope_counters(&bg, LC_BACKGROUND);
    c->iter++;

    lc__guard_enter();
    uint32_t threads = unfinished_threads(c->gen);
    uint32_t fds = count_dir("/proc/self/fd") - 1; /* minus the listing's own fd */
    if (c->nsnaps == c->capsnaps) {
        size_t ncap = c->capsnaps ? c->capsnaps * 2 : 32;
        struct lc_snapshot *n = lc__xrealloc(c->snaps, ncap * sizeof *n);
        if (n) {
            c->snaps = n;
            c->capsnaps = ncap;
        }
    }
    if (c->nsnaps < c->capsnaps) {
        struct lc_snapshot *s = &c->snaps[c->nsnaps++];
        s->allocs = after.allocs - before.allocs;
        s->frees = after.frees - before.frees;
        s->bytes_allocated = after.bytes_allocated - before.bytes_allocated;
        s->live_blocks = after.live_blocks;
        s->live_bytes = after.live_bytes;
        s->peak_bytes = after.peak_bytes;
        s->threads = threads;
        s->fds = fds;
    }
    if (record_series && grow_series(c) == 0) {
        unsigned i = c->nseries++;
        c->blocks[0][i] = (int64_t)after.live_blocks;
        c->bytes[0][i] = (int64_t)after.live_bytes;
        c->blocks[1][i] = (int64_t)bg.live_blocks;
        c->bytes[1][i] = (int64_t)bg.live_bytes;
        c->threads[i] = threads;
        c->fds[i] = fds;
    }
    lc__guard_leave();
}

/* ---- memory attribution: growth per allocation site ---- */

struct site_series {
    uint32_t stack;
    int cls;
    int group;       /* index into groups, -1 until grouped */
    int64_t *blocks; /* [capiter] values at the end of attribution iteration i */
    int64_t *bytes;
};

struct group {
    char *key;        /* symbolized frames: the identity of a site */
    uint32_t stack;   /* a representative stack */
    int cls;
    int64_t *blocks, *bytes;
    struct lc_judge_info jb, jy;
    int leak;
};

struct attribution {
    struct site_series *sites;
    size_t nsites, capsites;
    unsigned niter, capiter; /* values 0..niter-1; [0] is before the first iteration */
};

static struct site_series *site_get(struct attribution *a, uint32_t stack, int cls) {
    for (size_t i = 0; i < a->nsites; i++)
        if (a->sites[i].stack == stack && a->sites[i].cls == cls)
            return &a->sites[i];
    if (a->nsites == a->capsites) {
        size_t ncap = a->capsites ? a->capsites * 2 : 64;
        struct site_series *n = lc__xrealloc(a->sites, ncap * sizeof *n);
        if (!n)
            return NULL;
        a->sites = n;
        a->capsites = ncap;
    }
    struct site_series *s = &a->sites[a->nsites];
    s->stack = stack;
    s->cls = cls;
    s->group = -1;
    s->blocks = lc__xcalloc(a->capiter, sizeof(int64_t));
    s->bytes = lc__xcalloc(a->capiter, sizeof(int64_t));
    if (!s->blocks || !s->bytes)
        return NULL;
    a->nsites++;
    return s;
}

/* Records every site's live blocks and bytes as value number a->niter. */
static void attribution_sample(struct attribution *a) {
    lc_survivors *sv;
    if (a->niter >= a->capiter)
        return;
    if (lc_scope_survivors(&sv) != 0)
        return;
    lc__guard_enter();
    for (size_t i = 0; i < sv->nsites; i++) {
        struct site_series *s = site_get(a, sv->sites[i].stack, sv->sites[i].cls);
        if (!s)
            continue;
        s->blocks[a->niter] = (int64_t)sv->sites[i].blocks;
        s->bytes[a->niter] = (int64_t)sv->sites[i].bytes;
    }
    a->niter++;
    lc__guard_leave();
    lc_survivors_free(sv);
}

static char *stack_key(uint32_t stack, int cls) {
    lc_frame f[LC_MAX_DEPTH * 2];
    int n = stack ? lc_stack_symbolize(stack, f, LC_MAX_DEPTH * 2) : 0;
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__buf_printf(&b, "%d|", cls);
    for (int i = 0; i < n; i++)
        lc__buf_printf(&b, "%s@%s:%u|", f[i].function ? f[i].function : "?",
                  f[i].file ? f[i].file : (f[i].module ? f[i].module : "?"),
                  f[i].file ? f[i].line : (unsigned)(f[i].address & 0xffff));
    if (!stack)
        lc__buf_printf(&b, "nostack");
    return b.data;
}

/* Groups sites by symbolized key and sums their series. */
static size_t attribution_group(struct attribution *a, struct group **out) {
    struct group *g = lc__xcalloc(a->nsites ? a->nsites : 1, sizeof *g);
    size_t ng = 0;
    for (size_t i = 0; g && i < a->nsites; i++) {
        struct site_series *s = &a->sites[i];
        char *key = stack_key(s->stack, s->cls);
        if (!key)
            continue;
        size_t k = 0;
        while (k < ng && strcmp(g[k].key, key) != 0)
            k++;
        if (k == ng) {
            g[ng].key = key;
            g[ng].stack = s->stack;
            g[ng].cls = s->cls;
            g[ng].blocks = lc__xcalloc(a->capiter, sizeof(int64_t));
            g[ng].bytes = lc__xcalloc(a->capiter, sizeof(int64_t));
            ng++;
        } else {
            lc__xfree(key);
        }
        s->group = (int)k;
        for (unsigned t = 0; t < a->niter && g[k].blocks && g[k].bytes; t++) {
            g[k].blocks[t] += s->blocks[t];
            g[k].bytes[t] += s->bytes[t];
        }
    }
    *out = g;
    return ng;
}

static void groups_free(struct group *g, size_t n) {
    for (size_t i = 0; i < n; i++) {
        lc__xfree(g[i].key);
        lc__xfree(g[i].blocks);
        lc__xfree(g[i].bytes);
    }
    lc__xfree(g);
}

static void attribution_free(struct attribution *a) {
    for (size_t i = 0; i < a->nsites; i++) {
        lc__xfree(a->sites[i].blocks);
        lc__xfree(a->sites[i].bytes);
    }
    lc__xfree(a->sites);
}

/* ---- findings ---- */

static struct lc_finding *add_finding(struct lc_test_result *r, int kind) {
    struct lc_finding *n = lc__xrealloc(r->findings, (r->nfindings + 1) * sizeof *n);
    if (!n)
        return NULL;
    r->findings = n;
    struct lc_finding *f = &n[r->nfindings++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->fd = -1;
    return f;
}

static lc_frame *frames_copy(uint32_t stack, int *n) {
    lc_frame tmp[LC_MAX_DEPTH * 2];
    *n = stack ? lc_stack_symbolize(stack, tmp, LC_MAX_DEPTH * 2) : 0;
    if (!*n)
        return NULL;
    lc_frame *f = lc__xmalloc((size_t)*n * sizeof *f);
    if (f)
        memcpy(f, tmp, (size_t)*n * sizeof *f);
    else
        *n = 0;
    return f;
}

/* Frames inside the C and C++ runtimes (and leakcheck's wrappers) between the
 * allocating call and the code that made it. */
static int runtime_frame(const lc_frame *f) {
    static const char *const libs[] = {"libc.so", "ld-linux", "libstdc++.so", "libgcc_s.so",
                                       "libleakcheck.so"};
    const char *m = f->module ? strrchr(f->module, '/') : NULL;
    m = m ? m + 1 : f->module;
    for (size_t i = 0; m && i < sizeof libs / sizeof libs[0]; i++)
        if (strncmp(m, libs[i], strlen(libs[i])) == 0)
            return 1;
    return 0;
}

/* "function (file:line) <- caller (file:line) <- ..." for the top frames: the
 * innermost frame, then the program's own frames (a leak inside glibc reads
 * "_IO_file_doallocate <- ... <- kvc_load (kvcache.c:308)"). */
void lc__stack_line(struct lc_buf *b, const lc_frame *f, int n, int max) {
    int shown = 0, skipped = 0;
    for (int i = 0; i < n && shown < max; i++) {
        if (i > 0 && runtime_frame(&f[i]) && i + 1 < n) {
            skipped = 1;
            continue;
        }
        const char *file = f[i].file ? strrchr(f[i].file, '/') : NULL;
        file = file ? file + 1 : f[i].file;
        lc__buf_printf(b, "%s%s", i ? (skipped ? " <- ... <- " : " <- ") : "",
                  f[i].function ? f[i].function : "??");
        if (file) {
            lc__buf_printf(b, " (%s:%u)", file, f[i].line);
        } else if (!f[i].function) {
            char where[512];
            lc__buf_printf(b, " (%s)", lc__frame_where(&f[i], where, sizeof where));
        }
        shown++;
        skipped = 0;
        if (shown == max && i + 1 < n)
            lc__buf_printf(b, " <- ...");
    }
    if (n == 0)
        lc__buf_printf(b, "(no stack: LEAKCHECK_STACKS=0)");
}

/* A block glibc allocates for a new thread (its stack's TLS and DTV): part of
 * a thread leak when the test leaks threads, not a memory finding of its own. */
static int thread_creation_cost(const lc_frame *f, int n) {
    for (int i = 0; i < n; i++)
        if (f[i].function && (strcmp(f[i].function, "_dl_allocate_tls") == 0 ||
                              strcmp(f[i].function, "allocate_stack") == 0))
            return 1;
    return 0;
}

/* Rules of the test's .expect plus the suppression rules in force. */
struct rules {
    struct lc_suppression *r;
    size_t n, nexpect;
};

/* Applies the rules to a finding; returns 1 when it is suppressed or expected. */
static int filter_finding(struct lc_test_result *res, struct rules *rules, const char *kind,
                          const char *subject, const lc_frame *frames, int n) {
    struct lc_suppression *s = lc__suppressed(kind, subject, frames, n, rules->r, rules->n);
    if (!s)
        return 0;
    s->hits++;
    char *rule = xsprintf("%s:%s", s->kind, s->pattern);
    int expected = s < rules->r + rules->nexpect;
    for (size_t i = 0; i < res->nsuppressed; i++) {
        if (rule && strcmp(res->suppressed[i].rule, rule) == 0) {
            res->suppressed[i].hits++;
            lc__xfree(rule);
            return 1;
        }
    }
    struct lc_suppression_hit *h =
        lc__xrealloc(res->suppressed, (res->nsuppressed + 1) * sizeof *h);
    if (h) {
        res->suppressed = h;
        h[res->nsuppressed++] = (struct lc_suppression_hit){
            rule, expected ? "expected by the test" : s->why, 1};
    }
    return 1;
}

static int64_t *growth_vector(const int64_t *v, unsigned n) {
    int64_t *g = lc__xmalloc((n ? n : 1) * sizeof *g);
    for (unsigned i = 0; g && i < n; i++)
        g[i] = v[i + 1] - v[i];
    return g;
}

/* ---- the test ---- */

static unsigned resolve_int(int field, long deflt) {
    if (field == LEAKCHECK_NONE)
        return 0;
    return field > 0 ? (unsigned)field : (unsigned)deflt;
}

static int judge_pair(const int64_t *blocks, const int64_t *bytes, unsigned n, int64_t tol,
                      int final, struct lc_judge_info *jb, struct lc_judge_info *jy) {
    int a = lc__judge(blocks, n, 0, final, jb);
    int b = lc__judge(bytes, n, tol, final, jy);
    if (a == LC_J_LEAK || b == LC_J_LEAK)
        return LC_J_LEAK;
    if (a == LC_J_AMBIGUOUS || b == LC_J_AMBIGUOUS)
        return LC_J_AMBIGUOUS;
    return LC_J_CLEAN;
}

void lc_test_run(const char *name, const char *file, unsigned line,
                 void (*body)(void **state), void **state, const lc_test_options *opts) {
    harness_init();
    finish_pending();
    const struct lc_options_values *o = lc__opts();

    lc__guard_enter();
    if (run.ntests == tests_cap) {
        size_t ncap = tests_cap ? tests_cap * 2 : 16;
        struct lc_test_result *n = lc__xrealloc(run.tests, ncap * sizeof *n);
        if (!n) {
            lc__guard_leave();
            fail_msg("leakcheck: out of memory for test results");
            return;
        }
        run.tests = n;
        tests_cap = ncap;
    }
    if (!run.binary)
        run.binary = lc__intern(program_invocation_short_name);
    struct lc_test_result *res = &run.tests[run.ntests];
    memset(res, 0, sizeof *res);
    res->name = lc__intern(name);
    res->group = group_name ? group_name : run.binary;
    res->file = lc__intern(file);
    res->line = line;
    res->verdict = LC_VERDICT_CRASHED;
    res->message = "did not finish (crashed, aborted or killed)";
    cur.index = run.ntests++;
    cur.pending = 1;
    cur.crash_sig = 0;
    cur.skipped = 0;
    write_reports(); /* if the process dies now, the report names this test */

    struct rules rules = {0};
    char err[1024];
    if (opts && opts->expect &&
        lc__rules_parse(opts->expect, "expect", &rules.r, &rules.n, err, sizeof err)) {
        lc__guard_leave();
        cur.pending = 0;
        res->verdict = LC_VERDICT_FAILED;
        res->message = lc__intern(err);
        write_reports();
        fail_msg("%s", err);
        return;
    }
    rules.nexpect = rules.n;
    /* The built-in rules describe what glibc keeps until exit (leakcheck run);
     * a test is judged on growth, and growth inside glibc per iteration (a
     * thread's TLS block, setenv strings) comes from the code under test. */
    size_t nsup;
    struct lc_suppression *sup = lc__suppressions_user(&nsup);
    struct lc_suppression *all = lc__xrealloc(rules.r, (rules.n + nsup) * sizeof *all);
    if (all) {
        memcpy(all + rules.n, sup, nsup * sizeof *all);
        rules.r = all;
        rules.n += nsup;
    }

    struct test_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = opts;
    c.body = body;
    c.state = state;
    c.res = res;
    c.warmup = resolve_int(opts ? opts->warmup : 0, o->warmup);
    c.measured = resolve_int(opts ? opts->iterations : 0, o->iterations);
    if (c.measured < 2)
        c.measured = 2;
    c.max_total = (unsigned)o->max_iterations;
    if (c.max_total < c.measured)
        c.max_total = c.measured;
    c.checks = opts && opts->checks ? opts->checks : o->checks;
    c.tolerance = opts && opts->tolerance ? (opts->tolerance == LEAKCHECK_NONE ? 0 : opts->tolerance)
                                          : o->tolerance;
    if (lc__failsafe_begin(c.checks, err, sizeof err - 1)) { /* never CLEAN unobserved */
        lc__xfree(rules.r);
        lc__harness_refuse(res, err);
        lc__guard_leave();
        lc__cmocka_fail(file, (int)line, strcat(err, "\n"));
        return;
    }
    lc__guard_leave();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = crash_handler;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &sa, &saved_crash[i]);
    sa.sa_handler = abort_handler;
    sigaction(SIGABRT, &sa, &saved_abrt);
    if (saved_abrt.sa_handler == abort_handler) /* never chain to ourselves */
        saved_abrt.sa_handler = SIG_DFL;
    for (size_t i = 0; i < NCRASH; i++)
        if (saved_crash[i].sa_handler == crash_handler)
            saved_crash[i].sa_handler = SIG_DFL;

    double t0 = lc__now();
    lc__fds_reset();
    lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0) {
        lc_scope_end();
        lc_scope_begin(&cfg);
    }
    c.gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    /* no warm-up: the window starts from the empty scope */
    if (c.warmup == 0 && grow_series(&c) == 0) {
        c.blocks[0][0] = c.blocks[1][0] = c.bytes[0][0] = c.bytes[1][0] = 0;
        c.threads[0] = 0;
        lc__guard_enter();
        c.fds[0] = count_dir("/proc/self/fd") - 1;
        lc__guard_leave();
        c.nseries = 1;
    }
    for (unsigned i = 0; i < c.warmup; i++)
        run_iteration(&c, i + 1 == c.warmup);
    struct lc_fdset fd_base = {0};
    lc__guard_enter();
    lc__fds_snapshot(&fd_base);
    lc__guard_leave();

    /* counting pass */
    struct lc_judge_info jb[2], jy[2], jt, jf;
    int mem_j = LC_J_CLEAN, thr_j = LC_J_CLEAN, fd_j = LC_J_CLEAN;
    unsigned measured = 0;
    for (;;) {
        run_iteration(&c, 1);
        measured++;
        if (measured < c.measured)
            continue;
        unsigned n = c.nseries - 1;
        int final = measured >= c.max_total;
        mem_j = LC_J_CLEAN;
        if (c.checks & LC_CHECK_MEMORY) {
            for (int k = 0; k < 2; k++) {
                int j = judge_pair(c.blocks[k], c.bytes[k], n, c.tolerance, final, &jb[k], &jy[k]);
                if (j == LC_J_LEAK || (j == LC_J_AMBIGUOUS && mem_j == LC_J_CLEAN))
                    mem_j = j;
            }
        }
        thr_j = c.checks & LC_CHECK_THREADS ? lc__judge(c.threads, n, 0, final, &jt) : LC_J_CLEAN;
        fd_j = c.checks & LC_CHECK_FDS ? lc__judge(c.fds, n, 0, final, &jf) : LC_J_CLEAN;
        if (final || (mem_j != LC_J_AMBIGUOUS && thr_j != LC_J_AMBIGUOUS && fd_j != LC_J_AMBIGUOUS))
            break;
    }
    res->warmup = c.warmup;
    res->measured = c.measured;
    res->extended = measured - c.measured;
    /* Threads and fds are judged on the counting pass only: attribution
     * iterations (run when memory grows) would add their own copies. */
    unsigned counting_end = c.iter;
    struct lc_fdset fd_end = {0};
    if ((c.checks & LC_CHECK_FDS) && fd_j == LC_J_LEAK) {
        lc__guard_enter();
        lc__fds_snapshot(&fd_end);
        lc__guard_leave();
    }

    /* memory attribution pass: which stacks grow */
    struct group *groups = NULL;
    size_t ngroups = 0;
    struct attribution at = {0};
    int attributed = 0;
    if (mem_j == LC_J_LEAK && lc__st.stacks_allowed) {
        attributed = 1;
        at.capiter = c.max_total + 2;
        lc_scope_set_stacks(1);
        attribution_sample(&at);
        unsigned extra = 0;
        for (;;) {
            run_iteration(&c, 0);
            attribution_sample(&at);
            extra++;
            if (extra < c.measured)
                continue;
            groups_free(groups, ngroups);
            ngroups = attribution_group(&at, &groups);
            int final = extra >= c.max_total, ambiguous = 0;
            for (size_t g = 0; g < ngroups; g++) {
                int j = judge_pair(groups[g].blocks, groups[g].bytes, at.niter - 1, c.tolerance,
                                   final, &groups[g].jb, &groups[g].jy);
                groups[g].leak = j == LC_J_LEAK;
                ambiguous |= j == LC_J_AMBIGUOUS;
            }
            if (final || !ambiguous)
                break;
        }
        lc_scope_set_stacks(0);
        /* The growth may be spread over stacks that each appear once (a
         * recursion of varying depth, a callback table): if no single site
         * grows but the sites together do, report the ones that grew. */
        int any = 0;
        for (size_t g = 0; g < ngroups; g++)
            any |= groups[g].leak;
        if (!any && ngroups && at.niter > 1) {
            unsigned n = at.niter - 1;
            int64_t *sum_b = lc__xcalloc(n + 1, sizeof(int64_t));
            int64_t *sum_y = lc__xcalloc(n + 1, sizeof(int64_t));
            for (size_t g = 0; sum_b && sum_y && g < ngroups; g++)
                for (unsigned t = 0; t <= n; t++) {
                    sum_b[t] += groups[g].blocks[t];
                    sum_y[t] += groups[g].bytes[t];
                }
            struct lc_judge_info ib, iy;
            if (sum_b && sum_y &&
                judge_pair(sum_b, sum_y, n, c.tolerance, 1, &ib, &iy) == LC_J_LEAK)
                for (size_t g = 0; g < ngroups; g++)
                    groups[g].leak = groups[g].blocks[n] > groups[g].blocks[0] ||
                                     groups[g].bytes[n] - groups[g].bytes[0] > c.tolerance;
            lc__xfree(sum_b);
            lc__xfree(sum_y);
        }
    }

    /* threads started during measured iterations that are still running get a
     * settle period with backoff: one that is exiting must not count as running,
     * and a detached one that exits is no leak at all */
    lc__guard_enter();
    if (c.checks & LC_CHECK_THREADS) {
        long waited = 0;
        for (unsigned k = 0; waited < o->settle_ms * 1000L; k++) {
            size_t nr;
            struct lc_thread_rec *tr = lc__registry(&nr);
            int busy = 0;
            for (size_t i = 0; i < nr; i++)
                if (tr[i].used && tr[i].gen == c.gen && tr[i].attributed &&
                    tr[i].iteration >= c.warmup && !tr[i].joined &&
                    !__atomic_load_n(&tr[i].exited, __ATOMIC_ACQUIRE))
                    busy = 1;
            if (!busy)
                break;
            long us = 1L << (k < 17 ? k : 17);
            if (us > 100000)
                us = 100000;
            struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
            nanosleep(&ts, NULL);
            waited += us;
        }
    }
    lc__guard_leave();

    /* collect findings (with tracking still on: the registry and fd
     * attributions belong to this scope), then end the scope */
    lc__guard_enter();
    uint64_t grow_blocks = 0, grow_bytes = 0;
    unsigned per_iter_n = 0;
    if (attributed) {
        for (size_t g = 0; g < ngroups; g++) {
            if (!groups[g].leak)
                continue;
            int nf;
            lc_frame *fr = frames_copy(groups[g].stack, &nf);
            if (filter_finding(res, &rules, "leak", NULL, fr, nf)) {
                lc__xfree(fr);
                continue;
            }
            struct lc_finding *f = add_finding(res, LC_FINDING_MEMORY);
            if (!f)
                break;
            unsigned n = at.niter - 1;
            f->ngrowth = n;
            f->growth_blocks = growth_vector(groups[g].blocks, n);
            f->growth_bytes = growth_vector(groups[g].bytes, n);
            f->blocks = (uint64_t)groups[g].blocks[n];
            f->bytes = (uint64_t)groups[g].bytes[n];
            f->stack = fr;
            f->nstack = nf;
            int64_t db = groups[g].blocks[n] - groups[g].blocks[0];
            int64_t dy = groups[g].bytes[n] - groups[g].bytes[0];
            struct lc_buf b;
            lc__buf_init(&b, lc__xrealloc, lc__xfree);
            char r1[32], r2[32];
            lc__buf_printf(&b, "%s block%s/iter, %s B/iter%s  ", rate(r1, sizeof r1, (double)db / n),
                      db == (int64_t)n ? "" : "s", rate(r2, sizeof r2, (double)dy / n),
                      groups[g].cls == LC_BACKGROUND ? " (background thread)" : "");
            lc__stack_line(&b, fr, nf, 4);
            f->summary = b.data;
            if (db > 0)
                grow_blocks += (uint64_t)db;
            if (dy > 0)
                grow_bytes += (uint64_t)dy;
            per_iter_n = n;
        }
    } else if (mem_j == LC_J_LEAK) {
        /* stacks are off: one finding per class with the aggregate growth */
        for (int k = 0; k < 2; k++) {
            unsigned n = c.nseries - 1;
            int64_t db = c.blocks[k][n] - c.blocks[k][0], dy = c.bytes[k][n] - c.bytes[k][0];
            if (jb[k].judgement != LC_J_LEAK && jy[k].judgement != LC_J_LEAK)
                continue;
            struct lc_finding *f = add_finding(res, LC_FINDING_MEMORY);
            if (!f)
                break;
            f->ngrowth = n;
            f->growth_blocks = growth_vector(c.blocks[k], n);
            f->growth_bytes = growth_vector(c.bytes[k], n);
            f->blocks = (uint64_t)(db > 0 ? db : 0);
            f->bytes = (uint64_t)(dy > 0 ? dy : 0);
            char r1[32], r2[32];
            f->summary = xsprintf("%s blocks/iter, %s B/iter%s (no stacks: "
                                  "LEAKCHECK_STACKS=0)",
                                  rate(r1, sizeof r1, (double)db / n),
                                  rate(r2, sizeof r2, (double)dy / n),
                                  k ? " on background threads" : "");
            if (db > 0)
                grow_blocks += (uint64_t)db;
            if (dy > 0)
                grow_bytes += (uint64_t)dy;
            per_iter_n = n;
        }
    }

    /* threads */
    unsigned leaked_threads = 0;
    if (c.checks & LC_CHECK_THREADS) {
        size_t nr;
        struct lc_thread_rec *tr = lc__registry(&nr);
        for (size_t i = 0; i < nr; i++) {
            struct lc_thread_rec *t = &tr[i];
            if (!t->used || t->gen != c.gen || !t->attributed || t->iteration < c.warmup ||
                t->iteration >= counting_end)
                continue;
            int exited = __atomic_load_n(&t->exited, __ATOMIC_ACQUIRE);
            const char *state_name = NULL;
            if (!exited && !t->joined)
                state_name = "running";
            else if (exited && !t->joined && !t->detached)
                state_name = "exited-unjoined";
            if (!state_name)
                continue;
            char comm[64] = "", path[64];
            if (exited)
                snprintf(comm, sizeof comm, "%s", t->name);
            else {
                snprintf(path, sizeof path, "/proc/self/task/%d/comm", t->tid);
                FILE *fp = fopen(path, "r");
                if (fp) {
                    if (fgets(comm, sizeof comm, fp))
                        comm[strcspn(comm, "\n")] = 0;
                    fclose(fp);
                }
            }
            int nf;
            lc_frame *fr = frames_copy(t->stack, &nf);
            if (filter_finding(res, &rules, "thread", comm[0] ? comm : NULL, fr, nf)) {
                lc__xfree(fr);
                continue;
            }
            struct lc_finding *f = add_finding(res, LC_FINDING_THREAD);
            if (!f)
                break;
            f->stack = fr;
            f->nstack = nf;
            f->thread_name = comm[0] ? lc__intern(comm) : NULL;
            f->thread_tid = t->tid;
            f->thread_state = state_name;
            f->ngrowth = c.nseries - 1;
            f->growth_blocks = growth_vector(c.threads, c.nseries - 1);
            if (!exited) {
                uintptr_t pcs[LC_MAX_DEPTH];
                int np = lc__thread_current_stack(t->th, (int)o->stack_signal, pcs, LC_MAX_DEPTH);
                if (np > 0) {
                    lc_frame tmp[LC_MAX_DEPTH * 2];
                    int nt = lc__symbolize_pcs(pcs, np, tmp, LC_MAX_DEPTH * 2);
                    f->current_stack = lc__xmalloc((size_t)nt * sizeof(lc_frame));
                    if (f->current_stack) {
                        memcpy(f->current_stack, tmp, (size_t)nt * sizeof(lc_frame));
                        f->ncurrent = nt;
                    }
                }
            }
            struct lc_buf b;
            lc__buf_init(&b, lc__xrealloc, lc__xfree);
            lc__buf_printf(&b, "thread ");
            if (f->thread_name)
                lc__buf_printf(&b, "'%s' ", f->thread_name);
            lc__buf_printf(&b, "(tid %d, %s, started in iteration %u) created at ", t->tid,
                      state_name, t->iteration);
            lc__stack_line(&b, fr, nf, 4);
            f->summary = b.data;
            leaked_threads++;
        }
    }

    /* A thread's stack, TLS block and DTV come from glibc's thread stack cache
     * (up to 40 MiB is kept for reuse, so they grow while threads exit late).
     * For a leaked thread they are the thread leak, reported above; otherwise
     * they are the cache, not the code under test. */
    {
        size_t w = 0;
        for (size_t i = 0; i < res->nfindings; i++) {
            struct lc_finding *f = &res->findings[i];
            if (f->kind == LC_FINDING_MEMORY && thread_creation_cost(f->stack, f->nstack)) {
                if (!leaked_threads) {
                    struct lc_suppression_hit *h = lc__xrealloc(
                        res->suppressed, (res->nsuppressed + 1) * sizeof *h);
                    if (h) {
                        res->suppressed = h;
                        h[res->nsuppressed++] = (struct lc_suppression_hit){
                            "leak:_dl_allocate_tls",
                            "glibc's thread stack cache (stacks, TLS, DTV kept for reuse)", 1};
                    }
                }
                int64_t db = 0, dy = 0;
                for (unsigned k = 0; k < f->ngrowth; k++) {
                    db += f->growth_blocks ? f->growth_blocks[k] : 0;
                    dy += f->growth_bytes ? f->growth_bytes[k] : 0;
                }
                grow_blocks -= db > 0 && (uint64_t)db <= grow_blocks ? (uint64_t)db : 0;
                grow_bytes -= dy > 0 && (uint64_t)dy <= grow_bytes ? (uint64_t)dy : 0;
                lc__xfree(f->growth_blocks);
                lc__xfree(f->growth_bytes);
                lc__xfree(f->stack);
                continue;
            }
            res->findings[w++] = *f;
        }
        res->nfindings = w;
    }

    /* fds: the series grew; report what was opened since the end of warm-up */
    unsigned leaked_fds = 0;
    if ((c.checks & LC_CHECK_FDS) && fd_j == LC_J_LEAK) {
        struct lc_fd_entry *added = NULL;
        size_t nadded = lc__fds_added(&fd_base, &fd_end, &added);
        for (size_t i = 0; i < nadded; i++) {
            int nf;
            lc_frame *fr = frames_copy(added[i].stack, &nf);
            if (filter_finding(res, &rules, "fd", added[i].target, fr, nf)) {
                lc__xfree(fr);
                continue;
            }
            struct lc_finding *f = add_finding(res, LC_FINDING_FD);
            if (!f)
                break;
            f->fd = added[i].fd;
            f->fd_target = added[i].target;
            f->stack = fr;
            f->nstack = nf;
            f->ngrowth = c.nseries - 1;
            f->growth_blocks = growth_vector(c.fds, c.nseries - 1);
            struct lc_buf b;
            lc__buf_init(&b, lc__xrealloc, lc__xfree);
            lc__buf_printf(&b, "fd %d -> %s opened at ", added[i].fd,
                      added[i].target ? added[i].target : "?");
            if (nf)
                lc__stack_line(&b, fr, nf, 4);
            else
                lc__buf_printf(&b, "(not attributed: opened by a call leakcheck does not wrap)");
            f->summary = b.data;
            leaked_fds++;
        }
        lc__xfree(added);
    }
    lc__fdset_free(&fd_end);
    lc__fdset_free(&fd_base);
    lc__guard_leave();

    lc_scope_end();
    lc__fds_reset();
    restore_signals();

    /* verdict and message */
    lc__guard_enter();
    res->duration = lc__now() - t0;
    res->series = c.snaps;
    res->nseries = c.nsnaps;
    /* extended: the extra judged iterations plus the attribution iterations */
    if (c.nsnaps > (size_t)c.warmup + c.measured)
        res->extended = (unsigned)(c.nsnaps - c.warmup - c.measured);
    unsigned total_measured = measured;
    int leak = res->nfindings > 0;
    res->verdict = leak ? LC_VERDICT_LEAK : LC_VERDICT_CLEAN;
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    if (!leak && res->nsuppressed) {
        size_t hits = 0;
        for (size_t i = 0; i < res->nsuppressed; i++)
            hits += res->suppressed[i].hits;
        lc__buf_printf(&m, "growth only at expected or suppressed sites (%zu finding%s, rule %s)",
                  hits, hits == 1 ? "" : "s", res->suppressed[0].rule);
    } else if (!leak && attributed) {
        lc__buf_printf(&m, "no site keeps growing (the growth seen over %u measured iterations "
                  "stopped within %u attribution iterations)",
                  total_measured, at.niter ? at.niter - 1 : 0);
    } else if (!leak) {
        lc__buf_printf(&m, "no growth over %u measured iteration%s", total_measured,
                  total_measured == 1 ? "" : "s");
    } else {
        const char *sep = "";
        if (grow_blocks || grow_bytes) {
            char r1[32], r2[32];
            lc__buf_printf(&m, "%s block%s, %s B per iteration",
                      rate(r1, sizeof r1, (double)grow_blocks / per_iter_n),
                      grow_blocks == per_iter_n ? "" : "s",
                      rate(r2, sizeof r2, (double)grow_bytes / per_iter_n));
            sep = "; ";
        }
        if (leaked_threads) {
            lc__buf_printf(&m, "%s%u thread%s left running or unjoined", sep, leaked_threads,
                      leaked_threads == 1 ? "" : "s");
            sep = "; ";
        }
        if (leaked_fds)
            lc__buf_printf(&m, "%s%u fd%s left open", sep, leaked_fds, leaked_fds == 1 ? "" : "s");
        lc__buf_printf(&m, " (%u measured iteration%s%s)", total_measured,
                  total_measured == 1 ? "" : "s", attributed ? ", growth attributed with stacks" : "");
    }
    res->message = m.data;
    lc__bench_judge_test(res, opts ? &opts->budget : NULL);
    if (leak) {
        struct lc_buf d;
        lc__buf_init(&d, lc__xrealloc, lc__xfree);
        size_t shown = 0;
        for (size_t i = 0; i < res->nfindings && shown < (size_t)o->top; i++, shown++)
            lc__buf_printf(&d, "    %s\n", res->findings[i].summary);
        if (res->nfindings > shown)
            lc__buf_printf(&d, "    ... %zu more in the reports\n", res->nfindings - shown);
        res->details = d.data;
    }
    lc__xfree(rules.r);
    groups_free(groups, ngroups);
    attribution_free(&at);
    for (int k = 0; k < 2; k++) {
        lc__xfree(c.blocks[k]);
        lc__xfree(c.bytes[k]);
    }
    lc__xfree(c.threads);
    lc__xfree(c.fds);
    if (lc__failsafe_end(err, sizeof err)) { /* allocations went unrecorded */
        res->verdict = LC_VERDICT_FAILED;
        res->failure_type = "tracker";
        res->message = lc__intern(err);
    }
    cur.pending = 0;
    console_line(res);
    write_reports();
    lc__guard_leave();

    if (res->verdict != LC_VERDICT_CLEAN) {
        struct lc_buf msg;
        lc__buf_init(&msg, lc__xrealloc, lc__xfree);
        lc__buf_puts(&msg, "leakcheck: ");
        lc__buf_put_console(&msg, res->name);
        lc__buf_printf(&msg, ": %s\n%s", res->message, res->details ? res->details : "");
        lc__cmocka_fail(file, (int)line, msg.data ? msg.data : "leakcheck: leak\n");
    }
}
