/* sweep.c: the allocation-failure sweep of one test, the engine's phase
 * after the verdict. Two recording runs (sweep_hook.c logs every attributed
 * allocation call's stack; sweep_site.c makes sites), then per site and mode
 * a forked failing run (sweep_child.c) whose outcome sweep_findings.c puts
 * in words; then the test's verdict and message. Calls the scope API and the
 * session. Not on the hook path. */
#include <stdio.h>
#include <string.h>

#include "findings.h"
#include "fds.h"
#include "internal.h"
#include "report.h"
#include "sanitizer.h"
#include "session.h"
#include "sweep.h"
#include "unwind.h"
#include "xml.h"

/* ---- recording ---- */

struct recording {
    uint32_t *log;   /* a copy of the run's log */
    size_t n, lost;
    int failed;      /* the run failed (an assertion, a fixture) */
    double ms;
};

/* One run with stacks on, every call logged; ref (may be NULL) gets what the
 * run left behind, the reference of every failing run. */
static void record(const struct lc_sweep_test *t, struct recording *r,
                   struct lc_sweep_ref *ref) {
    memset(r, 0, sizeof *r);
    struct lc_fdset before = {0};
    lc__guard_enter();
    lc__fds_snapshot(&before);
    lc__guard_leave();
    lc_scope_config cfg = {.stacks = 1, .depth = 0, .all_threads = 0};
    lc__fds_reset();
    if (lc_scope_begin(&cfg) != 0) {
        r->failed = 1;
        lc__fdset_free(&before);
        return;
    }
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    lc_scope_iteration(1);
    double t0 = lc__now();
    lc__sweep_record_begin();
    r->failed = t->run(t->arg);
    const uint32_t *log = lc__sweep_record_end(&r->n, &r->lost);
    r->ms = (lc__now() - t0) * 1e3;
    lc__guard_enter();
    r->log = lc__xmalloc((r->n ? r->n : 1) * sizeof *r->log);
    if (r->log && r->n)
        memcpy(r->log, log, r->n * sizeof *r->log);
    else if (!r->log)
        r->n = 0;
    if (ref)
        lc__sweep_ref_take(gen, &before, t->checks, ref);
    lc__fdset_free(&before);
    lc__guard_leave();
    lc_scope_end();
    lc__fds_reset();
}

/* ---- the phase ---- */

/* The note says what the failing runs could not show. */
static void note_runs(struct lc_sweep_result *r, unsigned unreached, unsigned exited,
                      uint64_t test_owned, uint64_t test_fds) {
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    if (r->note)
        lc__buf_puts(&m, r->note);
    if (unreached && !r->note)
        lc__buf_printf(&m, "data-dependent: %u failing run%s never reached %s site", unreached,
                       unreached == 1 ? "" : "s", unreached == 1 ? "its" : "their");
    if (exited)
        lc__buf_printf(&m, "%s%u failing run%s ended the process (exit) before they could be "
                       "judged", m.len ? "; " : "", exited, exited == 1 ? "" : "s");
    if (test_owned)
        lc__buf_printf(&m, "%s%llu block%s the test body allocated itself, or another call of "
                       "the test than the failing one, and did not free after a failed "
                       "assertion %s not counted", m.len ? "; " : "",
                       (unsigned long long)test_owned, test_owned == 1 ? "" : "s",
                       test_owned == 1 ? "was" : "were");
    if (test_fds)
        lc__buf_printf(&m, "%s%llu fd%s the test opened itself, or through another call than "
                       "the failing one, and did not close after a failed assertion %s not "
                       "counted", m.len ? "; " : "", (unsigned long long)test_fds,
                       test_fds == 1 ? "" : "s", test_fds == 1 ? "was" : "were");
    if (r->nunchecked)
        lc__buf_printf(&m, "%s%zu failing run%s crashed after the failing call had returned to "
                       "the test (unchecked by the test; LEAKCHECK_FAIL_SWEEP_STRICT=1 makes "
                       "them findings)", m.len ? "; " : "", r->nunchecked,
                       r->nunchecked == 1 ? "" : "s");
    if (m.len)
        r->note = m.data;
    else
        lc__buf_free(&m);
}

/* A sweep that was asked for and cannot fail any allocation (the
 * allocator is not glibc's through leakcheck): NULL, or the one line. */
