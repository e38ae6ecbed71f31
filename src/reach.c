/* TEMPORARY stand-in until the reach branch merges */
/* reach.c (stand-in): marks every block definitely lost, so the engine's
 * single-run mode links and fails on anything a test left behind. The reach
 * branch replaces this file with the real scan. Not on the hook path. */
#include <string.h>

#include "reach.h"

const char *lc__reach_kind_name(int kind) {
    static const char *const names[] = {"definite", "indirect", "possible", "reachable"};
    return kind >= 0 && kind <= LC_REACH_REACHABLE ? names[kind] : "unknown";
}

int lc__reach_classify(struct lc_reach_block *blocks, size_t n, const struct lc_reach_opts *o,
                       struct lc_reach_stats *st) {
    (void)o;
    for (size_t i = 0; i < n; i++)
        blocks[i].kind = LC_REACH_DEFINITE;
    if (st)
        memset(st, 0, sizeof *st);
    return 0;
}
