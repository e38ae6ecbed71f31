/* harness.h: what other report-time modules (benchmarks) share with the test
 * engine in harness.c. Not on the hook path. */
#ifndef LC_HARNESS_H
#define LC_HARNESS_H

#include "results.h"

/* The run every test and benchmark result is added to (the reports' source).
 * Its arrays are lc__xmalloc'd; grow run->benchmarks with lc__xrealloc. */
struct lc_run *lc__harness_run(void);
/* The cmocka group in progress (NULL outside cmocka_run_group_tests). */
const char *lc__harness_group(void);
/* Rewrites the JSON and JUnit reports (when configured), atomically. */
void lc__harness_write_reports(void);

#endif
