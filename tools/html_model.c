/* html_model.c: the HTML report's model of one loaded JSON report: per test
 * its series with phases and its fail sweep; for `leakcheck run` the top-level
 * time series and sampling rate. Reads the document tools/report.c's loader
 * parsed (it validated the rest); a field of the wrong type is one line naming
 * the file. Tool-side, plain malloc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "json_in.h"

static const char *const metric_keys[LC_HTML_NMETRICS] = {
    "live_blocks", "live_bytes", "peak_bytes", "threads", "fds", "allocs", "frees"};

/* A series array: xkey names the x member ("iteration" or "t_ms"). */
static int load_series(struct lc_jin *c, json_t *arr, const char *where, const char *xkey,
                       struct lc_html_series *s) {
    s->n = json_array_size(arr);
    s->pts = lc_jin_calloc(s->n, sizeof *s->pts);
    for (size_t i = 0; i < s->n; i++) {
        json_t *o = json_array_get(arr, i);
        struct lc_html_point *p = &s->pts[i];
        char w[128];
        snprintf(w, sizeof w, "%.80s[%zu]", where, i);
        if (!json_is_object(o))
            return lc_jin_fail(c, "%s is not an object", w);
        if (lc_jin_num(c, o, xkey, w, &p->x))
            return -1;
        if (!json_object_get(o, xkey))
            p->x = (double)i;
        for (int m = 0; m < LC_HTML_NMETRICS; m++)
            if (lc_jin_num(c, o, metric_keys[m], w, &p->v[m]))
                return -1;
        const char *phase;
        if (lc_jin_str(c, o, "phase", w, &phase))
            return -1;
        p->phase = !phase                        ? LC_HTML_MEASURED
                   : strcmp(phase, "warmup") == 0   ? LC_HTML_WARMUP
                   : strcmp(phase, "extended") == 0 ? LC_HTML_EXTENDED
                                                    : LC_HTML_MEASURED;
    }
    return 0;
}

/* Frames shaped as a finding's: {function, file, line, module, address}. */
static int load_frames(struct lc_jin *c, json_t *arr, const char *where, lc_frame **out,
                       int *n) {
    *n = (int)json_array_size(arr);
    *out = lc_jin_calloc((size_t)*n, sizeof **out);
    for (int i = 0; i < *n; i++) {
        json_t *o = json_array_get(arr, (size_t)i);
        lc_frame *fr = &(*out)[i];
        char w[160];
        double line;
        snprintf(w, sizeof w, "%.120s[%d]", where, i);
        if (!json_is_object(o))
            return lc_jin_fail(c, "%s is not an object", w);
        if (lc_jin_str(c, o, "function", w, &fr->function) || lc_jin_str(c, o, "file", w, &fr->file) ||
            lc_jin_str(c, o, "module", w, &fr->module) || lc_jin_num(c, o, "line", w, &line))
            return -1;
        fr->line = line > 0 ? (unsigned)line : 0;
        fr->inlined = json_is_true(json_object_get(o, "inlined"));
    }
    return 0;
}

static int load_sweep_finding(struct lc_jin *c, json_t *o, const char *where,
                              struct lc_html_sweep_finding *f) {
    json_t *arr;
    double blocks, bytes;
    char w[160];
    if (!json_is_object(o))
        return lc_jin_fail(c, "%s is not an object", where);
    if (lc_jin_str(c, o, "mode", where, &f->mode) || lc_jin_str(c, o, "kind", where, &f->kind) ||
        lc_jin_str(c, o, "message", where, &f->message) || lc_jin_str(c, o, "signal", where, &f->signal) ||
        lc_jin_num(c, o, "blocks", where, &blocks) || lc_jin_num(c, o, "bytes", where, &bytes))
        return -1;
    f->blocks = blocks > 0 ? (uint64_t)blocks : 0;
    f->bytes = bytes > 0 ? (uint64_t)bytes : 0;
    snprintf(w, sizeof w, "%.120s.site", where);
    if (lc_jin_array(c, o, "site", where, &arr) || (arr && load_frames(c, arr, w, &f->site, &f->nsite)))
        return -1;
    if (lc_jin_array(c, o, "stacks", where, &arr))
        return -1;
    f->nstacks = json_array_size(arr);
    f->stacks = lc_jin_calloc(f->nstacks, sizeof *f->stacks);
    f->nstack = lc_jin_calloc(f->nstacks, sizeof *f->nstack);
    for (size_t i = 0; i < f->nstacks; i++) {
        json_t *st = json_array_get(arr, i);
        snprintf(w, sizeof w, "%.120s.stacks[%zu]", where, i);
        if (!json_is_array(st))
            return lc_jin_fail(c, "%s is not an array", w);
        if (load_frames(c, st, w, &f->stacks[i], &f->nstack[i]))
            return -1;
    }
    return 0;
}

