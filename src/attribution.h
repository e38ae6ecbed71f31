/* attribution.h: which allocation sites grow (attribution.c). While a test's
 * memory grows, the engine runs extra iterations with stacks and samples the
 * survivors after each; this groups the samples by symbolized site and judges
 * every site's series. Report time, never on the hook path. */
#ifndef LC_ATTRIBUTION_H
#define LC_ATTRIBUTION_H

#include <stddef.h>
#include <stdint.h>

#include "verdict.h"

/* One site: the stacks whose symbolized frames are the same (a module
 * reloaded at another address still adds to one site). */
struct lc_site_group {
    char *key;        /* symbolized frames: the identity of a site */
    uint32_t stack;   /* a representative stack */
    int cls;          /* LEAKCHECK_ATTRIBUTED or LEAKCHECK_BACKGROUND */
    int64_t *blocks, *bytes; /* [niter] live at each sample */
    struct lc_judge_info jb, jy;
    int leak;
};

struct lc_site_series;
struct lc_attribution {
    struct lc_site_series *sites; /* per depot stack and class */
    size_t nsites, capsites;
    unsigned niter, capiter;      /* samples 0..niter-1; [0] before the first iteration */
    struct lc_site_group *groups;
    size_t ngroups;
    /* [4][capiter]: per class, pretest_frees.c's blocks then bytes at each
     * sample (blocks from before the test it freed: taken off its totals) */
    int64_t *pre;
};

/* Room for capiter samples. */
void lc__attr_init(struct lc_attribution *a, unsigned capiter);
/* Records every live site's blocks and bytes as sample number a->niter. */
void lc__attr_sample(struct lc_attribution *a);
/* Groups the sites and judges each group's series; returns 1 when a group is
 * still ambiguous (run another iteration unless final). */
int lc__attr_judge(struct lc_attribution *a, int64_t tolerance, int final);
/* When no single site grows but the sites together do (a recursion of varying
 * depth, a callback table), marks every site that grew as leaking. */
void lc__attr_spread(struct lc_attribution *a, int64_t tolerance);
void lc__attr_free(struct lc_attribution *a);

#endif
