/* bench.c: benchmarks (LEAKCHECK_BENCH, lc_bench_run), allocation-free
 * regions and lc_allocs_per_run. Not on the hook path: the only hook-side part of regions is the TLS check
 * in hooks.c's on_alloc.
 *
 * A benchmark runs in one counting scope (no stacks): a warm-up call, a check
 * run of n/2 ops, then the measured run of n ops, each bracketed by attributed
 * counters, so a thread that was running before (a fixture's, a library's)
 * never moves the figures. Per op = total / n. A body whose totals are not
 * proportional to n (the check run against the measured one) allocates
 * differently per op: its mean is reported and flagged as data-dependent.
 *
 * Budgets and the baseline are judged in gate.c, for benchmarks and tests
 * alike; results, the console and the reports are the session's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "cmocka_glue.h"
#include "console.h"
#include "gate.h"
#include "leakcheck/leakcheck.h"
#include "options.h"
#include "report.h"
#include "sanitizer.h"
#include "session.h"
#include "xml.h"


/* ---- text: messages are built in glibc's heap (untracked), kept for the run ---- */

/* "fn (file:line) <- fn (file:line) <- ..." for a depot stack. */
static void tb_stack(struct lc_buf *b, uint32_t stack, int max) {
    lc_frame f[LC_MAX_DEPTH * 2];
    int n = stack ? lc_stack_symbolize(stack, f, LC_MAX_DEPTH * 2) : 0;
    lc__stack_line(b, f, n, max);
}


/* ---- allocation-free regions ---- */

static int noalloc_owns_scope; /* the outermost begin opened the scope */

static void bench_settle(void);

void lc_noalloc_begin(void) {
    struct lc_tls *t = &lc__tls;
    if (t->noalloc++ > 0)
        return;
    lc__session_on_settle(bench_settle);
    lc__guard_enter();
    t->noalloc_count = 0;
    t->noalloc_stack = 0;
    t->noalloc_size = 0;
    if (!lc_scope_active()) {
        lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
        noalloc_owns_scope = lc_scope_begin(&cfg) == 0;
    }
    /* libunwind's first trace on a thread sets up state and may allocate: do
     * it now, not at the first violation */
    if (lc__st.stacks_allowed)
        lc__stack_capture(1);
    lc__guard_leave();
}

unsigned long lc_noalloc_end(void) {
    struct lc_tls *t = &lc__tls;
    if (t->noalloc <= 0)
        return 0;
    if (--t->noalloc == 0 && noalloc_owns_scope) {
        noalloc_owns_scope = 0;
        lc_scope_end();
    }
    return (unsigned long)t->noalloc_count;
}

uint32_t lc_noalloc_stack(uint64_t *bytes) {
    if (bytes)
        *bytes = lc__tls.noalloc_count ? lc__tls.noalloc_size : 0;
    return lc__tls.noalloc_count ? lc__tls.noalloc_stack : 0;
}

void lc_noalloc_end_check(const char *file, unsigned line) {
    unsigned long n = lc_noalloc_end();
    if (lc__malloc_unobserved()) /* 0 allocations: unseen, not none */
        lc__cmocka_fail(file, (int)line, lc__malloc_unobserved_text());
    if (!n)
        return;
    lc__guard_enter();
    uint64_t size;
    uint32_t stack = lc_noalloc_stack(&size);
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    lc__buf_printf(&m,
              "leakcheck: %lu allocation%s inside the allocation-free region at %s:%u; the "
              "first, %llu B, at:\n    ",
              n, n == 1 ? "" : "s", file, line, (unsigned long long)size);
    tb_stack(&m, stack, 8);
    lc__buf_printf(&m, "\n");
    lc__guard_leave();
    lc__cmocka_fail(file, (int)line,
                    m.data ? m.data : "leakcheck: allocation inside an allocation-free region\n");
}

/* ---- allocs per run ---- */

