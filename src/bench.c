/* bench.c: benchmarks (LEAKCHECK_BENCH, lc_bench_run), allocation budgets of
 * benchmarks and tests, allocation-free regions, lc_allocs_per_run, and the
 * baseline gate (LEAKCHECK_BASELINE, LEAKCHECK_BASELINE_UPDATE) for both.
 * Not on the hook path: the only hook-side part of regions is the TLS check
 * in hooks.c's on_alloc.
 *
 * A benchmark runs in one counting scope (no stacks): a warm-up call, a check
 * run of n/2 ops, then the measured run of n ops, each bracketed by attributed
 * counters, so a thread that was running before (a fixture's, a library's)
 * never moves the figures. Per op = total / n. A body whose totals are not
 * proportional to n (the check run against the measured one) allocates
 * differently per op: its mean is reported and flagged as data-dependent.
 *
 * Tests are judged by lc__bench_judge_test, which the harness calls once a
 * test's verdict is known: the largest measured iteration against the budget
 * and against the baseline entry. A budget exceeded or a baseline regression
 * fails the test (verdict "failed" unless it leaked). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "harness.h"
#include "xml.h"
#include "leakcheck/leakcheck.h"
#include "options.h"
#include "report.h"


/* ---- text: messages are built in glibc's heap (untracked), kept for the run ---- */

/* Appends one clause to a "; "-separated one-line message. */
static void tb_clause(struct lc_buf *b, const char *text) {
    lc__buf_printf(b, "%s%s", b->len ? "; " : "", text);
}

/* "fn (file:line) <- fn (file:line) <- ..." for a depot stack. */
static void tb_stack(struct lc_buf *b, uint32_t stack, int max) {
    lc_frame f[LC_MAX_DEPTH * 2];
    int n = stack ? lc_stack_symbolize(stack, f, LC_MAX_DEPTH * 2) : 0;
    lc__stack_line(b, f, n, max);
}


/* ---- the baseline ---- */

enum { BL_OFF = 0, BL_MISSING, BL_OK, BL_BAD };

static struct {
    int loaded;
    int state;
    int update; /* LEAKCHECK_BASELINE_UPDATE: write, do not gate */
    char path[4096];
    json_t *doc; /* BL_OK, or BL_MISSING when updating */
    unsigned regressions, improvements, added, written;
    int write_failed;
} bl;

void lc__baseline_load(void) {
    if (bl.loaded)
        return;
    bl.loaded = 1;
    const struct lc_options_values *o = lc__opts();
    if (!o->baseline || !*o->baseline)
        return;
    lc__guard_enter();
    lc__json_enter();
    lc__expand_path(o->baseline, bl.path, sizeof bl.path);
    bl.update = o->baseline_update;
    FILE *f = fopen(bl.path, "rb");
    if (!f && errno == ENOENT) {
        bl.state = BL_MISSING;
        fprintf(stderr,
                "leakcheck: baseline '%s' does not exist: counts are not compared%s\n",
                bl.path,
                bl.update
                    ? "; this run writes it"
                    : " (LEAKCHECK_BASELINE_UPDATE=1 or `leakcheck baseline update` writes "
                      "one)");
        if (bl.update)
            bl.doc = lc__bl_new();
    } else if (!f) {
        bl.state = BL_BAD;
        fprintf(stderr, "leakcheck: baseline '%s': cannot read: %s\n", bl.path,
                strerror(errno));
    } else {
        json_error_t je;
        bl.doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
        fclose(f);
        char err[512];
        if (!bl.doc) {
            bl.state = BL_BAD;
            int eof = strstr(je.text, "premature end") || strstr(je.text, "end of file");
            fprintf(
                stderr,
                "leakcheck: baseline '%s': not valid JSON at line %d, column %d: %s%s\n",
                bl.path, je.line, je.column, je.text,
                eof ? " (the file is empty or cut short)" : "");
        } else if (lc__bl_validate(bl.doc, err, sizeof err)) {
            bl.state = BL_BAD;
            fprintf(stderr, "leakcheck: baseline '%s': %s\n", bl.path, err);
            json_decref(bl.doc);
            bl.doc = NULL;
        } else {
            bl.state = BL_OK;
        }
    }
    lc__json_leave();
    lc__guard_leave();
}

int lc__baseline_broken(void) { return bl.state == BL_BAD; }

/* 1 when results are compared with (or written into) a baseline document. */
static int bl_active(void) {
    return bl.state == BL_OK || (bl.state == BL_MISSING && bl.update);
}