static const char *blind_reason(void) {
    char line[200];
    if (lc__malloc_via_sanitizer())
        snprintf(line, sizeof line, "the fail sweep cannot fail allocations under %s: not "
                 "swept", lc__malloc_sanitizer_name());
    else if (lc__under_valgrind)
        snprintf(line, sizeof line, "the fail sweep cannot fail allocations under valgrind: "
                 "not swept");
    else
        return NULL;
    return lc__intern(line);
}

static const char *skip_reason(const struct lc_sweep_test *t) {
    if (t->skip)
        return t->skip;
    if (!lc__st.stacks_allowed)
        return "LEAKCHECK_STACKS=0: the sweep tells allocation sites apart by their stacks";
    return blind_reason();
}

/* Nothing silent: a sweep that could not fail a single allocation fails
 * the test (failure_type tracker) with that one line; a leaking test keeps
 * its verdict and gets the line in its details. */
static void blind(struct lc_test_result *res, const char *line) {
    if (res->verdict == LC_VERDICT_LEAK) {
        char *d = lc__xsprintf("%s    %s\n", res->details ? res->details : "", line);
        if (d)
            res->details = d;
        return;
    }
    res->verdict = LC_VERDICT_FAILED;
    res->failure_type = "tracker";
    res->reason = "failed";
    res->message = line;
}

/* The sites of both recordings: what either run saw is swept. */
static struct lc_sweep_site *all_sites(const struct recording *a, const struct recording *b,
                                       size_t *n) {
    uint32_t *both = lc__xmalloc((a->n + b->n + 1) * sizeof *both);
    if (!both) {
        *n = 0;
        return NULL;
    }
    memcpy(both, a->log, a->n * sizeof *both);
    if (b->log)
        memcpy(both + a->n, b->log, b->n * sizeof *both);
    struct lc_sweep_site *s = lc__sweep_sites(both, a->n + b->n, n);
    lc__xfree(both);
    return s;
}

static void sweep_site(const struct lc_sweep_test *t, struct lc_sweep_judge *c,
                       const struct lc_sweep_site *s,
                       const struct lc_sweep_ref *ref, unsigned *unreached, unsigned *exited) {
    int modes[2] = {LC_SWEEP_TRANSIENT, LC_SWEEP_PERSISTENT};
    c->site = lc__sweep_symbolize(NULL, 0, s->stack, &c->nsite);
    for (int k = 0; k < 2; k++) {
        if (!(t->modes & modes[k]))
            continue;
        c->mode = k ? "persistent" : "transient";
        struct lc_sweep_outcome o;
        lc__guard_leave();
        int rc = lc__sweep_child(t->run, t->arg, s->stack, k, ref, t->checks,
                                 c->timeout_ms, &o);
        lc__guard_enter();
        if (rc)
            continue;
        c->r->runs++;
        int j = lc__sweep_judge(c, &o);
        *unreached += j == 0;
        *exited += j < 0;
        lc__sweep_outcome_free(&o);
    }
}

/* A finding fails a clean test; a leaking test keeps its verdict and gets
 * the sweep's lines after its own. */
/* " (12 more not swept: LEAKCHECK_FAIL_SWEEP_MAX)" when the bound cut the sweep */
static void unswept(struct lc_buf *m, const struct lc_sweep_result *r) {
    if (r->unswept)
        lc__buf_printf(m, " (%u more not swept: LEAKCHECK_FAIL_SWEEP_MAX)", r->unswept);
}

/* "; 4 unchecked by the test (first: MESSAGE)": one line for what the test
 * itself did with a failure the code under test reported. */
static void unchecked(struct lc_buf *m, const struct lc_sweep_result *r) {
    if (r->nunchecked)
        lc__buf_printf(m, "; %zu unchecked by the test (first: %s)", r->nunchecked,
                       r->unchecked[0].message);
}

/* A clean test's message says the sweep ran and found nothing (or why it
 * did not run): a clean verdict never hides an unswept test. */
static void clean_note(struct lc_test_result *res, const struct lc_sweep_result *r) {
    if (res->verdict != LC_VERDICT_CLEAN)
        return;
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    lc__buf_printf(&m, "%s; ", res->message ? res->message : "clean");
    if (r->skipped)
        lc__buf_printf(&m, "fail sweep skipped: %s", r->skipped);
    else
        lc__buf_printf(&m, "fail sweep: nothing at %u allocation site%s", r->swept,
                       r->swept == 1 ? "" : "s");
    unswept(&m, r);
    unchecked(&m, r);
    if (m.data)
        res->message = m.data;
}

