/* verdict.h: judging one resource series (live blocks of a site, live bytes,
 * threads, fds) over a test's measured iterations. Pure functions, no state;
 * unit-tested against every row of the verdict table in DESIGN.md. */
#ifndef LC_VERDICT_H
#define LC_VERDICT_H

#include <stdint.h>

enum lc_judgement {
    LC_J_CLEAN = 0,     /* no growth, one-time, growth that stopped, turnover */
    LC_J_LEAK = 1,      /* grows every iteration, or every k-th, and keeps it */
    LC_J_AMBIGUOUS = 2, /* not enough iterations to tell: run more */
};

/* Which rule decided (the JSON's `reason` is made from it). */
enum lc_rule {
    LC_R_FLAT = 0,   /* no growth at all */
    LC_R_TURNOVER,   /* grew, but gave back what it gained */
    LC_R_STEADY,     /* grows at a steady period: leak */
    LC_R_STOPPED,    /* grew, then stopped for longer than its period: a cap */
    LC_R_TREND,      /* at the iteration limit, still growing at its period: leak */
    LC_R_LIMIT,      /* at the iteration limit, not growing at its period: clean */
    LC_R_UNDECIDED,  /* ambiguous: more iterations wanted */
    LC_R_KEPT,       /* an fd or thread series that grew twice and kept both: leak */
};

struct lc_judge_info {
    int judgement;
    int rule;           /* enum lc_rule */
    unsigned growths;   /* iterations in which the quantity grew */
    unsigned period;    /* largest distance between two growths (1: every iteration) */
    unsigned tail;      /* iterations since the last growth */
    int64_t net;        /* last value minus the value before the window */
    int64_t gained;     /* sum of the increases */
};

/* v[0] is the value just before the judged window (the end of the last
 * warm-up iteration); v[1..n] are the values at the end of each judged
 * iteration. An increase larger than `tolerance` is a growth.
 *
 * The rules, in order:
 *  - no growth, or the window gives back more than half of what it gained
 *    (turnover, a FIFO, a background thread's in-flight blocks): clean;
 *  - three or more growths at a steady period, the last one recent enough that
 *    the period predicts no pause yet (tail < period): leak;
 *  - no growth for longer than the period and at least 3 iterations (10,
 *    LC_RARE_PERIOD, after fewer than three growths, so that a leak every
 *    k-th call for k up to 10 is seen again): the growth stopped at a cap:
 *    clean;
 *  - otherwise ambiguous: the caller runs another iteration and asks again.
 * `final` is set when no more iterations may run; an ambiguous series is then
 * decided by its recent trend (two or more growths still at their period:
 * leak), never by chance. */
int lc__judge(const int64_t *v, unsigned n, int64_t tolerance, int final,
              struct lc_judge_info *info);

#define LC_RARE_PERIOD 10u

/* fds and threads: as lc__judge, and two or more growths that were kept
 * (net >= 2) are a leak: a random leak in 2 of 7 iterations is reported. */
int lc__judge_resource(const int64_t *v, unsigned n, int final, struct lc_judge_info *info);

/* A memory series pair: blocks judged with no tolerance, bytes with
 * `tolerance`; a leak in either is a leak, else an ambiguous one is ambiguous. */
int lc__judge_pair(const int64_t *blocks, const int64_t *bytes, unsigned n, int64_t tolerance,
                   int final, struct lc_judge_info *jb, struct lc_judge_info *jy);

#endif