/* Rewrites the baseline file (update mode), atomically. */
static void bl_write(void) {
    char *text = lc__bl_dump(bl.doc);
    char err[4600];
    if (lc__bl_readable(text, err, sizeof err)) {
        if (!bl.write_failed++)
            fprintf(stderr, "leakcheck: cannot write baseline '%s': it would not read back: %s\n",
                    bl.path, err);
    } else if (lc__write_atomic(bl.path, text, strlen(text), err, sizeof err)) {
        if (!bl.write_failed++) {
            const char *why = text ? strrchr(err, ':') : NULL;
            fprintf(stderr, "leakcheck: cannot write baseline '%s': %s\n", bl.path,
                    why ? why + 2 : "out of memory");
        }
    }
    lc__xfree(text);
}

/* Judges one entry against the baseline and, when updating, stores it.
 * Regressions go to fail (or, when updating, to note), improvements and new
 * entries to note. Takes ownership of entry (may be NULL: no counts). Returns
 * the baseline's entry for the key before any update (borrowed; valid until
 * the next call), or NULL. Call with the guard up, inside lc__json_enter. */
static json_t *bl_judge(int kind, const char *group, const char *name, json_t *entry,
                        struct lc_buf *fail, struct lc_buf *note) {
    if (!bl_active()) {
        json_decref(entry);
        return NULL;
    }
    char key[1024];
    lc__bl_key(group, name, key, sizeof key);
    json_t *old = lc__bl_get(bl.doc, kind, key);
    if (old)
        json_incref(old); /* an update replaces it below */
    if (entry && !old) {
        bl.added++;
        tb_clause(note, bl.update ? "new in the baseline" : "new: not in the baseline");
    } else if (entry) {
        struct lc_bl_delta d[LC_BL_MAX_METRICS];
        size_t nd = lc__bl_compare(kind, old, entry, 0, d);
        struct lc_buf worse, better;
        lc__buf_init(&worse, lc__xrealloc, lc__xfree);
        lc__buf_init(&better, lc__xrealloc, lc__xfree);
        for (size_t i = 0; i < nd; i++) {
            char t[256];
            if (!d[i].regression && !d[i].improvement)
                continue;
            lc__bl_delta_text(&d[i], t, sizeof t);
            lc__buf_printf(d[i].regression ? &worse : &better, "%s%s",
                      (d[i].regression ? worse.len : better.len) ? ", " : "", t);
        }
        if (worse.len) {
            bl.regressions++;
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            if (bl.update)
                lc__buf_printf(&m, "baseline updated: %s", worse.data);
            else
                lc__buf_printf(&m, "more allocation than the baseline '%s': %s", bl.path,
                          worse.data);
            tb_clause(bl.update ? note : fail, m.data);
            lc__xfree(m.data);
        }
        if (better.len) {
            bl.improvements++;
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            lc__buf_printf(&m, "improved on the baseline: %s%s", better.data,
                      bl.update ? "" : " (LEAKCHECK_BASELINE_UPDATE=1 records it)");
            tb_clause(note, m.data);
            lc__xfree(m.data);
        }
        lc__xfree(worse.data);
        lc__xfree(better.data);
    }
    if (bl.update && entry) {
        json_t *sec = json_object_get(bl.doc, lc__bl_section(kind));
        if (!sec) {
            sec = json_object();
            json_object_set_new(bl.doc, lc__bl_section(kind), sec);
        }
        json_object_set_new(sec, key, entry);
        bl.written++;
        bl_write();
    } else {
        json_decref(entry);
    }
    /* The caller reads the old entry's leak sites; the reference taken above
     * is dropped at the next call. */
    static json_t *held;
    json_decref(held);
    held = old;
    return old;
}

/* ---- budgets ---- */

/* limit: 0 none, negative (LEAKCHECK_NONE) zero, else the limit. */
static void budget_check(struct lc_buf *fail, const char *label, double value, double limit) {
    if (limit == 0)
        return;
    double max = limit < 0 ? 0 : limit;
    if (value <= max)
        return;
    char v[64], l[64];
    lc__bl_num(value, v, sizeof v);
    lc__bl_num(max, l, sizeof l);
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    lc__buf_printf(&m, "%s %s over the budget of %s", label, v, l);
    tb_clause(fail, m.data);
    lc__xfree(m.data);
}

/* Checks allocations, bytes and peak against a budget; any excess becomes
 * "over budget: ..." in fail. per is "/op" (benchmarks) or "/iter" (tests);
 * a benchmark's peak is for the whole run, a test's per iteration. */
