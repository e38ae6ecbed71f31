/* attribution.c: growth per allocation site. Samples the survivors of the
 * active scope (lc_scope_survivors) after each attribution iteration, groups
 * depot stacks by their symbolized frames (lc_stack_symbolize) and judges each
 * group with verdict.c. Report time: guard up, never on the hook path. */
#include <string.h>

#include "attribution.h"
#include "internal.h"
#include "pretest_frees.h"
#include "xml.h"

struct lc_site_series {
    uint32_t stack;
    int cls;
    int group;       /* index into groups, -1 until grouped */
    int64_t *blocks; /* [capiter] values at the end of attribution iteration i */
    int64_t *bytes;
};

void lc__attr_init(struct lc_attribution *a, unsigned capiter) {
    memset(a, 0, sizeof *a);
    a->capiter = capiter;
}

static struct lc_site_series *site_get(struct lc_attribution *a, uint32_t stack, int cls) {
    for (size_t i = 0; i < a->nsites; i++)
        if (a->sites[i].stack == stack && a->sites[i].cls == cls)
            return &a->sites[i];
    if (a->nsites == a->capsites) {
        size_t ncap = a->capsites ? a->capsites * 2 : 64;
        struct lc_site_series *n = lc__xrealloc(a->sites, ncap * sizeof *n);
        if (!n)
            return NULL;
        a->sites = n;
        a->capsites = ncap;
    }
    struct lc_site_series *s = &a->sites[a->nsites];
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

void lc__attr_sample(struct lc_attribution *a) {
    lc_survivors *sv;
    if (a->niter >= a->capiter)
        return;
    if (lc_scope_survivors(&sv) != 0)
        return;
    lc__guard_enter();
    for (size_t i = 0; i < sv->nsites; i++) {
        struct lc_site_series *s = site_get(a, sv->sites[i].stack, sv->sites[i].cls);
        if (!s)
            continue;
        s->blocks[a->niter] = (int64_t)sv->sites[i].blocks;
        s->bytes[a->niter] = (int64_t)sv->sites[i].bytes;
    }
    if (!a->pre)
        a->pre = lc__xcalloc(4 * (size_t)a->capiter, sizeof *a->pre);
    for (int k = 0; a->pre && k < 2; k++)
        lc__pretest_frees(k, &a->pre[(2 * k) * a->capiter + a->niter],
                          &a->pre[(2 * k + 1) * a->capiter + a->niter]);
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

static void groups_free(struct lc_site_group *g, size_t n) {
    for (size_t i = 0; i < n; i++) {
        lc__xfree(g[i].key);
        lc__xfree(g[i].blocks);
        lc__xfree(g[i].bytes);
    }
    lc__xfree(g);
}

/* Groups sites by symbolized key and sums their series. */
static void attribution_group(struct lc_attribution *a) {
    groups_free(a->groups, a->ngroups);
    struct lc_site_group *g = lc__xcalloc(a->nsites ? a->nsites : 1, sizeof *g);
    size_t ng = 0;
    for (size_t i = 0; g && i < a->nsites; i++) {
        struct lc_site_series *s = &a->sites[i];
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
    a->groups = g;
    a->ngroups = ng;
}

/* A series that grew in the first half of the window and gained less than
 * half as much in the second is a fill slowing to its cap more than a steady
 * leak: OpenSSL's queue gives its 16 slots their data buffers one by one, so
 * the total's last growths come irregularly, 1 or 2 iterations before the
 * window ends, and the period rule alone calls it steady. It gets more
 * iterations; a leak at a constant rate never slows so. */
static int slowing(const int64_t *v, unsigned n) {
    unsigned h = n / 2;
    int64_t first = v[h] - v[0], second = v[n] - v[h];
    return n >= 4 && first > 0 && second * 2 < first;
}

/* Blocks from before the test that it freed since the first sample (a full
 * cache evicting an earlier test's entries) come off the class's totals: a
 * site that only replaces them is turnover. */
static void less_pretest_frees(const struct lc_attribution *a, int cls, int64_t *b, int64_t *y) {
    if (!a->pre)
        return;
    const int64_t *pb = &a->pre[(2 * cls) * a->capiter];
    const int64_t *py = &a->pre[(2 * cls + 1) * a->capiter];
    for (unsigned t = 0; t < a->niter; t++) {
        b[t] -= pb[t] - pb[0];
        y[t] -= py[t] - py[0];
    }
}

/* The judgement of a class's total: every group of cls summed, the survivors
 * of the counting iterations (kept without a stack) included. A bounded ring
 * that filled up during the counting iterations (OpenSSL's per-thread error
 * queue: 16 entries, each freed when its slot is reused) frees one stackless
 * block for each new one with a stack: its site grows every attribution
 * iteration while the total stays flat. */
static int class_total(const struct lc_attribution *a, int cls, int64_t tolerance, int final) {
    unsigned n = a->niter;
    int64_t *b = lc__xcalloc(n, sizeof *b), *y = lc__xcalloc(n, sizeof *y);
    int j = LC_J_LEAK; /* out of memory: the sites are judged alone, as before */
    if (b && y) {
        for (size_t g = 0; g < a->ngroups; g++)
            for (unsigned t = 0; a->groups[g].cls == cls && t < n; t++) {
                b[t] += a->groups[g].blocks[t];
                y[t] += a->groups[g].bytes[t];
            }
        less_pretest_frees(a, cls, b, y);
        struct lc_judge_info ib, iy;
        j = lc__judge_pair(b, y, n - 1, tolerance, final, &ib, &iy);
        if (j == LC_J_LEAK && !final && (ib.judgement != LC_J_LEAK || slowing(b, n - 1)) &&
            (iy.judgement != LC_J_LEAK || slowing(y, n - 1)))
            j = LC_J_AMBIGUOUS;
    }
    lc__xfree(b);
    lc__xfree(y);
    return j;
}

/* While a class's stackless group still shrinks, a stacked site's growth may
 * only be its replacement, even when the class's total grows because of a
 * real leak elsewhere: a ring beside a leak in the same test. So its sites
 * wait until that group has not shrunk for LC_STACKLESS_SETTLE iterations
 * (the ring's site then stops; the real one keeps growing). */
#define LC_STACKLESS_SETTLE 3u

static int stackless_shrinking(const struct lc_attribution *a, int cls) {
    unsigned n = a->niter - 1;
    unsigned from = n > LC_STACKLESS_SETTLE ? n - LC_STACKLESS_SETTLE : 0;
    for (size_t g = 0; g < a->ngroups; g++) {
        const struct lc_site_group *s = &a->groups[g];
        if (s->cls == cls && s->stack == 0 && s->blocks[n] < s->blocks[from])
            return 1;
    }
    return 0;
}

/* A site that grows is a leak only while its class's total grows too: growth
 * that only replaces stackless blocks is turnover, and it waits for the total
 * when that is still undecided, and for the stackless group to settle. */
int lc__attr_judge(struct lc_attribution *a, int64_t tolerance, int final) {
    attribution_group(a);
    int ambiguous = 0;
    int total[2] = {-1, -1}, shrinking[2] = {-1, -1};
    for (size_t g = 0; g < a->ngroups; g++) {
        struct lc_site_group *s = &a->groups[g];
        int j = lc__judge_pair(s->blocks, s->bytes, a->niter - 1, tolerance, final, &s->jb,
                               &s->jy);
        int c = s->cls == LEAKCHECK_BACKGROUND;
        if (j == LC_J_LEAK && total[c] < 0)
            total[c] = class_total(a, s->cls, tolerance, final);
        if (j == LC_J_LEAK && total[c] != LC_J_LEAK)
            j = total[c];
        if (j == LC_J_LEAK && !final && shrinking[c] < 0)
            shrinking[c] = stackless_shrinking(a, s->cls);
        if (j == LC_J_LEAK && !final && shrinking[c] == 1)
            j = LC_J_AMBIGUOUS;
        s->leak = j == LC_J_LEAK;
        ambiguous |= j == LC_J_AMBIGUOUS;
    }
    return ambiguous;
}

void lc__attr_spread(struct lc_attribution *a, int64_t tolerance) {
    struct lc_site_group *groups = a->groups;
    size_t ngroups = a->ngroups;
    int any = 0;
    for (size_t g = 0; g < ngroups; g++)
        any |= groups[g].leak;
    if (any || !ngroups || a->niter <= 1)
        return;
    unsigned n = a->niter - 1;
    int64_t *sum_b = lc__xcalloc(n + 1, sizeof(int64_t));
    int64_t *sum_y = lc__xcalloc(n + 1, sizeof(int64_t));
    for (size_t g = 0; sum_b && sum_y && g < ngroups; g++)
        for (unsigned t = 0; t <= n; t++) {
            sum_b[t] += groups[g].blocks[t];
            sum_y[t] += groups[g].bytes[t];
        }
    struct lc_judge_info ib, iy;
    if (sum_b && sum_y && lc__judge_pair(sum_b, sum_y, n, tolerance, 1, &ib, &iy) == LC_J_LEAK)
        for (size_t g = 0; g < ngroups; g++)
            groups[g].leak = groups[g].blocks[n] > groups[g].blocks[0] ||
                             groups[g].bytes[n] - groups[g].bytes[0] > tolerance;
    lc__xfree(sum_b);
    lc__xfree(sum_y);
}

void lc__attr_free(struct lc_attribution *a) {
    groups_free(a->groups, a->ngroups);
    for (size_t i = 0; i < a->nsites; i++) {
        lc__xfree(a->sites[i].blocks);
        lc__xfree(a->sites[i].bytes);
    }
    lc__xfree(a->sites);
    lc__xfree(a->pre);
    memset(a, 0, sizeof *a);
}