/* The agreed per-test "fail_sweep": null | {sites, swept, unswept, runs,
 * skipped, note, findings[]}. */
static int load_sweep(struct lc_jin *c, json_t *o, const char *where, struct lc_html_sweep *s) {
    json_t *v = json_object_get(o, "fail_sweep");
    char w[128];
    if (!v || json_is_null(v))
        return 0;
    snprintf(w, sizeof w, "%.80s.fail_sweep", where);
    if (!json_is_object(v))
        return lc_jin_fail(c, "%s is not an object", w);
    double sites, swept, unswept, runs;
    json_t *arr;
    if (lc_jin_num(c, v, "sites", w, &sites) || lc_jin_num(c, v, "swept", w, &swept) ||
        lc_jin_num(c, v, "unswept", w, &unswept) || lc_jin_num(c, v, "runs", w, &runs) ||
        lc_jin_str(c, v, "skipped", w, &s->skipped) || lc_jin_str(c, v, "note", w, &s->note) ||
        lc_jin_array(c, v, "findings", w, &arr))
        return -1;
    s->present = 1;
    s->sites = (uint64_t)(sites > 0 ? sites : 0);
    s->swept = (uint64_t)(swept > 0 ? swept : 0);
    s->unswept = (uint64_t)(unswept > 0 ? unswept : 0);
    s->runs = (uint64_t)(runs > 0 ? runs : 0);
    s->n = json_array_size(arr);
    s->f = lc_jin_calloc(s->n, sizeof *s->f);
    for (size_t i = 0; i < s->n; i++) {
        char wf[160];
        snprintf(wf, sizeof wf, "%s.findings[%zu]", w, i);
        if (load_sweep_finding(c, json_array_get(arr, i), wf, &s->f[i]))
            return -1;
    }
    return 0;
}

static int load_run_extras(struct lc_jin *c, struct lc_html_file *f, json_t *doc) {
    json_t *arr, *sampling = json_object_get(doc, "sampling");
    if (lc_jin_array(c, doc, "series", "report", &arr))
        return -1;
    if (arr) {
        f->has_time = 1;
        if (load_series(c, arr, "series", "t_ms", &f->time))
            return -1;
    }
    if (sampling && !json_is_null(sampling)) {
        double bytes;
        if (!json_is_object(sampling))
            return lc_jin_fail(c, "sampling is not an object");
        if (lc_jin_num(c, sampling, "bytes", "sampling", &bytes))
            return -1;
        f->sampling_bytes = bytes > 0 ? (uint64_t)bytes : 0;
    }
    return 0;
}

int lc__html_model_build(struct lc_html_file *f, const struct loaded *l, char *err,
                         size_t errlen) {
    struct lc_jin c = {l->path, err, errlen, "report"};
    json_t *tests = json_object_get(l->doc, "tests");
    memset(f, 0, sizeof *f);
    f->l = l;
    f->tests = lc_jin_calloc(l->run.ntests, sizeof *f->tests);
    for (size_t i = 0; i < l->run.ntests; i++) {
        struct lc_html_test *t = &f->tests[i];
        json_t *o = json_array_get(tests, i), *arr;
        char w[64];
        snprintf(w, sizeof w, "tests[%zu]", i);
        t->t = &l->run.tests[i];
        if (strncmp(t->t->name, "process:", 8) == 0)
            f->is_run = 1;
        snprintf(w, sizeof w, "tests[%zu].series", i);
        if (lc_jin_array(&c, o, "series", w, &arr) ||
            (arr && load_series(&c, arr, w, "iteration", &t->series)))
            return -1;
        snprintf(w, sizeof w, "tests[%zu]", i);
        if (load_sweep(&c, o, w, &t->sweep))
            return -1;
    }
    return load_run_extras(&c, f, l->doc);
}

static void free_sweep(struct lc_html_sweep *s) {
    for (size_t i = 0; s->f && i < s->n; i++) {
        free(s->f[i].site);
        for (size_t k = 0; s->f[i].stacks && k < s->f[i].nstacks; k++)
            free(s->f[i].stacks[k]);
        free(s->f[i].stacks);
        free(s->f[i].nstack);
    }
    free(s->f);
}

void lc__html_model_free(struct lc_html_file *f) {
    for (size_t i = 0; f->tests && i < f->l->run.ntests; i++) {
        free(f->tests[i].series.pts);
        free_sweep(&f->tests[i].sweep);
    }
    free(f->tests);
    free(f->time.pts);
    memset(f, 0, sizeof *f);
}