static void budget_judge(struct lc_buf *fail, const lc_budget *b, const char *per,
                         double allocs, double bytes, double peak) {
    char what[3][32];
    snprintf(what[0], sizeof what[0], "allocs%s", per);
    snprintf(what[1], sizeof what[1], "bytes%s", per);
    snprintf(what[2], sizeof what[2], "peak bytes%s", strcmp(per, "/op") ? per : "");
    budget_check(fail, what[0], allocs, b->allocs);
    budget_check(fail, what[1], bytes, b->bytes);
    budget_check(fail, what[2], peak, (double)b->peak_bytes);
    if (fail->len) {
        struct lc_buf m;
        lc__buf_init(&m, lc__xrealloc, lc__xfree);
        lc__buf_printf(&m, "over budget: %s", fail->data);
        lc__xfree(fail->data);
        *fail = m;
    }
}

/* ---- tests: budget and baseline, after the harness's verdict ---- */

void lc__bench_judge_test(struct lc_test_result *res, const lc_budget *budget) {
    lc__baseline_load();
    lc__guard_enter();
    struct lc_buf fail, note;
    lc__buf_init(&fail, lc__xrealloc, lc__xfree);
    lc__buf_init(&note, lc__xrealloc, lc__xfree);
    uint64_t allocs, bytes, peak;
    int have = lc__bl_test_counts(res, &allocs, &bytes, &peak);
    if (have && budget)
        budget_judge(&fail, budget, "/iter", (double)allocs, (double)bytes, (double)peak);
    size_t budget_len = fail.len; /* what the budget failed, before the baseline */
    json_t *old = NULL;
    lc__json_enter();
    if (bl_active())
        old = bl_judge(LC_BL_TEST, res->group, res->name, lc__bl_test_entry(res), &fail,
                       &note);
    if (old && res->verdict == LC_VERDICT_LEAK) {
        /* A leak the baseline did not know: name its site as new. */
        for (size_t i = 0; i < res->nfindings; i++) {
            char site[1024];
            lc__bl_site_key(&res->findings[i], site, sizeof site);
            if (lc__bl_has_site(old, site))
                continue;
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            lc__buf_printf(&m, "new leak site (not in the baseline): %s", site);
            tb_clause(&note, m.data);
            lc__xfree(m.data);
        }
    }
    lc__json_leave();

    if (fail.len || note.len) {
        struct lc_buf m;
        lc__buf_init(&m, lc__xrealloc, lc__xfree);
        if (res->verdict == LC_VERDICT_CLEAN && fail.len) {
            res->verdict = LC_VERDICT_FAILED;
            res->failure_type = budget_len ? "budget" : "baseline";
            lc__buf_printf(&m, "%s", fail.data);
        } else {
            lc__buf_printf(&m, "%s", res->message ? res->message : "");
            if (fail.len)
                tb_clause(&m, fail.data);
        }
        if (note.len)
            tb_clause(&m, note.data);
        res->message = m.data;
    }
    lc__xfree(fail.data);
    lc__xfree(note.data);
    lc__guard_leave();
}

/* ---- allocation-free regions ---- */

static int noalloc_owns_scope; /* the outermost begin opened the scope */