static void verdict(struct lc_test_result *res, struct lc_sweep_result *r) {
    if (!r->nfindings) {
        clean_note(res, r);
        return;
    }
    struct lc_buf d;
    lc__buf_init(&d, lc__xrealloc, lc__xfree);
    if (res->details && res->verdict != LC_VERDICT_CLEAN)
        lc__buf_puts(&d, res->details);
    for (size_t i = 0; i < r->nfindings; i++)
        lc__buf_printf(&d, "    fail sweep (%s): %s\n", r->findings[i].mode,
                       r->findings[i].message);
    if (r->nunchecked)
        lc__buf_printf(&d, "    fail sweep: %zu more unchecked by the test, not failing it "
                       "(first: %s)\n", r->nunchecked, r->unchecked[0].message);
    res->details = d.data;
    if (res->verdict != LC_VERDICT_CLEAN)
        return;
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    lc__buf_printf(&m, "fail sweep: %zu finding%s over %u allocation site%s", r->nfindings,
                   r->nfindings == 1 ? "" : "s", r->swept, r->swept == 1 ? "" : "s");
    unswept(&m, r);
    lc__buf_printf(&m, ": %s", r->findings[0].message);
    res->verdict = LC_VERDICT_FAILED;
    res->failure_type = "fail-sweep";
    res->reason = "fail_sweep";
    res->message = m.data ? m.data : "fail sweep: findings";
}

/* Every site up to the bound, in each mode; the findings then judge the test. */
static void sweep_all(const struct lc_sweep_test *t, struct lc_test_result *res,
                      const struct recording *a, const struct recording *b,
                      const struct lc_sweep_ref *ref) {
    struct lc_sweep_result *r = res->fail_sweep;
    if (a->lost || b->lost)
        r->note = "the test made more allocation calls than the log holds (1048576): the "
                  "sites of the first ones are swept";
    else if (lc__sweep_differs(a->log, a->n, b->log, b->n))
        r->note = "data-dependent: the allocation calls differ between two runs; the sites "
                  "either run made are swept";
    size_t n;
    struct lc_sweep_site *sites = all_sites(a, b, &n);
    double slowest = a->ms > b->ms ? a->ms : b->ms;
    struct lc_sweep_judge c = {.rules = t->rules, .res = res, .r = r,
                               .timeout_ms = 2000 + (long)(20 * slowest),
                               .strict = t->strict, .test_code = t->test_code};
    unsigned unreached = 0, exited = 0;
    r->sites = (unsigned)n;
    r->swept = n < (size_t)t->max_sites ? (unsigned)n : (unsigned)t->max_sites;
    r->unswept = r->sites - r->swept;
    for (unsigned i = 0; i < r->swept; i++)
        sweep_site(t, &c, &sites[i], ref, &unreached, &exited);
    note_runs(r, unreached, exited, c.test_owned, c.test_fds);
    lc__xfree(sites);
    verdict(res, r);
}

void lc__sweep_test(const struct lc_sweep_test *t, struct lc_test_result *res) {
    if (!t->modes)
        return;
    lc__guard_enter();
    struct lc_sweep_result *r = lc__xcalloc(1, sizeof *r);
    res->fail_sweep = r;
    const char *skip = r ? skip_reason(t) : NULL;
    lc__guard_leave();
    if (!r || skip) {
        if (r) {
            r->skipped = skip;
            lc__guard_enter();
            if (skip == blind_reason())
                blind(res, skip);
            else
                clean_note(res, r);
            lc__guard_leave();
        }
        return;
    }
    struct lc_sweep_ref ref = {0};
    struct recording a, b;
    record(t, &a, &ref);
    record(t, &b, NULL);
    lc__guard_enter();
    if (a.failed || b.failed) {
        r->skipped = "the test failed when run again for the sweep's recording: it cannot be "
                     "repeated";
        clean_note(res, r);
    } else
        sweep_all(t, res, &a, &b, &ref);
    lc__xfree(a.log);
    lc__xfree(b.log);
    lc__xfree(ref.left);
    lc__guard_leave();
}
