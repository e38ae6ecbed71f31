/* sweep.c: the allocation-failure sweep of one test, the engine's phase
 * after the verdict. Two recording runs (sweep_hook.c logs every attributed
 * allocation call's stack; sweep_site.c makes sites), then per site and mode
 * a forked failing run (sweep_child.c); what the children report becomes the
 * test's fail_sweep findings, after the sweep: rules. Calls the scope API,
 * the symbolizer and suppress.c. Not on the hook path. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"
#include "fds.h"
#include "frames.h"
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

/* ---- words ---- */

/* A frame of the C or C++ runtime: a finding names the code that called it. */
static int runtime_frame(const lc_frame *f) {
    const char *m = f->module ? strrchr(f->module, '/') : NULL;
    m = m ? m + 1 : f->module;
    return m && (strncmp(m, "libc.so", 7) == 0 || strncmp(m, "libstdc++", 9) == 0 ||
                 strncmp(m, "libgcc_s", 8) == 0 || strncmp(m, "ld-linux", 8) == 0);
}

static const char *base(const char *path) {
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* The first frame of the program's own code (or the first frame). */
static int own_top(const lc_frame *f, int n) {
    for (int i = 0; i < n; i++)
        if (!runtime_frame(&f[i]))
            return i;
    return 0;
}

/* "parser.c:88 (parse_value <- parse_doc, via strdup)" */
static void where(struct lc_buf *m, const lc_frame *f, int n) {
    if (n <= 0) {
        lc__buf_puts(m, "an unknown place");
        return;
    }
    int top = own_top(f, n);
    if (f[top].file && f[top].line)
        lc__buf_printf(m, "%s:%u (", base(f[top].file), f[top].line);
    else
        lc__buf_puts(m, "(");
    for (int i = top; i < n && i < top + 2; i++)
        lc__buf_printf(m, "%s%s", i > top ? " <- " : "", f[i].function ? f[i].function : "??");
    if (top > 0 && f[top - 1].function)
        lc__buf_printf(m, ", via %s", f[top - 1].function);
    lc__buf_putc(m, ')');
}

static lc_frame *symbolized(const uintptr_t *pcs, int npcs, uint32_t stack, int *n) {
    lc_frame tmp[LC_MAX_DEPTH * 2];
    int k = stack ? lc_stack_symbolize(stack, tmp, LC_MAX_DEPTH * 2)
                  : lc__symbolize_pcs(pcs, npcs, tmp, LC_MAX_DEPTH * 2);
    k = lc__frames_drop_own(tmp, k);
    *n = 0;
    if (k <= 0)
        return NULL;
    lc_frame *f = lc__xmalloc((size_t)k * sizeof *f);
    if (f) {
        memcpy(f, tmp, (size_t)k * sizeof *f);
        *n = k;
    }
    return f;
}

static const char *signame(int sig) {
    const char *a = sigabbrev_np(sig);
    char name[32];
    snprintf(name, sizeof name, "SIG%s", a ? a : "?");
    return lc__intern(name);
}

/* ---- findings ---- */

struct site_ctx {
    const struct lc_sweep_test *t;
    struct lc_test_result *res;
    struct lc_sweep_result *r;
    lc_frame *site;
    int nsite;
    const char *mode;
    long timeout_ms;
    uint64_t test_owned; /* blocks the test body itself allocated, not counted */
};

/* A sweep: rule matching the site's or any reported stack suppresses the
 * finding; the hit is listed with the test's suppressions. */
static int suppressed(struct site_ctx *c, struct lc_sweep_finding *f) {
    struct lc_rules *rules = c->t->rules;
    if (!rules)
        return 0;
    struct lc_suppression *s = lc__suppressed("sweep", NULL, f->site, f->nsite, rules->r, rules->n);
    for (size_t i = 0; !s && i < f->nstacks; i++)
        s = lc__suppressed("sweep", NULL, f->stacks[i], f->nstack[i], rules->r, rules->n);
    if (!s)
        return 0;
    s->hits++;
    struct lc_test_result *res = c->res;
    char *text = lc__xsprintf("sweep:%s", s->pattern);
    const char *rule = lc__intern(text ? text : "sweep:?");
    lc__xfree(text);
    for (size_t i = 0; i < res->nsuppressed; i++)
        if (strcmp(res->suppressed[i].rule, rule) == 0) {
            res->suppressed[i].hits++;
            return 1;
        }
    struct lc_suppression_hit *h =
        lc__xrealloc(res->suppressed, (res->nsuppressed + 1) * sizeof *h);
    if (h) {
        res->suppressed = h;
        int expected = s < rules->r + rules->nexpect;
        h[res->nsuppressed++] =
            (struct lc_suppression_hit){rule, expected ? "expected by the test" : s->why, 1};
    }
    return 1;
}

static void add_finding(struct site_ctx *c, struct lc_sweep_finding *f, struct lc_buf *m) {
    f->mode = c->mode;
    f->site = c->site;
    f->nsite = c->nsite;
    f->message = m->data ? m->data : "when an allocation fails: (out of memory)";
    if (suppressed(c, f))
        return;
    struct lc_sweep_result *r = c->r;
    struct lc_sweep_finding *n = lc__xrealloc(r->findings, (r->nfindings + 1) * sizeof *n);
    if (!n)
        return;
    r->findings = n;
    n[r->nfindings++] = *f;
}

static void opening(struct site_ctx *c, struct lc_buf *m) {
    lc__buf_init(m, lc__xrealloc, lc__xfree);
    lc__buf_puts(m, "when the allocation at ");
    where(m, c->site, c->nsite);
    lc__buf_printf(m, " fails%s: ", strcmp(c->mode, "persistent") == 0
                                        ? " (and every later one)" : "");
}

static void one_stack(struct lc_sweep_finding *f, lc_frame *fr, int n) {
    f->stacks = lc__xmalloc(sizeof *f->stacks);
    f->nstack = lc__xmalloc(sizeof *f->nstack);
    if (f->stacks && f->nstack) {
        f->stacks[0] = fr;
        f->nstack[0] = n;
        f->nstacks = 1;
    }
}

static void crash_finding(struct site_ctx *c, const struct lc_sweep_outcome *o) {
    struct lc_sweep_finding f = {.kind = "crash", .signal = signame(o->signal)};
    int n;
    lc_frame *fr = symbolized(o->crash, o->ncrash, 0, &n);
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "%s", f.signal);
    if (n) {
        int top = own_top(fr, n);
        lc__buf_printf(&m, " in %s", fr[top].function ? fr[top].function : "??");
        if (fr[top].file && fr[top].line)
            lc__buf_printf(&m, " (%s:%u)", base(fr[top].file), fr[top].line);
        one_stack(&f, fr, n);
    }
    add_finding(c, &f, &m);
}

