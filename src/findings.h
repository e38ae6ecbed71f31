/* findings.h: turning what grew into a test's findings (findings.c): one per
 * leaking allocation site, leaked thread or leaked fd, each with its
 * symbolized stack and summary line, after the test's expected-leak rules and
 * the suppressions. Report time, never on the hook path. */
#ifndef LC_FINDINGS_H
#define LC_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "attribution.h"
#include "fds.h"
#include "report.h"
#include "results.h"
#include "verdict.h"

/* The rules a test's findings pass through: its .expect first, then the
 * LEAKCHECK_SUPPRESSIONS rules (then, for memory, the built-in test-time
 * rules of suppress_test.c, which are not stored here). */
struct lc_rules {
    struct lc_suppression *r;
    size_t n, nexpect;
};
/* Parses expect (may be NULL) and adds the suppressions in force; returns 0,
 * or -1 with a one-line reason in err. */
int lc__rules_for_test(struct lc_rules *rules, const char *expect, char *err, size_t errlen);
void lc__rules_free(struct lc_rules *rules);
/* Adds the built-in rules (what glibc and libunwind keep until exit): a
 * single run is judged on what it left, like `leakcheck run`. */
void lc__rules_add_builtin(struct lc_rules *rules);

/* Growth of the memory findings kept: total blocks and bytes over n iterations. */
struct lc_growth {
    uint64_t blocks, bytes;
    unsigned n;
};

/* findings_alike.c: memory findings from index first on whose summary lines
 * read alike get as many more frames as tell them apart. */
void lc__findings_tell_apart(struct lc_test_result *res, size_t first);
/* A finding per leaking site group of the attribution pass. */
void lc__findings_sites(struct lc_test_result *res, struct lc_rules *rules,
                        const struct lc_attribution *at, struct lc_growth *g);
/* Without stacks: a finding per class (attributed, background) whose series
 * leaked, with the aggregate growth. series[k][0..n] are the class's values. */
void lc__findings_totals(struct lc_test_result *res, int64_t *const blocks[2],
                         int64_t *const bytes[2], unsigned n, const struct lc_judge_info jb[2],
                         const struct lc_judge_info jy[2], struct lc_growth *g);
struct lc_reach_block;
/* Single run: a finding per allocation stack among blocks the scan found
 * definitely or indirectly lost (possibly lost and reachable blocks are not
 * leaks). have_stacks: 0 when the run counted only. */
void lc__findings_single_run(struct lc_test_result *res, struct lc_rules *rules,
                             const struct lc_reach_block *blocks, size_t n, int have_stacks,
                             struct lc_growth *g);
/* A finding per thread of scope generation gen started by the test in
 * iterations [first, end) that is still running or exited unjoined. series
 * holds the threads count per judged iteration (n + 1 values). Returns the
 * number of threads reported. */
unsigned lc__findings_threads(struct lc_test_result *res, struct lc_rules *rules, uint32_t gen,
                              unsigned first, unsigned end, const int64_t *series, unsigned n,
                              int stack_signal);
/* Threads by handle: a finding per thread of generation gen started before
 * iteration `end` (warm-up included) that is still running or exited
 * unjoined and whose pthread_t the reachability scan finds stored nowhere
 * (roots and reachable blocks; the thread's own stack and the registry left
 * out). A pool whose handles are kept is one-time. n: the growth vector's
 * length (zeros). A dropped thread still running gets up to settle_ms to
 * exit first (its state then says "exited-unjoined"). Returns the number
 * reported; 0 when the scan could not run. */
unsigned lc__findings_thread_handles(struct lc_test_result *res, struct lc_rules *rules,
                                     uint32_t gen, unsigned end, unsigned n, int stack_signal,
                                     long settle_ms, int skip_detached);
/* Drops memory findings that are glibc's thread stack cache (a thread's stack,
 * TLS and DTV): part of a thread leak when threads leaked, else the cache. */
void lc__findings_drop_thread_cache(struct lc_test_result *res, unsigned leaked_threads,
                                    struct lc_growth *g);
/* A finding per fd open in end and not in base; returns the count. */
unsigned lc__findings_fds(struct lc_test_result *res, struct lc_rules *rules,
                          const struct lc_fdset *base, const struct lc_fdset *end,
                          const int64_t *series, unsigned n);

/* A finding per child process in end and not in base; series[0..n] the
 * children per judged iteration; returns the count. */
struct lc_childset;
unsigned lc__findings_children(struct lc_test_result *res, struct lc_rules *rules,
                               const struct lc_childset *base, const struct lc_childset *end,
                               const int64_t *series, unsigned n);

/* A finding per stack whose mappings of scope generation gen, made in
 * iterations [first, end), are still mapped; series[0..n] and bytes[0..n] are
 * the live mappings and their bytes per judged iteration. Returns how many
 * mappings were reported. series NULL: a single run (n 1), where a mapping
 * that replaced one of the same file made before the scope (a remap) is not
 * left behind. */
unsigned lc__findings_maps(struct lc_test_result *res, struct lc_rules *rules, uint32_t gen,
                           unsigned first, unsigned end, const int64_t *series,
                           const int64_t *bytes, unsigned n);

#endif
