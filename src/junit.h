/* junit.h: the JUnit XML rendering of struct lc_run (results.h). One mapping,
 * compiled into both the library (report_junit.c writes a binary's report) and
 * the leakcheck tool (which rebuilds lc_runs from JSON reports and merges them),
 * so it depends only on libc, results.h and xml.h. Never on the hook path. */
#ifndef LC_JUNIT_H
#define LC_JUNIT_H

#include "results.h"
#include "xml.h"

/* The enum value of a name from lc__verdict_name / lc__finding_kind_name, or
 * -1 for a name this version does not know. */
int lc__verdict_parse(const char *name);
int lc__finding_kind_parse(const char *name);

/* One run with the facts the JUnit testsuite element carries beside it. */
struct lc_junit_run {
    const struct lc_run *run;
    const char *hostname;  /* may be NULL */
    const char *timestamp; /* "YYYY-MM-DDTHH:MM:SS" (a trailing zone is dropped); may be NULL */
};

/* Appends a whole document: one <testsuites> root holding, for each run, one
 * <testsuite> per group (in order of first appearance), its tests and then its
 * benchmarks as <testcase> elements. */
void lc__junit_render(struct lc_buf *b, const struct lc_junit_run *runs, size_t nruns);

/* ---- one testcase at a time (report_stream.c) ---- */
struct lc_junit_counts {
    size_t tests, failures, errors, skipped;
    double time;
};
/* The group a result is filed under (its own, else the binary's name). */
const char *lc__junit_group(const struct lc_run *r, const char *group);
void lc__junit_count_test(struct lc_junit_counts *c, const struct lc_test_result *t);
void lc__junit_count_bench(struct lc_junit_counts *c, const struct lc_bench_result *bm);
/* One <testcase> element, as lc__junit_render writes it. */
void lc__junit_render_test(struct lc_buf *b, const struct lc_run *r,
                           const struct lc_test_result *t);
void lc__junit_render_bench(struct lc_buf *b, const struct lc_run *r,
                            const struct lc_bench_result *bm);
/* The start tags of <testsuites> and <testsuite> with their attributes but
 * without the closing '>', so a caller can pad them for in-place updates. */
void lc__junit_root_head(struct lc_buf *b, const struct lc_junit_counts *c);
void lc__junit_suite_head(struct lc_buf *b, const struct lc_run *r,
                          const struct lc_junit_counts *c, const char *timestamp,
                          const char *hostname);

#endif
