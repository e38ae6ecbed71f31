/* sweep_findings.c: what a failing run of the fail sweep showed, in words.
 * Turns a child's outcome (sweep_child.c) into fail_sweep findings: the
 * message naming the failing site and what went wrong, the symbolized
 * stacks, the sweep: rules of the test. Called by sweep.c between runs;
 * symbolizes (report time), never on the hook path. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"
#include "frames.h"
#include "internal.h"
#include "report.h"
#include "sweep.h"
#include "xml.h"

/* ---- words ---- */

static const char *base(const char *path) {
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path;
}

/* The first frame of the program's own code (or the first frame). */
static int own_top(const lc_frame *f, int n) {
    for (int i = 0; i < n; i++)
        if (!lc__sweep_runtime_frame(&f[i]))
            return i;
    return 0;
}

/* The frame a message names: the first of the program's own code that has
 * a source line; frames of a library without debug info (a distribution's
 * libcrypto: no file:line, static functions nameless) are passed through to
 * the first frame that has one. None has: own_top. */
static int shown_top(const lc_frame *f, int n) {
    for (int i = own_top(f, n); i < n; i++)
        if (f[i].file && f[i].line)
            return i;
    return own_top(f, n);
}

/* The named function the frame at top called: the one just above it, or
 * the nearest named one inside a library without names for its statics. */
static const char *callee(const lc_frame *f, int top) {
    for (int i = top - 1; i >= 0; i--)
        if (f[i].function)
            return f[i].function;
    return NULL;
}

/* "parser.c:88 (parse_value <- parse_doc, via strdup)" */
static void where(struct lc_buf *m, const lc_frame *f, int n) {
    if (n <= 0) {
        lc__buf_puts(m, "an unknown place");
        return;
    }
    int top = shown_top(f, n);
    if (f[top].file && f[top].line)
        lc__buf_printf(m, "%s:%u (", base(f[top].file), f[top].line);
    else
        lc__buf_puts(m, "(");
    for (int i = top; i < n && i < top + 2; i++)
        lc__buf_printf(m, "%s%s", i > top ? " <- " : "", f[i].function ? f[i].function : "??");
    const char *via = callee(f, top), *inner = NULL;
    for (int i = own_top(f, n); i < top && !inner; i++) /* inside a library passed through */
        inner = f[i].function;
    if (via && inner && strcmp(inner, via) != 0)
        lc__buf_printf(m, ", via %s ... %s", inner, via);
    else if (via)
        lc__buf_printf(m, ", via %s", via);
    lc__buf_putc(m, ')');
}

