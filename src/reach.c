#include "reach.h"
#include "internal.h"
const char *lc__reach_kind_name(int k) { static const char *n[] = {"definite","indirect","possible","reachable"}; return k>=0&&k<4?n[k]:"?"; }
int lc__reach_classify(struct lc_reach_block *b, size_t n, const struct lc_reach_opts *o, struct lc_reach_stats *st) { (void)o;(void)st; for (size_t i=0;i<n;i++) b[i].kind=LC_REACH_DEFINITE; return 0; }
