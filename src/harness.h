/* harness.h: what other report-time modules (benchmarks) share with the test
 * engine in harness.c. Not on the hook path. */
#ifndef LC_HARNESS_H
#define LC_HARNESS_H

#include <stdio.h>

#include "results.h"

/* The run every test and benchmark result is added to (the reports' source).
 * Its arrays are lc__xmalloc'd; grow run->benchmarks with lc__xrealloc. */
struct lc_run *lc__harness_run(void);
/* The cmocka group in progress (NULL outside cmocka_run_group_tests). */
const char *lc__harness_group(void);
/* Settles res as an error the tracker could not observe (why: one line),
 * prints it and writes the reports; the caller fails the cmocka test. */
void lc__harness_refuse(struct lc_test_result *res, const char *why);
/* Rewrites the JSON and JUnit reports (when configured), atomically. */
void lc__harness_write_reports(void);
/* The stream for leakcheck's console lines and the prefix each line takes:
 * standard output, "# " comments inside cmocka's TAP, standard error when
 * cmocka writes SUBUNIT or XML to standard output. */
FILE *lc__console(const char **prefix);
/* 1 when console lines may be coloured (LEAKCHECK_COLOR, a terminal). */
int lc__use_color(void);
struct lc_buf;
/* Appends "fn (file:line) <- ... <- caller (file:line)": the innermost frame,
 * then the program's own frames (runtime frames in between show as "..."). */
void lc__stack_line(struct lc_buf *b, const lc_frame *f, int n, int max);
/* Fails the current cmocka test with text (ending in a newline) as its
 * message: cm_print_error on cmocka 1.1.x, cmocka_print_error on 2.x, then
 * _fail, which longjmps to cmocka's runner. */
void lc__cmocka_fail(const char *file, int line, const char *text)
    __attribute__((noreturn));
/* CLOCK_MONOTONIC in seconds. */
double lc__now(void);
/* Before a benchmark: the harness's one-time set-up, and the settling of a
 * test (or benchmark) whose body longjmped out. */
void lc__harness_prepare(void);

/* ---- bench.c, called by the harness ---- */
#include "leakcheck/bench.h"
/* Settles a benchmark whose body longjmped out (it stays "did not finish")
 * and closes an allocation-free region left open the same way. */
void lc__bench_settle(void);
/* Reads LEAKCHECK_BASELINE once; a missing or bad file is reported then. */
void lc__baseline_load(void);
/* 1 when the baseline file is corrupt or foreign: the run must exit non-zero. */
int lc__baseline_broken(void);
/* A finished test against its budget (may be NULL) and the baseline: may turn
 * a clean verdict into "failed" and extends the message. Guard up or not. */
void lc__bench_judge_test(struct lc_test_result *res, const lc_budget *budget);
/* The benchmarks' and the baseline's summary lines at exit. */
void lc__bench_summary(void);

#endif