lc_frame *lc__sweep_symbolize(const uintptr_t *pcs, int npcs, uint32_t stack, int *n) {
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


/* A sweep: rule matching the site's or any reported stack suppresses the
 * finding; the hit is listed with the test's suppressions. */
static int suppressed(struct lc_sweep_judge *c, struct lc_sweep_finding *f) {
    struct lc_rules *rules = c->rules;
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

/* Appends f to a list of findings. */
static void append(struct lc_sweep_finding **list, size_t *n, const struct lc_sweep_finding *f) {
    struct lc_sweep_finding *grown = lc__xrealloc(*list, (*n + 1) * sizeof *grown);
    if (!grown)
        return;
    *list = grown;
    grown[(*n)++] = *f;
}

/* unchecked: it happened after the failing call had returned to the test
 * (sweep_blame.c): listed apart, a finding only in strict mode. */
static void add_finding(struct lc_sweep_judge *c, struct lc_sweep_finding *f, struct lc_buf *m,
                        int unchecked) {
    f->mode = c->mode;
    f->site = c->site;
    f->nsite = c->nsite;
    f->message = m->data ? m->data : "when an allocation fails: (out of memory)";
    if (suppressed(c, f))
        return;
    struct lc_sweep_result *r = c->r;
    if (unchecked && !c->strict)
        append(&r->unchecked, &r->nunchecked, f);
    else
        append(&r->findings, &r->nfindings, f);
}

static void opening(struct lc_sweep_judge *c, struct lc_buf *m) {
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

/* st went through the call by which the test reached the failing site. */
static int in_call(const struct lc_sweep_judge *c, const lc_frame *st, int n) {
    struct lc_sweep_blame b = {c->res->name, c->test_code};
    return lc__sweep_in_call(&b, c->site, c->nsite, st, n);
}

static void crash_finding(struct lc_sweep_judge *c, const struct lc_sweep_outcome *o) {
    struct lc_sweep_finding f = {.kind = "crash", .signal = signame(o->signal)};
    int n;
    lc_frame *fr = lc__sweep_symbolize(o->crash, o->ncrash, 0, &n);
    int unchecked =
        n && o->ncrash < 64 && !in_call(c, fr, n);
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "%s", f.signal);
    if (n) {
        int top = shown_top(fr, n);
        const char *inside = top > own_top(fr, n) ? callee(fr, top) : NULL;
        lc__buf_printf(&m, " in %s", fr[top].function ? fr[top].function : "??");
        if (fr[top].file && fr[top].line)
            lc__buf_printf(&m, " (%s:%u%s%s)", base(fr[top].file), fr[top].line,
                           inside ? ", inside " : "", inside ? inside : "");
        one_stack(&f, fr, n);
    }
    if (unchecked)
        lc__buf_puts(&m, ", after the failing call had returned to the test");
    add_finding(c, &f, &m, unchecked);
}

/* A block the test body allocated itself (its first frame of the program's
 * code is the body, the stack's outermost): after a failed assertion the
 * body never reached its own free, which is no leak of the code under test. */
static int test_body_block(const lc_frame *f, int n) {
    return n > 0 && own_top(f, n) == n - 1;
}

/* Where a lost block goes: 0 the code under test's finding, 1 unchecked by
 * the test (another call of the test returned it: the test kept it when the
 * failing call reported the error), 2 the test's skipped cleanup after a
 * failed assertion (counted in the note). Strict mode keeps only the body's
 * own blocks out. */
static int leak_owner(const struct lc_sweep_judge *c, int test_failed, const lc_frame *f,
                      int n) {
    if (test_failed && test_body_block(f, n))
        return 2;
    if (c->strict || in_call(c, f, n))
        return 0;
    return test_failed ? 2 : 1;
}

static void leak_add(struct lc_sweep_judge *c, struct lc_sweep_finding *f, int unchecked) {
    if (!f->nstacks) {
        lc__xfree(f->stacks);
        lc__xfree(f->nstack);
        return;
    }
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "%llu block%s (%llu B) leak, allocated at ",
                   (unsigned long long)f->blocks, f->blocks == 1 ? "" : "s",
                   (unsigned long long)f->bytes);
    where(&m, f->stacks[0], f->nstack[0]);
    if (f->nstacks > 1)
        lc__buf_printf(&m, " and %zu more stack%s", f->nstacks - 1, f->nstacks == 2 ? "" : "s");
    if (unchecked)
        lc__buf_puts(&m, ", returned to the test by another call");
    add_finding(c, f, &m, unchecked);
}

static void leak_finding(struct lc_sweep_judge *c, const struct lc_sweep_outcome *o) {
    struct lc_sweep_finding f[2] = {{.kind = "leak"}, {.kind = "leak"}};
    for (int k = 0; k < 2; k++) {
        f[k].stacks = lc__xcalloc(o->ngroups, sizeof *f[k].stacks);
        f[k].nstack = lc__xcalloc(o->ngroups, sizeof *f[k].nstack);
    }
    if (!f[0].stacks || !f[0].nstack || !f[1].stacks || !f[1].nstack)
        return;
    for (size_t i = 0; i < o->ngroups; i++) {
        int n;
        lc_frame *fr = lc__sweep_symbolize(o->groups[i].pcs, o->groups[i].npcs, 0, &n);
        /* held by the test when an assertion ended it: its skipped cleanup */
        int k = o->groups[i].held && !c->strict ? 2 : leak_owner(c, o->test_failed, fr, n);
        if (k == 2) {
            c->test_owned += o->groups[i].blocks;
            lc__xfree(fr);
            continue;
        }
        f[k].blocks += o->groups[i].blocks;
        f[k].bytes += o->groups[i].bytes;
        f[k].stacks[f[k].nstacks] = fr;
        f[k].nstack[f[k].nstacks++] = n;
    }
    leak_add(c, &f[0], 0);
    leak_add(c, &f[1], 1);
}

static void resource_finding(struct lc_sweep_judge *c, const char *kind, int count,
                             const char *detail) {
    struct lc_sweep_finding f = {.kind = kind, .blocks = (uint64_t)count};
    struct lc_buf m;
    opening(c, &m);
    if (strcmp(kind, "fds") == 0)
        lc__buf_printf(&m, "%d fd%s left open (%s)", count, count == 1 ? "" : "s", detail);
    else
        lc__buf_printf(&m, "%d thread%s left running or unjoined", count,
                       count == 1 ? "" : "s");
    add_finding(c, &f, &m, 0);
}

/* The fds of one owner (leak_owner's 0 or 1) as a finding: their count,
 * targets and opening stacks (taken over by the finding). */
struct fd_group {
    int count, nstacks;
    struct lc_buf targets;
    lc_frame *stacks[64];
    int nstack[64];
};

static void fd_add(struct lc_sweep_judge *c, struct fd_group *g, int unchecked) {
    struct lc_sweep_finding f = {.kind = "fds", .blocks = (uint64_t)g->count};
    if (g->nstacks) {
        f.stacks = lc__xmalloc((size_t)g->nstacks * sizeof *f.stacks);
        f.nstack = lc__xmalloc((size_t)g->nstacks * sizeof *f.nstack);
    }
    for (int i = 0; i < g->nstacks; i++)
        if (f.stacks && f.nstack) {
            f.stacks[f.nstacks] = g->stacks[i];
            f.nstack[f.nstacks++] = g->nstack[i];
        } else
            lc__xfree(g->stacks[i]);
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "%d fd%s left open (%s)", g->count, g->count == 1 ? "" : "s",
                   g->targets.data ? g->targets.data : "?");
    if (unchecked)
        lc__buf_puts(&m, ", opened by the test or by another call it made");
    lc__buf_free(&g->targets);
    add_finding(c, &f, &m, unchecked);
}

