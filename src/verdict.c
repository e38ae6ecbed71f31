/* verdict.c: the steady-state rule that tells a leak from one-time
 * initialisation, a cache that fills to its cap, memory freed one iteration
 * later and turnover. See verdict.h for the rules; DESIGN.md for the table.
 * Not on the hook path. */
#include "verdict.h"

#include <string.h>

int lc__judge(const int64_t *v, unsigned n, int64_t tolerance, int final,
              struct lc_judge_info *info) {
    struct lc_judge_info r;
    memset(&r, 0, sizeof r);
    unsigned last = 0, prev = 0;
    int seen = 0;
    for (unsigned i = 1; i <= n; i++) {
        int64_t d = v[i] - v[i - 1];
        if (d > 0)
            r.gained += d;
        if (d > tolerance) {
            if (seen && i - prev > r.period)
                r.period = i - prev;
            prev = i;
            last = i;
            seen = 1;
            r.growths++;
        }
    }
    r.net = n ? v[n] - v[0] : 0;
    if (r.period == 0)
        r.period = 1;
    r.tail = seen ? n - last : n;

    if (!r.growths || r.net <= tolerance || r.net * 2 < r.gained) {
        r.judgement = LC_J_CLEAN;
        r.rule = !r.growths ? LC_R_FLAT : r.net * 2 < r.gained ? LC_R_TURNOVER : LC_R_STOPPED;
    } else if (r.growths >= 3 && r.tail < r.period) {
        r.judgement = LC_J_LEAK;
        r.rule = LC_R_STEADY;
    } else if (r.tail > r.period && r.tail >= (r.growths >= 3 ? 3u : LC_RARE_PERIOD)) {
        /* stopped: after fewer than three growths the period is unknown, so
         * the pause must outlast the rarest leak we promise to catch */
        r.judgement = LC_J_CLEAN;
        r.rule = LC_R_STOPPED;
    } else if (final) {
        r.judgement = r.growths >= 2 && r.tail < r.period ? LC_J_LEAK : LC_J_CLEAN;
        r.rule = r.judgement == LC_J_LEAK ? LC_R_TREND : LC_R_LIMIT;
    } else {
        r.judgement = LC_J_AMBIGUOUS;
        r.rule = LC_R_UNDECIDED;
    }
    if (info)
        *info = r;
    return r.judgement;
}

int lc__judge_resource(const int64_t *v, unsigned n, int final, struct lc_judge_info *info) {
    struct lc_judge_info r;
    int j = lc__judge(v, n, 0, final, &r);
    /* two separate growths that were both kept: no cap explains an fd or a
     * thread left twice */
    if (j != LC_J_LEAK && r.growths >= 2 && r.net >= 2 && r.net * 2 >= r.gained)
        j = r.judgement = LC_J_LEAK, r.rule = LC_R_KEPT;
    if (info)
        *info = r;
    return j;
}

int lc__judge_pair(const int64_t *blocks, const int64_t *bytes, unsigned n, int64_t tolerance,
                   int final, struct lc_judge_info *jb, struct lc_judge_info *jy) {
    int a = lc__judge(blocks, n, 0, final, jb);
    int b = lc__judge(bytes, n, tolerance, final, jy);
    if (a == LC_J_LEAK || b == LC_J_LEAK)
        return LC_J_LEAK;
    if (a == LC_J_AMBIGUOUS || b == LC_J_AMBIGUOUS)
        return LC_J_AMBIGUOUS;
    return LC_J_CLEAN;
}
