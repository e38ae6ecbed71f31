/* html.c: `leakcheck report --html OUT.html [--baseline BASELINE.json]`: builds
 * the model of every loaded report (html_model.c), renders the page
 * (html_page.c) and writes it with the safe-write helper (a temp file in the
 * same directory, then a rename). A model or baseline problem is one line
 * naming the file, and nothing is written. Tool-side, plain malloc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/baseline.h"
#include "html.h"

/* The --baseline file: a leakcheck baseline, validated as the library reads
 * it. NULL after one line on stderr. */
static json_t *load_baseline(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "leakcheck: report: %s: cannot read: %s\n", path, strerror(errno));
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadf(fp, JSON_REJECT_DUPLICATES, &je);
    fclose(fp);
    if (!doc) {
        fprintf(stderr, "leakcheck: report: %s: not valid JSON at line %d, column %d: %s\n",
                path, je.line, je.column, je.text);
        return NULL;
    }
    char err[512];
    if (lc__bl_validate(doc, err, sizeof err)) {
        fprintf(stderr, "leakcheck: report: %s: %s\n", path, err);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int lc_tool_html_write(const char *path, const struct loaded *ls, size_t n,
                       const char *baseline_path) {
    json_t *baseline = NULL;
    if (baseline_path && !(baseline = load_baseline(baseline_path)))
        return -1;
    struct lc_html_file *fs = calloc(n ? n : 1, sizeof *fs);
    if (!fs) {
        fprintf(stderr, "leakcheck: report: out of memory\n");
        json_decref(baseline);
        return -1;
    }
    int rc = 0;
    size_t built = 0;
    char err[1024];
    for (; built < n; built++) {
        if (lc__html_model_build(&fs[built], &ls[built], err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            rc = -1;
            built++; /* free what it holds too */
            break;
        }
        fs[built].baseline = baseline;
    }
    if (rc == 0) {
        struct lc_buf b;
        lc__buf_init(&b, realloc, free);
        lc__html_page(&b, fs, n);
        rc = lc_tool_write_rendered(path, &b, "report");
    }
    for (size_t k = 0; k < built; k++)
        lc__html_model_free(&fs[k]);
    free(fs);
    json_decref(baseline);
    return rc;
}
