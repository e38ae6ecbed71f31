/* findings_alike.c: summary lines of one test that read alike, because the
 * frame telling their stacks apart was elided from the middle (Pacemaker's
 * assert_parse_bool), get as many more frames as tell them apart. Calls
 * console.c's lc__stack_line; report time, guard up, not on the hook path. */
#include <string.h>

#include "console.h"
#include "findings.h"
#include "internal.h"
#include "xml.h"

#define LC__LINE_FRAMES 4 /* the frames a summary line shows (findings.c) */

static char *stack_text(const struct lc_finding *f, int max) {
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__stack_line(&b, f->stack, f->nstack, max);
    if (b.failed) {
        lc__buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int alike(const struct lc_finding *a, const struct lc_finding *b) {
    return a->kind == LC_FINDING_MEMORY && b->kind == LC_FINDING_MEMORY && a->summary &&
           b->summary && a->stack && b->stack && strcmp(a->summary, b->summary) == 0;
}

/* 1 when the lines of group[0..n) at max frames are all different. */
static int distinct_at(struct lc_finding *const *group, size_t n, int max) {
    int ok = 1;
    char **t = lc__xcalloc(n, sizeof *t);
    if (!t)
        return 1; /* out of memory: leave the lines as they are */
    for (size_t i = 0; i < n; i++)
        t[i] = stack_text(group[i], max);
    for (size_t i = 0; ok && i < n; i++)
        for (size_t j = i + 1; ok && j < n; j++)
            ok = t[i] && t[j] && strcmp(t[i], t[j]) != 0;
    for (size_t i = 0; i < n; i++)
        lc__xfree(t[i]);
    lc__xfree(t);
    return ok;
}

/* The summary with its stack part (written at LC__LINE_FRAMES) redone at max. */
static void rewrite(struct lc_finding *f, int max) {
    char *old = stack_text(f, LC__LINE_FRAMES), *now = stack_text(f, max);
    size_t ls = strlen(f->summary), lo = old ? strlen(old) : 0;
    if (old && now && lo <= ls && strcmp(f->summary + ls - lo, old) == 0) {
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__buf_putn(&b, f->summary, ls - lo);
        lc__buf_puts(&b, now);
        if (!b.failed)
            f->summary = b.data; /* the old line stays with the result's other strings */
    }
    lc__xfree(old);
    lc__xfree(now);
}

void lc__findings_tell_apart(struct lc_test_result *res, size_t first) {
    size_t n = res->nfindings;
    if (n <= first + 1)
        return;
    struct lc_finding **group = lc__xcalloc(n - first, sizeof *group);
    char *done = lc__xcalloc(n - first, 1);
    for (size_t i = first; group && done && i < n; i++) {
        if (done[i - first])
            continue;
        size_t ng = 0;
        for (size_t j = i; j < n; j++)
            if (!done[j - first] && (j == i || alike(&res->findings[i], &res->findings[j]))) {
                group[ng++] = &res->findings[j];
                done[j - first] = 1;
            }
        if (ng < 2)
            continue;
        int max = LC__LINE_FRAMES + 1, all = 0;
        for (size_t k = 0; k < ng; k++)
            all = group[k]->nstack > all ? group[k]->nstack : all;
        while (max < all && !distinct_at(group, ng, max)) /* at `all` every frame shows */
            max++;
        for (size_t k = 0; k < ng; k++)
            rewrite(group[k], max);
    }
    lc__xfree(group);
    lc__xfree(done);
}
