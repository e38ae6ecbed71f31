/* run_tests_merge.c (tool): the traced program's own per-test results in
 * `leakcheck run`'s reports. When the program judges tests itself (--cmocka:
 * verdicts, fail_sweep findings), it writes its JSON and JUnit reports into a
 * second private directory of ours; after the tool has written its process
 * reports, their tests are put before the process entry (JSON: the objects as
 * the program wrote them; JUnit: its <testsuite> elements, the root's totals
 * summed). Called by run.c; jansson and plain malloc, no libleakcheck. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/options.h"
#include "../src/report.h"
#include "run.h"
#include "tool.h"

static char dir[PATH_MAX];          /* our directory; "" when not made */
static char *want_json, *want_junit; /* the user's report paths (unexpanded) */
static int judges_tests;             /* LEAKCHECK_CMOCKA: the program judges its tests */

static void child_path(char *out, size_t len, const char *name) {
    snprintf(out, len, "%s/%s", dir, name);
}

void lc_run_tests_prepare(void) {
    const char *j = getenv("LEAKCHECK_JSON"), *x = getenv("LEAKCHECK_JUNIT");
    want_json = j && *j ? strdup(j) : NULL;
    want_junit = x && *x ? strdup(x) : NULL;
    const char *cm = getenv("LEAKCHECK_CMOCKA");
    judges_tests = cm && *cm && strcmp(cm, "0") != 0;
    if (!want_json && !want_junit && !judges_tests)
        return;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/leakcheck-tests-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "leakcheck: run: cannot create a private directory for the "
                "program's test reports: %s; the reports hold the process only\n",
                strerror(errno));
        dir[0] = 0;
    }
}

void lc_run_tests_child_env(void) {
    char p[PATH_MAX + 512];
    if (!dir[0])
        return;
    if (want_json || judges_tests) { /* the verdicts, for the exit status too */
        child_path(p, sizeof p, "tests.json");
        setenv("LEAKCHECK_JSON", p, 1);
    }
    if (want_junit) {
        child_path(p, sizeof p, "tests.xml");
        setenv("LEAKCHECK_JUNIT", p, 1);
    }
}

/* ---- JSON: the program's tests, then the tool's ---- */

/* Tests of the program's report whose verdict fails (leak, failed, crashed). */
static int failed_tests(json_t *kid) {
    json_t *tests = kid ? json_object_get(kid, "tests") : NULL;
    int n = 0;
    for (size_t i = 0; json_is_array(tests) && i < json_array_size(tests); i++) {
        const char *v = json_string_value(json_object_get(json_array_get(tests, i), "verdict"));
        n += v && strcmp(v, "clean") != 0 && strcmp(v, "skipped") != 0;
    }
    return n;
}

/* The program's tests are moved into the tool's document, not deep-copied:
 * the report of capstone's 41,045 tests is 157 MB of JSON, and its tree and a
 * copy of the tree were both held while the merged document was written. */
static void merge_json(json_t *kid) {
    char full[4096], err[4600];
    lc__expand_path(want_json, full, sizeof full);
    json_error_t je;
    if (!kid)
        return; /* the program judged no test (or wrote no report) */
    json_t *doc = json_load_file(full, JSON_REJECT_DUPLICATES, &je);
    json_t *tests = doc ? json_object_get(doc, "tests") : NULL, *ktests = json_object_get(kid, "tests");
    if (!json_is_array(ktests) || (doc && !json_is_array(tests))) {
        fprintf(stderr, "leakcheck: run: '%s': cannot merge the program's tests into it\n", full);
    } else if (!doc) { /* no process record: the program's report is all there is */
        if (lc__json_write(kid, full, err, sizeof err))
            fprintf(stderr, "%s\n", err);
    } else {
        json_t *all = json_incref(ktests); /* kid's array, extended in place */
        json_array_extend(all, tests);
        json_object_set_new(doc, "tests", all);
        json_t *cm = json_object_get(kid, "cmocka");
        if (cm && !json_object_get(doc, "cmocka"))
            json_object_set(doc, "cmocka", cm);
        if (lc__json_write(doc, full, err, sizeof err))
            fprintf(stderr, "%s\n", err);
    }
    json_decref(doc);
}