/* A block the test body allocated itself (its first frame of the program's
 * code is the body, the stack's outermost): after a failed assertion the
 * body never reached its own free, which is no leak of the code under test. */
static int test_body_block(const lc_frame *f, int n) {
    return n > 0 && own_top(f, n) == n - 1;
}

static void leak_finding(struct site_ctx *c, const struct lc_sweep_outcome *o) {
    struct lc_sweep_finding f = {.kind = "leak"};
    f.stacks = lc__xcalloc(o->ngroups, sizeof *f.stacks);
    f.nstack = lc__xcalloc(o->ngroups, sizeof *f.nstack);
    if (!f.stacks || !f.nstack)
        return;
    for (size_t i = 0; i < o->ngroups; i++) {
        int n;
        lc_frame *fr = symbolized(o->groups[i].pcs, o->groups[i].npcs, 0, &n);
        if (o->test_failed && test_body_block(fr, n)) {
            c->test_owned += o->groups[i].blocks;
            lc__xfree(fr);
            continue;
        }
        f.blocks += o->groups[i].blocks;
        f.bytes += o->groups[i].bytes;
        f.stacks[f.nstacks] = fr;
        f.nstack[f.nstacks++] = n;
    }
    if (!f.nstacks) {
        lc__xfree(f.stacks);
        lc__xfree(f.nstack);
        return;
    }
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "%llu block%s (%llu B) leak, allocated at ",
                   (unsigned long long)f.blocks, f.blocks == 1 ? "" : "s",
                   (unsigned long long)f.bytes);
    where(&m, f.stacks[0], f.nstack[0]);
    if (f.nstacks > 1)
        lc__buf_printf(&m, " and %zu more stack%s", f.nstacks - 1, f.nstacks == 2 ? "" : "s");
    add_finding(c, &f, &m);
}

