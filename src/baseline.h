/* baseline.h: the baseline file (schema "leakcheck-baseline", version 1), its
 * entries made from results, its validation and the comparison of two
 * entries. Compiled into the library (bench.c judges tests and benchmarks
 * against a baseline and rewrites it) and into the tool (`leakcheck compare`,
 * `leakcheck baseline update`), so it depends only on libc, jansson and
 * results.h. Never on the hook path; in the library every call runs with the
 * guard up, between lc__json_enter and lc__json_leave.
 *
 * The document (written with entries sorted by key):
 *
 *   {"schema": {"name": "leakcheck-baseline", "version": 1},
 *    "benchmarks": {"GROUP::NAME": {"n", "allocs", "frees", "bytes", "peak_bytes",
 *                                   "net_blocks", "net_bytes", "data_dependent"}},
 *    "tests":      {"GROUP::NAME": {"allocs", "bytes", "peak_bytes", "leak_sites"}}}
 *
 * Every count is an integer, so a baseline compares exactly: a benchmark keeps
 * totals over its n ops (per op = total / n, compared by cross-multiplying);
 * a test keeps its largest measured iteration. */
#ifndef LC_BASELINE_H
#define LC_BASELINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "results.h"

#define LC_BASELINE_SCHEMA_NAME "leakcheck-baseline"
#define LC_BASELINE_SCHEMA_VERSION 1

enum lc_bl_kind { LC_BL_BENCH = 0, LC_BL_TEST = 1 };

/* "benchmarks" or "tests": the document's member holding entries of a kind. */
const char *lc__bl_section(int kind);
/* "benchmark" or "test", for messages. */
const char *lc__bl_kind_name(int kind);

struct lc_bl_metric {
    const char *key;   /* member of an entry */
    const char *label; /* for people: "allocs/op" */
    int per_op;        /* a total over n ops, shown and compared per op */
    int same_n;        /* grows with n: compared only when both n are equal */
    int gated;         /* higher is a regression, lower an improvement */
};
/* The metrics of an entry kind, in display order. */
const struct lc_bl_metric *lc__bl_metrics(int kind, size_t *n);

/* The entry key "GROUP::NAME" (NAME alone without a group), in buf. */
const char *lc__bl_key(const char *group, const char *name, char *buf, size_t len);

/* An empty document. */
json_t *lc__bl_new(void);
/* Checks a parsed document; 0, or -1 with the problem in err (one line, without
 * the file name). */
int lc__bl_validate(json_t *doc, char *err, size_t errlen);

/* A test's counts: over its measured iterations, the largest allocations,
 * bytes allocated and peak live bytes above the iteration's start. Returns 0
 * when it has no measured iteration (it failed, crashed or was skipped). */
int lc__bl_test_counts(const struct lc_test_result *t, uint64_t *allocs, uint64_t *bytes,
                       uint64_t *peak);
/* An entry for a test or a benchmark; NULL when it has no counts. */
json_t *lc__bl_test_entry(const struct lc_test_result *t);
json_t *lc__bl_bench_entry(const struct lc_bench_result *b);
/* Sets (adds or replaces) the entry of every test and benchmark of run that
 * has counts; returns how many. */
size_t lc__bl_put_run(json_t *doc, const struct lc_run *run);
/* The entry of a kind and key, or NULL. */
json_t *lc__bl_get(json_t *doc, int kind, const char *key);

/* A finding's site, as stored in a test entry's leak_sites: the kind and the
 * two innermost frames' functions and source files, without line numbers (an
 * edit elsewhere in the file must not make a known site new). */
void lc__bl_site_key(const struct lc_finding *f, char *buf, size_t len);
/* 1 when a test entry lists site. */
int lc__bl_has_site(json_t *entry, const char *site);

struct lc_bl_delta {
    const struct lc_bl_metric *m;
    int have;            /* both entries carry the metric */
    double old_v, new_v; /* per op for per_op metrics */
    int cmp;             /* -1 lower, 0 equal, 1 higher, 2 not compared (n differs) */
    int regression;      /* gated and higher, beyond the tolerance */
    int improvement;     /* gated and lower */
};
#define LC_BL_MAX_METRICS 8
/* Compares two entries of a kind metric by metric; out has LC_BL_MAX_METRICS
 * slots. tolerance_pct: how much higher (in % of the old value) is not yet a
 * regression; 0: any increase is one. Returns the number of deltas. */
size_t lc__bl_compare(int kind, json_t *old_e, json_t *new_e, double tolerance_pct,
                      struct lc_bl_delta *out);
/* A figure for people: integral values without decimals, others with up to 3. */
void lc__bl_num(double v, char *buf, size_t len);
/* "allocs/op 1 -> 2 (+1, +100%)" */
void lc__bl_delta_text(const struct lc_bl_delta *d, char *buf, size_t len);

/* The document as text (schema first, entries sorted by key, one per line
 * group), ending with a newline; allocated with jansson's allocator, so the
 * caller frees it with the matching free. NULL when out of memory. */
char *lc__bl_dump(json_t *doc);
/* 0 when text (from lc__bl_dump) reads back as a valid baseline, as every
 * reader reads it; else -1 and the reason in err. Writers check this before
 * a baseline is written, so they never write one they would refuse. */
int lc__bl_readable(const char *text, char *err, size_t errlen);
/* 0 when entry e under key would pass lc__bl_validate (for writers that add
 * one entry at a time to a validated document); else -1 and why in err. */
int lc__bl_entry_check(int kind, const char *key, json_t *e, char *err, size_t errlen);

#endif