/* ---- JUnit: the program's <testsuite> elements, then the tool's ---- */

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *s = NULL;
    size_t n = 0, cap = 0, r;
    char chunk[8192];
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + r + 1 > cap) {
            cap = (n + r + 1) * 2;
            char *g = realloc(s, cap);
            if (!g) {
                free(s);
                fclose(f);
                return NULL;
            }
            s = g;
        }
        memcpy(s + n, chunk, r);
        n += r;
    }
    fclose(f);
    if (s)
        s[n] = 0;
    return s;
}

struct junit_parts {
    const char *body, *end; /* the <testsuite> elements: [body, end) */
    unsigned long tests, failures, errors, skipped;
    double time;
};

/* Our own writer's shape (src/junit.c): a root line with the totals, the
 * suites, "</testsuites>". 0, or -1 for anything else. */
static int junit_split(const char *s, struct junit_parts *p) {
    const char *root = s ? strstr(s, "<testsuites ") : NULL;
    const char *gt = root ? strchr(root, '>') : NULL;
    const char *end = gt ? strstr(gt, "</testsuites>") : NULL;
    if (!end)
        return -1;
    const char *attr = strstr(root, " tests=\"");
    if (!attr || attr > gt ||
        sscanf(attr, " tests=\"%lu\" failures=\"%lu\" errors=\"%lu\" skipped=\"%lu\" time=\"%lf\"",
               &p->tests, &p->failures, &p->errors, &p->skipped, &p->time) != 5)
        return -1;
    p->body = gt + 1 + (gt[1] == '\n');
    p->end = end;
    return 0;
}

static void merge_junit(const char *mine) {
    char full[4096];
    lc__expand_path(want_junit, full, sizeof full);
    char *kid = slurp(mine), *tool = slurp(full);
    struct junit_parts k, t;
    if (!kid)
        goto out;
    if (junit_split(kid, &k) || (tool && junit_split(tool, &t))) {
        fprintf(stderr, "leakcheck: run: '%s': cannot merge the program's tests into it\n", full);
        goto out;
    }
    if (!tool) {
        lc_tool_write_atomic(full, kid, strlen(kid), "run");
        goto out;
    }
    char *merged = NULL;
    int n = asprintf(&merged, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                     "name=\"leakcheck\" tests=\"%lu\" failures=\"%lu\" errors=\"%lu\" "
                     "skipped=\"%lu\" time=\"%.6f\">\n%.*s%.*s</testsuites>\n",
                     k.tests + t.tests, k.failures + t.failures, k.errors + t.errors,
                     k.skipped + t.skipped, k.time + t.time, (int)(k.end - k.body), k.body,
                     (int)(t.end - t.body), t.body);
    if (n > 0)
        lc_tool_write_atomic(full, merged, (size_t)n, "run");
    free(merged);
out:
    free(kid);
    free(tool);
}

int lc_run_tests_merge(void) {
    char p[PATH_MAX + 512];
    int failed = 0;
    if (dir[0]) {
        child_path(p, sizeof p, "tests.json");
        json_error_t je; /* parsed once: counted, then merged */
        json_t *kid = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
        failed = failed_tests(kid);
        if (want_json)
            merge_json(kid);
        json_decref(kid);
        unlink(p);
        if (want_junit) {
            child_path(p, sizeof p, "tests.xml");
            merge_junit(p);
            unlink(p);
        }
        DIR *d = opendir(dir); /* a temp file of a write the program did not finish */
        for (struct dirent *e; d && (e = readdir(d));)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                child_path(p, sizeof p, e->d_name);
                unlink(p);
            }
        if (d)
            closedir(d);
        rmdir(dir);
    }
    free(want_json);
    free(want_junit);
    return failed;
}