void lc_noalloc_begin(void) {
    struct lc_tls *t = &lc__tls;
    if (t->noalloc++ > 0)
        return;
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
    lc_scope_counters(&a, LC_ATTRIBUTED);
    for (unsigned i = 0; i < runs; i++)
        fn(arg);
    lc_scope_counters(&b, LC_ATTRIBUTED);
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

static void bench_console(const struct lc_bench_result *b) {
    const char *prefix;
    FILE *out = lc__console(&prefix);
    int color = lc__use_color() && !*prefix && out == stdout;
    char a[64], f[64], y[64];
    lc__bl_num(b->allocs_per_op, a, sizeof a);
    lc__bl_num(b->frees_per_op, f, sizeof f);
    lc__bl_num(b->bytes_per_op, y, sizeof y);
    fprintf(out, "%s%s[%s]%s ", prefix, color ? (b->failed ? "\033[31m" : "\033[32m") : "",
            b->failed ? " FAILED " : "  BENCH ", color ? "\033[0m" : "");
    lc__console_put(out, b->name);
    fputs(": ", out);
    if (b->n)
        fprintf(out,
                "%llu ops  %.1f ns/op  %s B/op  %s allocs/op  %s frees/op  peak %llu B  net "
                "%+lld blocks, %+lld B%s\n",
                (unsigned long long)b->n, b->ns_per_op, y, a, f,
                (unsigned long long)b->peak_bytes, (long long)b->net_blocks,
                (long long)b->net_bytes,
                b->data_dependent ? "  (data-dependent: mean)" : "");
    else
        fprintf(out, "%s\n", b->message ? b->message : "");
    if (b->n && b->message)
        fprintf(out, "%s    %s\n", prefix, b->message);
    fflush(out);
}

void lc__bench_settle(void) {
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
    struct lc_bench_result *b = &lc__harness_run()->benchmarks[bcur.index];
    bench_console(b);
    lc__harness_write_reports();
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
    lc_scope_counters(&a, LC_ATTRIBUTED);
    double t0 = lc__now();
    call_bench_body(body, state);
    double t1 = lc__now();
    lc_scope_counters(&b, LC_ATTRIBUTED);
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
    lc__harness_prepare();
    lc__baseline_load();
    const struct lc_options_values *o = lc__opts();

    lc__guard_enter();
    struct lc_run *run = lc__harness_run();
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
    res->group = lc__harness_group() ? lc__harness_group() : run->binary;
    res->file = lc__intern(file);
    res->line = line;
    res->failed = 1;
    res->message = DNF_MESSAGE;
    bcur.pending = 1;
    bcur.index = idx;
    lc__harness_write_reports(); /* if the process dies now, the report names it */
    char why[1024];
    if (lc__failsafe_begin(1, why, sizeof why - 1)) { /* never a count unobserved */
        bcur.pending = 0;
        res->message = lc__intern(why);
        bench_console(res);
        lc__harness_write_reports();
        lc__guard_leave();
        lc__cmocka_fail(file, (int)line, strcat(why, "\n"));
        return;
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
    res = &lc__harness_run()->benchmarks[idx];
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
        budget_judge(&fail, bud, "/op", res->allocs_per_op, res->bytes_per_op,
                     (double)res->peak_bytes);
    if (bl_active()) {
        lc__json_enter();
        bl_judge(LC_BL_BENCH, res->group, res->name, lc__bl_bench_entry(res), &fail, &note);
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
        tb_clause(&note, t.data);
        lc__xfree(t.data);
    }
    if (lowered) {
        struct lc_buf t;
        lc__buf_init(&t, lc__xrealloc, lc__xfree);
        lc__buf_printf(&t, "n lowered to %llu to fit LEAKCHECK_BENCH_TIME_MS=%ld",
                  (unsigned long long)n, o->bench_time_ms);
        tb_clause(&note, t.data);
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
            tb_clause(&fail, t.data);
            lc__xfree(t.data);
        }
        lc__guard_leave();
    }

    lc__guard_enter();
    res = &lc__harness_run()->benchmarks[idx];
    if (fail.len || note.len) {
        struct lc_buf t;
        lc__buf_init(&t, lc__xrealloc, lc__xfree);
        lc__buf_printf(&t, "%s", fail.len ? fail.data : "");
        if (note.len)
            tb_clause(&t, note.data);
        res->message = t.data;
    }
    res->failed = fail.len > 0;
    bcur.pending = 0;
    bench_console(res);
    lc__harness_write_reports();
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

void lc__bench_summary(void) {
    struct lc_run *run = lc__harness_run();
    const char *prefix;
    FILE *out = lc__console(&prefix);
    if (run->nbenchmarks) {
        size_t failed = 0;
        for (size_t i = 0; i < run->nbenchmarks; i++)
            failed += run->benchmarks[i].failed != 0;
        fprintf(out, "%s[leakcheck] %zu benchmark%s: %zu ok, %zu failed\n", prefix,
                run->nbenchmarks, run->nbenchmarks == 1 ? "" : "s", run->nbenchmarks - failed,
                failed);
    }
    if (bl_active()) {
        if (bl.update)
            fprintf(out,
                    "%s[leakcheck] baseline '%s' updated: %u entr%s written (%u new, %u more "
                    "allocation, %u less)\n",
                    prefix, bl.path, bl.written, bl.written == 1 ? "y" : "ies", bl.added,
                    bl.regressions, bl.improvements);
        else
            fprintf(out,
                    "%s[leakcheck] baseline '%s': %u regression%s, %u improvement%s, %u new "
                    "entr%s\n",
                    prefix, bl.path, bl.regressions, bl.regressions == 1 ? "" : "s",
                    bl.improvements, bl.improvements == 1 ? "" : "s", bl.added,
                    bl.added == 1 ? "y" : "ies");
    }
    fflush(out);
}