double lc_allocs_per_run(unsigned runs, void (*fn)(void *arg), void *arg) {
    if (!fn)
        return -1;
    if (runs == 0)
        runs = 1;
    int own = 0;
    if (!lc_scope_active()) {
        lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
        if (lc_scope_begin(&cfg) != 0)
            return -1;
        own = 1;
    }
    fn(arg); /* warm-up: lazy initialisation is not a per-run cost */
    lc_counters a, b;
    lc_scope_counters(&a, LEAKCHECK_ATTRIBUTED);
    for (unsigned i = 0; i < runs; i++)
        fn(arg);
    lc_scope_counters(&b, LEAKCHECK_ATTRIBUTED);
    if (own)
        lc_scope_end();
    return (double)(b.allocs - a.allocs) / runs;
}

/* ---- benchmarks ---- */

static size_t bench_n_now = 1;

size_t lc_bench_n(void) { return bench_n_now; }

/* The benchmark in progress; `pending` stays set when its body longjmps out
 * (an assertion, a crash, skip()). */
static struct {
    int pending;
    size_t index; /* in run->benchmarks */
} bcur;

#define DNF_MESSAGE                                                                        \
    "did not finish (failed an assertion, crashed or was skipped: see above)"

/* Settles a benchmark whose body longjmped out (it stays "did not finish")
 * and closes an allocation-free region left open the same way; run by
 * lc__session_settle before every test and benchmark. */
static void bench_settle(void) {
    struct lc_tls *t = &lc__tls;
    if (t->noalloc > 0) {
        /* a region left by a longjmp (a failed assertion inside it) */
        t->noalloc = 0;
        if (noalloc_owns_scope) {
            noalloc_owns_scope = 0;
            lc_scope_end();
        }
    }
    if (!bcur.pending)
        return;
    bcur.pending = 0;
    bench_n_now = 1;
    t->guard = 0; /* a crash inside a hook may have left it up */
    lc_scope_end();
    lc__guard_enter();
    struct lc_bench_result *b = &lc__session_run()->benchmarks[bcur.index];
    lc__console_bench(b);
    lc__session_write_reports();
    lc__guard_leave();
}

/* The call into a benchmark body: like the harness's, stack capture stops at
 * this frame, so a zero-budget violation's stack ends at the body. */
LC_BODY_TEXT static void call_bench_body(void (*body)(void **), void **state) {
    body(state);
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}

struct bench_call {
    uint64_t allocs, frees, bytes, bytes_freed;
    uint64_t live_before, peak;
    double seconds;
};

static void bench_call(void (*body)(void **), void **state, const lc_bench_options *opts,
                       size_t n, struct bench_call *out) {
    lc_counters a, b;
    if (opts && opts->setup)
        opts->setup(state);
    bench_n_now = n;
    lc_scope_peak_reset();
    lc_scope_counters(&a, LEAKCHECK_ATTRIBUTED);
    double t0 = lc__now();
    call_bench_body(body, state);
    double t1 = lc__now();
    lc_scope_counters(&b, LEAKCHECK_ATTRIBUTED);
    bench_n_now = 1;
    if (opts && opts->teardown)
        opts->teardown(state);
    out->allocs = b.allocs - a.allocs;
    out->frees = b.frees - a.frees;
    out->bytes = b.bytes_allocated - a.bytes_allocated;
    out->bytes_freed = b.bytes_freed - a.bytes_freed;
    out->live_before = a.live_bytes;
    out->peak = b.peak_bytes > a.live_bytes ? b.peak_bytes - a.live_bytes : 0;
    out->seconds = t1 - t0;
}

/* The largest 1, 2 or 5 x 10^k not above x (at least 1). */
static uint64_t round_down_125(double x) {
    uint64_t p = 1;
    while ((double)p * 10 <= x && p < 1000000000000ull)
        p *= 10;
    if ((double)p * 5 <= x)
        return p * 5;
    if ((double)p * 2 <= x)
        return p * 2;
    return p;
}

/* 1 when totals x over n1 ops and y over n2 ops give different per-op values. */
static int per_op_differs(uint64_t x, uint64_t n1, uint64_t y, uint64_t n2) {
    return (unsigned __int128)x * n2 != (unsigned __int128)y * n1;
}

static void scope_begin_counting(void) {
    lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0) {
        lc_scope_end(); /* left active by a body that longjmped out */
        lc_scope_begin(&cfg);
    }
}