/* The clean run's own leftovers (counted, not told apart) come off the
 * code under test's fds first, then the unchecked ones, then the test's. */
static void fd_drop_clean(int count[3], int drop, int dropped[3]) {
    drop = drop > 0 ? drop : 0;
    for (int k = 0; k < 3; k++) {
        dropped[k] = drop < count[k] ? drop : count[k];
        drop -= dropped[k];
    }
}

/* The fds a failing run left open, judged one by one by the stack that
 * opened each, as lost blocks are: the code under test's are a finding; one
 * the test opened itself (or through another call) is its skipped cleanup
 * after a failed assertion (counted in the note), else unchecked. An fd no
 * wrapper saw, or beyond those the child sent, is the code under test's. */
static void fd_findings(struct lc_sweep_judge *c, const struct lc_sweep_outcome *o) {
    size_t nopen = o->nopen < 64 ? o->nopen : 64;
    int owner[64], count[3] = {0}, skip[3];
    lc_frame *fr[64];
    int nfr[64];
    for (size_t i = 0; i < nopen; i++) {
        fr[i] = lc__sweep_symbolize(o->open[i].pcs, o->open[i].npcs, 0, &nfr[i]);
        owner[i] = nfr[i] ? leak_owner(c, o->test_failed, fr[i], nfr[i]) : 0;
        count[owner[i]]++;
    }
    int unsent = o->fds_added - (int)nopen;
    count[0] += unsent > 0 ? unsent : 0;
    fd_drop_clean(count, o->fds_added - o->fds, skip);
    struct fd_group g[2];
    memset(g, 0, sizeof g);
    for (int k = 0; k < 3; k++) {
        count[k] -= skip[k];
        if (k < 2) {
            g[k].count = count[k];
            lc__buf_init(&g[k].targets, lc__xrealloc, lc__xfree);
        }
    }
    c->test_fds += (uint64_t)count[2];
    for (size_t i = 0; i < nopen; i++) {
        int k = owner[i];
        if (k == 2 || g[k].nstacks >= g[k].count) { /* the test's, or the clean run's */
            lc__xfree(fr[i]);
            continue;
        }
        lc__buf_printf(&g[k].targets, "%s%d -> %s", g[k].targets.len ? ", " : "",
                       o->open[i].fd, o->open[i].target);
        g[k].stacks[g[k].nstacks] = fr[i];
        g[k].nstack[g[k].nstacks++] = nfr[i];
    }
    for (int k = 0; k < 2; k++)
        if (g[k].count > 0)
            fd_add(c, &g[k], k);
        else
            lc__buf_free(&g[k].targets);
}

static void hang_finding(struct lc_sweep_judge *c) {
    struct lc_sweep_finding f = {.kind = "hang"};
    struct lc_buf m;
    opening(c, &m);
    lc__buf_printf(&m, "the test hangs (stopped after %ld ms)", c->timeout_ms);
    add_finding(c, &f, &m, 0);
}

int lc__sweep_judge(struct lc_sweep_judge *c, const struct lc_sweep_outcome *o) {
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
    if (o->fds && o->nopen)
        fd_findings(c, o);
    else if (o->fds)
        resource_finding(c, "fds", o->fds, o->fd_targets);
    if (o->threads)
        resource_finding(c, "threads", o->threads, NULL);
    return 1;
}
