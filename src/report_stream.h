/* report_stream.h: what the two streamed report layouts (report_stream_json.c,
 * report_stream_junit.c) share with the file plumbing of report_stream.c: the
 * state of one open report file, in-place writes, the rendering cache. Report
 * time only, never on the hook path. */
#ifndef LC_REPORT_STREAM_H
#define LC_REPORT_STREAM_H

#include <sys/types.h>

#include "junit.h"
#include "report.h"

/* A start tag already in the file, rewritten in place with new counts. */
struct lc_stream_patch {
    off_t at;
    size_t room;
    struct lc_buf text;
};

/* One report file of the run. */
struct lc_stream {
    char path[4096];   /* the expanded path the file was installed at */
    int fd;            /* the installed file; -1 before or after a failure */
    int kind;          /* LC_SINK_*; 0 until the first call decides; -1 done */
    off_t commit;      /* end of the committed part */
    off_t size;        /* the file's length */
    off_t reserved;    /* disk room reserved up to here (fallocate) */
    dev_t dev;         /* the installed file, to tell it from whatever a test */
    ino_t ino;         /* opened after closing our descriptor */
    size_t tests_done, benches_done; /* results in the committed part */
    /* JSON: the committed benchmarks, which follow the tests array */
    struct lc_buf benches;
    /* JUnit: the root tag, the open suite (the committed part's last) */
    off_t root_at;
    size_t root_room;
    const char *suite_group; /* interned; NULL when no suite is open */
    off_t suite_at;
    size_t suite_room;
    struct lc_junit_counts all, suite;
    char host[256], stamp[32];
};

/* The last rendering of the tail's test or benchmark and the bytes of its
 * result struct then. The harness settles a result before it starts the next
 * one and writes the reports after every change, so when the struct is byte
 * for byte the same at commit time its text is reused, not rendered again. */
struct lc_stream_cache {
    int valid;
    size_t index;
    unsigned char key[sizeof(struct lc_test_result) > sizeof(struct lc_bench_result)
                          ? sizeof(struct lc_test_result)
                          : sizeof(struct lc_bench_result)];
    struct lc_buf text;
};

/* A buffer on the counted report allocator (report_alloc.c). */
void lc__stream_buf(struct lc_buf *b);
void lc__stream_spaces(struct lc_buf *b, size_t n);
/* 1 after lc__report_stream_finish: the run's last writes. */
int lc__stream_finishing(void);

/* Decides how path (expanded) is written. Returns 1 when the caller goes on
 * with an in-place update of s (s->fd < 0: install a fresh file); else 0 with
 * the result in *rc (a device or FIFO written at the end, or an error). fmt:
 * 0 JSON, 1 JUnit. */
int lc__stream_open(const struct lc_run *run, int fmt, const char *path, struct lc_stream *s,
                    char *err, size_t errlen, int *rc);
/* Installs a fresh file holding out; 0 or -1 with err. */
int lc__stream_install(struct lc_stream *s, const struct lc_buf *out, char *err,
                       size_t errlen);
/* Writes out at base (padding over the rest of the old file), then the
 * patches. 0, -1 (the file may be torn: install afresh) or -2 (nothing was
 * written: no room on disk). */
int lc__stream_store(struct lc_stream *s, const struct lc_buf *out, off_t base,
                     struct lc_stream_patch *p, int np, char *err, size_t errlen);
/* After a failed update: -1 closes the file (a fresh one is installed next),
 * -2 keeps it; returns the public result (-1). */
int lc__stream_failed(struct lc_stream *s, int rc);

/* The cached text of result i (kind 0: a test, 1: a benchmark) when the
 * result is unchanged since, or NULL; and keeping text (taken over). */
const struct lc_buf *lc__stream_cache_get(struct lc_stream_cache *c, const struct lc_run *run,
                                          int kind, size_t i);
void lc__stream_cache_put(struct lc_stream_cache *c, const struct lc_run *run, int kind,
                          size_t i, struct lc_buf *text);

#endif
