/* gate.h: the allocation gates a finished test or benchmark passes through
 * after its verdict: budgets and the baseline file (gate.c). Report time, never
 * on the hook path. */
#ifndef LC_GATE_H
#define LC_GATE_H

#include <jansson.h>

#include "leakcheck/bench.h"
#include "results.h"

struct lc_buf;

/* Reads LEAKCHECK_BASELINE once; a missing or bad file is reported then. */
void lc__baseline_load(void);
/* 1 when the baseline file is corrupt or foreign: the run must exit non-zero. */
int lc__baseline_broken(void);
/* 1 when results are compared with (or written into) a baseline document. */
int lc__baseline_active(void);
/* Judges one entry (enum lc_bl_kind) against the baseline and, when updating,
 * stores it. Regressions go to fail (or, when updating, to note), improvements
 * and new entries to note. Takes ownership of entry (may be NULL). Returns the
 * baseline's entry before any update (borrowed; valid until the next call), or
 * NULL. Call with the guard up, inside lc__json_enter. */
json_t *lc__baseline_judge(int kind, const char *group, const char *name, json_t *entry,
                           struct lc_buf *fail, struct lc_buf *note);
/* The baseline's summary line at exit. */
void lc__baseline_summary(void);

/* Appends one clause to a "; "-separated one-line message. */
void lc__clause(struct lc_buf *b, const char *text);
/* Checks allocations, bytes and peak against a budget; any excess becomes
 * "over budget: ..." in fail. per is "/op" (benchmarks) or "/iter" (tests). */
void lc__budget_judge(struct lc_buf *fail, const lc_budget *b, const char *per, double allocs,
                      double bytes, double peak);
/* A finished test against its budget (may be NULL) and the baseline: may turn
 * a clean verdict into "failed" and extends the message. Guard up or not. */
void lc__gate_test(struct lc_test_result *res, const lc_budget *budget);

#endif