void lc_bench_run(const char *name, const char *file, unsigned line,
                  void (*body)(void **state), void **state, const lc_bench_options *opts) {
    if (lc__cmocka_judging_plain()) {
        /* called by a plain test the engine is judging (LEAKCHECK_CMOCKA):
         * one op inside that test's iteration, not a benchmark of its own */
        if (opts && opts->setup)
            opts->setup(state);
        call_bench_body(body, state);
        if (opts && opts->teardown)
            opts->teardown(state);
        return;
    }
    lc__session_on_settle(bench_settle);
    lc__session_prepare();
    lc__baseline_load();
    const struct lc_options_values *o = lc__opts();

    lc__guard_enter();
    struct lc_run *run = lc__session_run();
    if (!run->binary)
        run->binary = lc__intern(program_invocation_short_name);
    struct lc_bench_result *nb =
        lc__xrealloc(run->benchmarks, (run->nbenchmarks + 1) * sizeof *nb);
    if (!nb) {
        lc__guard_leave();
        fail_msg("leakcheck: out of memory for benchmark results");
        return;
    }
    run->benchmarks = nb;
    size_t idx = run->nbenchmarks++;
    struct lc_bench_result *res = &run->benchmarks[idx];
    memset(res, 0, sizeof *res);
    res->name = lc__intern(name);
    res->group = lc__session_group() ? lc__session_group() : run->binary;
    res->file = lc__intern(file);
    res->line = line;
    res->failed = 1;
    res->message = DNF_MESSAGE;
    bcur.pending = 1;
    bcur.index = idx;
    lc__session_write_reports(); /* if the process dies now, the report names it */
    const char *unobserved = lc__malloc_unobserved(); /* 0 allocs/op would be a lie */
    if (unobserved) {
        bcur.pending = 0;
        res->message = unobserved;
        lc__session_write_reports();
        lc__guard_leave();
        lc__cmocka_fail(file, (int)line, lc__malloc_unobserved_text());
    }
    lc__guard_leave();

    uint64_t n = opts && opts->n > 0 ? (uint64_t)opts->n : (uint64_t)o->bench_n;
    uint64_t warmup = !opts || opts->warmup == 0 ? 1
                      : opts->warmup < 0         ? 0
                                                 : (uint64_t)opts->warmup;

    scope_begin_counting();
    struct bench_call w = {0}, chk, m;
    int lowered = 0;
    if (warmup)
        bench_call(body, state, opts, warmup, &w);
    /* With LEAKCHECK_BENCH_TIME_MS a slow body gets a smaller n, unless the
     * benchmark fixed it: the check and measured runs together do 1.5 n ops.
     * Off by default: n must not depend on the machine's load, or a baseline
     * could no longer compare peaks and data-dependent means exactly. */
    if (!(opts && opts->n > 0) && o->bench_time_ms > 0 && warmup && w.seconds > 0) {
        double per_op = w.seconds / (double)warmup;
        double limit = (double)o->bench_time_ms / 1e3;
        if (per_op * 1.5 * (double)n > limit) {
            /* One warm-up op may be mostly a per-call cost (a thread started
             * per call): a probe of more ops, bounded by a quarter of the
             * limit, spreads it before n is lowered. */
            double k = limit / 4 / per_op;
            uint64_t nk = k < 1 ? 1 : k > (double)(n / 2) ? n / 2 : (uint64_t)k;
            struct bench_call probe;
            bench_call(body, state, opts, nk ? nk : 1, &probe);
            per_op = probe.seconds / (double)(nk ? nk : 1);
        }
        if (per_op * 1.5 * (double)n > limit) {
            uint64_t nn = round_down_125(limit / (1.5 * per_op));
            if (nn < n) {
                n = nn;
                lowered = 1;
            }
        }
    }
    uint64_t nc = n >= 2 ? n / 2 : 1;
    bench_call(body, state, opts, nc, &chk);
    bench_call(body, state, opts, n, &m);
    lc_scope_end();

    lc__guard_enter();
    res = &lc__session_run()->benchmarks[idx];
    res->n = n;
    res->allocs_per_op = (double)m.allocs / (double)n;
    res->frees_per_op = (double)m.frees / (double)n;
    res->bytes_per_op = (double)m.bytes / (double)n;
    res->peak_bytes = m.peak;
    res->net_blocks = (int64_t)m.allocs - (int64_t)m.frees;
    res->net_bytes = (int64_t)m.bytes - (int64_t)m.bytes_freed;
    res->ns_per_op = m.seconds * 1e9 / (double)n;
    res->data_dependent = per_op_differs(chk.allocs, nc, m.allocs, n) ||
                          per_op_differs(chk.frees, nc, m.frees, n) ||
                          per_op_differs(chk.bytes, nc, m.bytes, n);
    res->failed = 0;
    res->message = NULL;

    struct lc_buf fail, note;
    lc__buf_init(&fail, lc__xrealloc, lc__xfree);
    lc__buf_init(&note, lc__xrealloc, lc__xfree);
    const lc_budget *bud = opts ? &opts->budget : NULL;
    if (bud)
        lc__budget_judge(&fail, bud, "/op", res->allocs_per_op, res->bytes_per_op,
                     (double)res->peak_bytes);
    if (lc__baseline_active()) {
        lc__json_enter();
        lc__baseline_judge(LC_BL_BENCH, res->group, res->name, lc__bl_bench_entry(res), &fail, &note);
        lc__json_leave();
    }
    if (res->data_dependent) {
        char a1[64], a2[64];
        lc__bl_num((double)chk.allocs / (double)nc, a1, sizeof a1);
        lc__bl_num(res->allocs_per_op, a2, sizeof a2);
        struct lc_buf t;
        lc__buf_init(&t, lc__xrealloc, lc__xfree);
        lc__buf_printf(&t,
                  "data-dependent: allocations per op vary (%s allocs/op over %llu ops, %s "
                  "over %llu); the mean of the measured run is reported",
                  a1, (unsigned long long)nc, a2, (unsigned long long)n);
        lc__clause(&note, t.data);
        lc__xfree(t.data);
    }
    if (lowered) {
        struct lc_buf t;
        lc__buf_init(&t, lc__xrealloc, lc__xfree);
        lc__buf_printf(&t, "n lowered to %llu to fit LEAKCHECK_BENCH_TIME_MS=%ld",
                  (unsigned long long)n, o->bench_time_ms);
        lc__clause(&note, t.data);
        lc__xfree(t.data);
    }
    lc__guard_leave();

    /* A zero allocation budget exceeded: one more op inside an allocation-free
     * region names the first allocation's stack. */
    if (bud && bud->allocs < 0 && m.allocs > 0) {
        scope_begin_counting();
        if (opts->setup)
            opts->setup(state);
        lc_noalloc_begin();
        bench_n_now = 1;
        call_bench_body(body, state);
        bench_n_now = 1;
        unsigned long v = lc_noalloc_end();
        if (opts->teardown)
            opts->teardown(state);
        lc_scope_end();
        lc__guard_enter();
        uint64_t size;
        uint32_t stack = lc_noalloc_stack(&size);
        if (v) {
            struct lc_buf t;
            lc__buf_init(&t, lc__xrealloc, lc__xfree);
            lc__buf_printf(&t, "the first allocation of an op, %llu B, at ",
                      (unsigned long long)size);
            tb_stack(&t, stack, 8);
            lc__clause(&fail, t.data);
            lc__xfree(t.data);
        }
        lc__guard_leave();
    }

    lc__guard_enter();
    res = &lc__session_run()->benchmarks[idx];
    if (fail.len || note.len) {
        struct lc_buf t;
        lc__buf_init(&t, lc__xrealloc, lc__xfree);
        lc__buf_printf(&t, "%s", fail.len ? fail.data : "");
        if (note.len)
            lc__clause(&t, note.data);
        res->message = t.data;
    }
    res->failed = fail.len > 0;
    bcur.pending = 0;
    lc__console_bench(res);
    lc__session_write_reports();
    lc__xfree(fail.data);
    lc__xfree(note.data);
    lc__guard_leave();
    if (res->failed) {
        struct lc_buf msg;
        lc__buf_init(&msg, lc__xrealloc, lc__xfree);
        lc__buf_printf(&msg, "leakcheck: %s: %s\n", res->name, res->message);
        lc__cmocka_fail(file, (int)line, msg.data ? msg.data : "leakcheck: over budget\n");
    }
}
