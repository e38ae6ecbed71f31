/* html.h: what the files of `leakcheck report --html` share. html_model.c
 * turns loaded JSON reports (tool.h) into the page model below, html_page.c
 * writes the skeleton (head, CSP, verdict table), html_results.c the tests and
 * benchmarks, html_svg.c the plots, html_flame.c the flame graph, html_out.c
 * escaping and the CSP hash. Tool-side only (plain malloc, never the library). */
#ifndef LC_TOOL_HTML_H
#define LC_TOOL_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "../src/xml.h"
#include "tool.h"

enum lc_html_phase { LC_HTML_WARMUP = 0, LC_HTML_MEASURED, LC_HTML_EXTENDED };

/* The metrics a series point carries (the per-iteration "series" of a test,
 * the per-interval top-level "series" of a `leakcheck run` report). */
enum lc_html_metric {
    LC_HTML_LIVE_BLOCKS = 0,
    LC_HTML_LIVE_BYTES,
    LC_HTML_PEAK_BYTES,
    LC_HTML_THREADS,
    LC_HTML_FDS,
    LC_HTML_ALLOCS,
    LC_HTML_FREES,
    LC_HTML_NMETRICS
};

struct lc_html_point {
    double x;     /* iteration number, or milliseconds since start */
    int phase;    /* enum lc_html_phase (time series: LC_HTML_MEASURED) */
    double v[LC_HTML_NMETRICS];
};

struct lc_html_series {
    size_t n;
    struct lc_html_point *pts;
};

/* One finding of the agreed "fail_sweep" field. */
struct lc_html_sweep_finding {
    const char *mode, *kind, *message, *signal;
    lc_frame *site;
    int nsite;
    size_t nstacks;
    lc_frame **stacks;
    int *nstack;
    uint64_t blocks, bytes;
};

struct lc_html_sweep {
    int present; /* the test has a non-null fail_sweep */
    uint64_t sites, swept, unswept, runs;
    const char *skipped; /* why the sweep did not run, or NULL */
    const char *note;    /* what the sweep adds, or NULL */
    size_t n;
    struct lc_html_sweep_finding *f;
};

struct lc_html_test {
    const struct lc_test_result *t;
    struct lc_html_series series;
    struct lc_html_sweep sweep;
};

/* One report file as the page shows it. */
struct lc_html_file {
    const struct loaded *l;
    int is_run;                  /* written by `leakcheck run` (process mode) */
    struct lc_html_test *tests;  /* l->run.ntests of them */
    struct lc_html_series time;  /* the run's memory over time (may be empty) */
    int has_time;                /* the report has a top-level "series" */
    uint64_t sampling_bytes;     /* "sampling": {"bytes": N}; 0: exact */
    json_t *baseline;            /* --baseline document (not owned), or NULL */
};

/* Builds the model of l. Returns 0, or -1 with one line naming the file and
 * the problem in err (a field of the wrong type). */
int lc__html_model_build(struct lc_html_file *f, const struct loaded *l, char *err,
                         size_t errlen);
void lc__html_model_free(struct lc_html_file *f);

/* The whole page for n files into b (b->failed set when out of memory). */
void lc__html_page(struct lc_buf *b, const struct lc_html_file *files, size_t n);

/* The section of test ti of file fi (id "t-FI-TI"), and a file's benchmarks
 * table (html_results.c). */
void lc__html_test_section(struct lc_buf *b, const struct lc_html_file *f, size_t fi,
                           size_t ti);
void lc__html_benchmarks(struct lc_buf *b, const struct lc_html_file *f);
/* The four plots of a series (live blocks, live bytes, threads, fds). */
void lc__html_plots(struct lc_buf *b, const struct lc_html_series *s, const char *xlabel);

/* A line plot of one metric of a series, as inline SVG; warm-up iterations
 * shaded and extended ones marked. xlabel: "iteration" or "ms". */
void lc__html_plot(struct lc_buf *b, const struct lc_html_series *s, int metric,
                   const char *title, const char *xlabel);

/* A flame graph (inline SVG) of the memory findings of every test of f that
 * have stacks, weighted by bytes, the leak kind below the root for `leakcheck
 * run` reports; fi numbers the boxes' ids ("fl-FI-N"). Writes nothing when there
 * is no such stack. */
void lc__html_flame(struct lc_buf *b, const struct lc_html_file *f, size_t fi);

/* Escaped for HTML text and attribute values (the five characters, UTF-8
 * repaired, control characters replaced); NULL writes nothing. */
void lc__html_esc(struct lc_buf *b, const char *s);
/* "GROUP :: NAME" of a test, escaped. */
void lc__html_test_name(struct lc_buf *b, const struct lc_test_result *t);
/* "function (file:line)" of a frame, escaped; "??" for an unknown function. */
void lc__html_frame(struct lc_buf *b, const lc_frame *fr);
/* The CSP source for an inline script or style: "'sha256-BASE64'" of its
 * exact bytes, into out (at least 60 bytes). */
void lc__html_csp_hash(const char *text, size_t len, char *out, size_t outlen);

/* `leakcheck report --html`: writes the page for the loaded files to path
 * atomically (optionally with deltas against baseline_path). Returns 0, or -1
 * after one line on stderr. */
int lc_tool_html_write(const char *path, const struct loaded *ls, size_t n,
                       const char *baseline_path);

#endif