static void resource_finding(struct site_ctx *c, const char *kind, int count,
                             const char *detail) {
    struct lc_sweep_finding f = {.kind = kind, .blocks = (uint64_t)count};
    struct lc_buf m;
    opening(c, &m);
    if (strcmp(kind, "fds") == 0)
        lc__buf_printf(&m, "%d fd%s left open (%s)", count, count == 1 ? "" : "s", detail);
    else
        lc__buf_printf(&m, "%d thread%s left running or unjoined", count,
                       count == 1 ? "" : "s");
    add_finding(c, &f, &m);
}

static void hang_finding(struct site_ctx *c) {
    struct lc_sweep_finding f = {.kind = "hang"};
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "the test hangs (stopped after %ld ms)", c->timeout_ms);
    add_finding(c, &f, &m);
}

/* What one failing run showed. Returns 0 when its site was not reached, -1
 * when the run ended without its report (the test called exit). */
static int judge(struct site_ctx *c, const struct lc_sweep_outcome *o) {
    if (o->status == 3)
        return -1;
    if (o->status == 2) {
        hang_finding(c);
        return 1;
    }
    if (o->status == 1) {
        crash_finding(c, o);
        return 1;
    }
    if (!o->fired)
        return 0;
    if (o->ngroups)
        leak_finding(c, o);
    if (o->fds)
        resource_finding(c, "fds", o->fds, o->fd_targets);
    if (o->threads)
        resource_finding(c, "threads", o->threads, NULL);
    return 1;
}

/* ---- the phase ---- */

/* The note says what the failing runs could not show. */
static void note_runs(struct lc_sweep_result *r, unsigned unreached, unsigned exited,
                      uint64_t test_owned) {
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
        lc__buf_printf(&m, "%s%llu block%s the test body allocated itself and did not free after "
                       "a failed assertion %s not counted", m.len ? "; " : "",
                       (unsigned long long)test_owned, test_owned == 1 ? "" : "s",
                       test_owned == 1 ? "was" : "were");
    if (m.len)
        r->note = m.data;
    else
        lc__buf_free(&m);
}

static const char *skip_reason(const struct lc_sweep_test *t) {
    if (t->skip)
        return t->skip;
    if (!lc__st.stacks_allowed)
        return "LEAKCHECK_STACKS=0: the sweep tells allocation sites apart by their stacks";
    if (lc__malloc_via_sanitizer() || lc__under_valgrind)
        return "the program's allocator is a sanitizer's or valgrind's: leakcheck cannot fail "
               "its calls";
    return NULL;
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

static void sweep_site(struct site_ctx *c, const struct lc_sweep_site *s,
                       const struct lc_sweep_ref *ref, unsigned *unreached, unsigned *exited) {
    int modes[2] = {LC_SWEEP_TRANSIENT, LC_SWEEP_PERSISTENT};
    c->site = symbolized(NULL, 0, s->stack, &c->nsite);
    for (int k = 0; k < 2; k++) {
        if (!(c->t->modes & modes[k]))
            continue;
        c->mode = k ? "persistent" : "transient";
        struct lc_sweep_outcome o;
        lc__guard_leave();
        int rc = lc__sweep_child(c->t->run, c->t->arg, s->stack, k, ref, c->t->checks,
                                 c->timeout_ms, &o);
        lc__guard_enter();
        if (rc)
            continue;
        c->r->runs++;
        int j = judge(c, &o);
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
    struct site_ctx c = {t, res, r, NULL, 0, NULL, 2000 + (long)(20 * slowest), 0};
    unsigned unreached = 0, exited = 0;
    r->sites = (unsigned)n;
    r->swept = n < (size_t)t->max_sites ? (unsigned)n : (unsigned)t->max_sites;
    r->unswept = r->sites - r->swept;
    for (unsigned i = 0; i < r->swept; i++)
        sweep_site(&c, &sites[i], ref, &unreached, &exited);
    note_runs(r, unreached, exited, c.test_owned);
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
