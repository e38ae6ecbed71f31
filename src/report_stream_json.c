/* report_stream_json.c: the layout of the streamed JSON report: owns how the
 * document is cut into a committed part (prologue, every final test) and a
 * tail (the last test, the benchmarks, the closing braces). Calls
 * report_json.c to render a result and report_stream.c to write. Report time
 * only, not on the hook path. */

#include "report_stream.h"

#include <string.h>

/* The benchmarks follow the tests array, so committed benchmarks are kept as
 * text and rewritten with the tail (their count is small next to the tests';
 * a binary that interleaves thousands of both pays for it). */

static struct lc_stream stream = {.fd = -1};
static struct lc_stream_cache cache[2]; /* 0: the last test, 1: the last benchmark */

/* jansson's dump callback: appends the text to the buffer with every line
 * after the first indented further (jansson indents a value from column 0,
 * the document nests it). JSON strings hold no raw newline, so every '\n' is
 * between tokens. */
struct indented {
    struct lc_buf *b;
    const char *ind; /* "    " for an array element, "  " for a top-level value */
};

static int put_indented(const char *text, size_t n, void *data) {
    struct indented *x = data;
    const char *p = text, *end = text + n, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        lc__buf_putn(x->b, p, (size_t)(nl - p) + 1);
        lc__buf_puts(x->b, x->ind);
        p = nl + 1;
    }
    lc__buf_putn(x->b, p, (size_t)(end - p));
    return x->b->failed ? -1 : 0;
}

/* Dumps j (consumed) into b indented by ind; -1 when it could not be encoded
 * completely. */
static int dump_indented(struct lc_buf *b, json_t *j, const char *ind) {
    struct indented x = {b, ind};
    int rc = j ? json_dump_callback(j, put_indented, &x, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
               : -1;
    json_decref(j);
    return rc || b->failed || lc__report_alloc_failed() ? -1 : 0;
}

/* Appends element i of the tests (kind 0) or benchmarks (kind 1) after a
 * comma unless it is the first; a tail element is remembered for its commit. */
static int put_element(struct lc_buf *b, const struct lc_run *run, int kind, size_t i,
                       int tail) {
    lc__buf_puts(b, i == 0 ? "\n    " : ",\n    ");
    const struct lc_buf *hit = tail ? NULL : lc__stream_cache_get(&cache[kind], run, kind, i);
    if (hit) {
        lc__buf_putn(b, hit->data, hit->len);
        return 0;
    }
    struct lc_buf el;
    lc__stream_buf(&el);
    int rc = dump_indented(&el, kind == 0 ? lc__json_test(run, &run->tests[i])
                                          : lc__json_bench(run, &run->benchmarks[i]),
                           "    ");
    lc__buf_putn(b, el.data, el.len);
    if (tail && rc == 0)
        lc__stream_cache_put(&cache[kind], run, kind, i, &el);
    else if (tail)
        cache[kind].valid = 0;
    lc__buf_free(&el);
    return rc;
}

/* The document up to and including `"tests": [`. Its host.binary is the
 * run's (both come from argv[0]), UTF-8 repaired by lc__json_document. */
static int prologue(struct lc_buf *b) {
    json_t *doc = lc__json_document();
    if (!doc)
        return -1;
    json_object_del(doc, "tests");
    json_object_del(doc, "benchmarks");
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    size_t n = text ? strlen(text) : 0;
    if (n < 2 || text[n - 1] != '}') {
        lc__xfree(text);
        return -1;
    }
    while (n > 1 && (text[n - 2] == '\n' || text[n - 2] == ' '))
        n--; /* drop the closing "\n}" */
    lc__buf_putn(b, text, n - 1);
    lc__buf_puts(b, ",\n  \"tests\": [");
    lc__xfree(text);
    return 0;
}

/* The keys after "benchmarks", as lc__json_run puts them: "cmocka" when a
 * group ran. Its counts change with every test, so it is part of the tail. */
static int put_epilogue(struct lc_buf *out, const struct lc_run *run) {
    if (run->cmocka.groups) {
        lc__buf_puts(out, ",\n  \"cmocka\": ");
        if (dump_indented(out, lc__json_cmocka(run), "  "))
            return -1;
    }
    lc__buf_puts(out, "\n}\n");
    return 0;
}

/* Appends the tail: the last test, the benchmarks (committed ones from
 * benches, then the last), the closing brackets and the epilogue. */
static int put_tail(struct lc_buf *out, const struct lc_run *run, const struct lc_buf *benches) {
    int bad = 0;
    if (run->ntests)
        bad = put_element(out, run, 0, run->ntests - 1, 1);
    lc__buf_puts(out, run->ntests ? "\n  ],\n  \"benchmarks\": [" : "],\n  \"benchmarks\": [");
    lc__buf_putn(out, benches->data, benches->len);
    if (!bad && run->nbenchmarks)
        bad = put_element(out, run, 1, run->nbenchmarks - 1, 1);
    lc__buf_puts(out, run->nbenchmarks ? "\n  ]" : "]");
    return bad || put_epilogue(out, run);
}

static int update(const struct lc_run *run, struct lc_stream *s, char *err, size_t errlen) {
    int fresh = s->fd < 0;
    struct lc_buf out, benches;
    lc__stream_buf(&out);
    lc__stream_buf(&benches);
    size_t tdone = fresh ? 0 : s->tests_done, bdone = fresh ? 0 : s->benches_done;
    int bad = fresh && prologue(&out) != 0;
    off_t base = fresh ? 0 : s->commit; /* where out goes in the file */
    for (; !bad && tdone + 1 < run->ntests; tdone++) /* every test but the last */
        bad = put_element(&out, run, 0, tdone, 0);
    off_t commit = base + (off_t)out.len;
    if (!fresh)
        lc__buf_putn(&benches, s->benches.data, s->benches.len);
    for (; !bad && bdone + 1 < run->nbenchmarks; bdone++)
        bad = put_element(&benches, run, 1, bdone, 0);
    bad = bad || put_tail(&out, run, &benches);
    int rc;
    if (bad || out.failed || benches.failed || lc__report_alloc_failed()) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': out of memory while "
                 "building it (the previous version is kept)", s->path);
        rc = -2; /* nothing written */
    } else {
        rc = fresh ? lc__stream_install(s, &out, err, errlen)
                   : lc__stream_store(s, &out, base, NULL, 0, err, errlen);
    }
    lc__buf_free(&out);
    if (rc != 0) {
        lc__buf_free(&benches);
        cache[0].valid = cache[1].valid = 0;
        return fresh ? -1 : lc__stream_failed(s, rc);
    }
    s->commit = commit;
    s->tests_done = tdone;
    s->benches_done = bdone;
    lc__buf_free(&s->benches);
    s->benches = benches;
    return 0;
}

int lc__report_stream_json(const struct lc_run *run, const char *path, char *err,
                           size_t errlen) {
    int rc;
    lc__guard_enter();
    if (lc__stream_open(run, 0, path, &stream, err, errlen, &rc)) {
        lc__json_enter();
        rc = update(run, &stream, err, errlen);
        lc__json_leave();
    }
    lc__guard_leave();
    return rc;
}
