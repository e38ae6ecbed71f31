/* report.c: `leakcheck report FILE.json... [--format text|markdown] [--junit OUT]`.
 *
 * Reads the JSON reports that test binaries wrote (schema/leakcheck-report.
 * schema.json), prints a summary per test (verdict, growth per iteration, top
 * finding) as plain text or Markdown, and can merge all of them into one JUnit
 * XML file. The JSON is turned back into struct lc_run so that the JUnit file
 * comes from the same renderer (src/junit.c) as the one a binary writes itself.
 *
 * The tool does not link libleakcheck: it must not be tracked, so it uses
 * jansson and plain malloc. A file that is missing, cut short or not a
 * leakcheck report stops the command with one line naming the file and the
 * problem, exit status 2, before anything is written. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/console.h"
#include "../src/junit.h"
#include "../src/safe_write.h"
#include "../src/xml.h"
#include "html.h"
#include "json_in.h"
#include "tool.h"

#define SCHEMA_NAME "leakcheck-report"
#define SCHEMA_VERSION 2 /* and version 1, which lacks only optional fields */

static int load_frames(struct lc_jin *c, json_t *arr, const char *where, lc_frame **out,
                       int *n) {
    *out = NULL;
    *n = 0;
    if (!arr || !json_array_size(arr))
        return 0;
    size_t count = json_array_size(arr);
    if (count > INT_MAX / 4)
        return lc_jin_fail(c, "%s has too many frames", where);
    lc_frame *f = lc_jin_calloc(count, sizeof *f);
    *out = f;
    for (size_t i = 0; i < count; i++) {
        json_t *o = json_array_get(arr, i);
        char w[256];
        snprintf(w, sizeof w, "%s[%zu]", where, i);
        if (!json_is_object(o))
            return lc_jin_fail(c, "%s is not an object", w);
        const char *addr;
        long long line;
        if (lc_jin_str(c, o, "function", w, &f[i].function) ||
            lc_jin_str(c, o, "file", w, &f[i].file) || lc_jin_int(c, o, "line", w, &line) ||
            lc_jin_str(c, o, "module", w, &f[i].module) || lc_jin_str(c, o, "address", w, &addr))
            return -1;
        f[i].line = line > 0 ? (unsigned)line : 0;
        f[i].address = addr ? (uintptr_t)strtoull(addr, NULL, 16) : 0;
        f[i].inlined = json_is_true(json_object_get(o, "inlined"));
        (*n)++;
    }
    return 0;
}

static int load_growth(struct lc_jin *c, json_t *o, const char *key, const char *where,
                       int64_t **out, unsigned *n) {
    json_t *arr;
    *out = NULL;
    if (lc_jin_array(c, o, key, where, &arr))
        return -1;
    if (!arr)
        return 0;
    if (json_array_size(arr) > UINT_MAX / 2)
        return lc_jin_fail(c, "%s.%s has too many entries", where, key);
    *out = lc_jin_calloc(json_array_size(arr), sizeof **out);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v))
            return lc_jin_fail(c, "%s.%s[%zu] is not an integer", where, key, i);
        (*out)[i] = json_integer_value(v);
    }
    if (n)
        *n = (unsigned)json_array_size(arr);
    return 0;
}

static int load_finding(struct lc_jin *c, json_t *o, const char *where, struct lc_finding *f) {
    if (!json_is_object(o))
        return lc_jin_fail(c, "%s is not an object", where);
    const char *kind;
    long long v;
    if (lc_jin_str(c, o, "kind", where, &kind))
        return -1;
    f->kind = lc__finding_kind_parse(kind);
    if (f->kind < 0)
        return lc_jin_fail(c, "%s.kind '%s' is not one of memory, thread, fd, mapping, process", where,
                    kind ? kind : "(missing)");
    char w[256];
    unsigned nbytes = 0;
    if (lc_jin_str(c, o, "summary", where, &f->summary) ||
        load_growth(c, o, "growth", where, &f->growth_blocks, &f->ngrowth) ||
        load_growth(c, o, "growth_bytes", where, &f->growth_bytes, &nbytes) ||
        lc_jin_uint(c, o, "blocks", where, &f->blocks) || lc_jin_uint(c, o, "bytes", where, &f->bytes))
        return -1;
    /* the readers index both arrays by one count */
    if (f->growth_bytes && nbytes != f->ngrowth)
        return lc_jin_fail(c, "%s.growth_bytes has %u entr%s, growth has %u", where, nbytes,
                    nbytes == 1 ? "y" : "ies", f->ngrowth);
    json_t *arr;
    snprintf(w, sizeof w, "%.200s.stack", where);
    if (lc_jin_array(c, o, "stack", where, &arr) || load_frames(c, arr, w, &f->stack, &f->nstack))
        return -1;
    snprintf(w, sizeof w, "%.200s.current_stack", where);
    if (lc_jin_array(c, o, "current_stack", where, &arr) ||
        load_frames(c, arr, w, &f->current_stack, &f->ncurrent))
        return -1;
    if (lc_jin_str(c, o, "name", where, &f->thread_name) || lc_jin_int(c, o, "tid", where, &v))
        return -1;
    f->thread_tid = (int)v;
    if (lc_jin_str(c, o, "state", where, &f->thread_state) || lc_jin_int(c, o, "fd", where, &v))
        return -1;
    f->fd = (int)v;
    json_t *fails = json_object_get(o, "fails");
    f->informational = json_is_false(fails);
    if (lc_jin_str(c, o, "target", where, &f->fd_target) ||
        lc_jin_str(c, o, "leak_kind", where, &f->leak_kind))
        return -1;
    if (f->kind == LC_FINDING_PROCESS) {
        f->proc_state = f->thread_state;
        f->thread_state = NULL;
        if (lc_jin_int(c, o, "pid", where, &v) || lc_jin_str(c, o, "command", where, &f->proc_command))
            return -1;
        f->proc_pid = (int)v;
        return 0;
    }
    if (f->kind != LC_FINDING_MAPPING)
        return 0;
    f->map_shm = json_is_true(json_object_get(o, "shm"));
    return lc_jin_uint(c, o, "mappings", where, &f->blocks) ||
           lc_jin_uint(c, o, "address", where, &f->map_addr) ||
           lc_jin_uint(c, o, "length", where, &f->map_len) ||
           lc_jin_str(c, o, "prot", where, &f->map_prot) || lc_jin_str(c, o, "file", where, &f->map_file);
}

static int load_test(struct lc_jin *c, json_t *o, const char *where, struct lc_test_result *t) {
    if (!json_is_object(o))
        return lc_jin_fail(c, "%s is not an object", where);
    const char *verdict;
    long long line;
    if (lc_jin_str(c, o, "name", where, &t->name) || lc_jin_str(c, o, "group", where, &t->group) ||
        lc_jin_str(c, o, "file", where, &t->file) || lc_jin_int(c, o, "line", where, &line) ||
        lc_jin_str(c, o, "verdict", where, &verdict) ||
        lc_jin_num(c, o, "duration", where, &t->duration) ||
        lc_jin_str(c, o, "message", where, &t->message) ||
        lc_jin_str(c, o, "failure_type", where, &t->failure_type) ||
        lc_jin_str(c, o, "details", where, &t->details))
        return -1;
    if (!t->name)
        return lc_jin_fail(c, "%s has no name", where);
    t->line = line > 0 ? (unsigned)line : 0;
    t->verdict = lc__verdict_parse(verdict);
    if (t->verdict < 0)
        return lc_jin_fail(c, "%s.verdict '%s' is not one of clean, leak, failed, crashed, skipped",
                    where, verdict ? verdict : "(missing)");
    json_t *it = json_object_get(o, "iterations");
    if (it && !json_is_object(it))
        return lc_jin_fail(c, "%s.iterations is not an object", where);
    if (it) {
        long long w, m, e;
        if (lc_jin_int(c, it, "warmup", where, &w) || lc_jin_int(c, it, "measured", where, &m) ||
            lc_jin_int(c, it, "extended", where, &e))
            return -1;
        t->warmup = (unsigned)(w > 0 ? w : 0);
        t->measured = (unsigned)(m > 0 ? m : 0);
        t->extended = (unsigned)(e > 0 ? e : 0);
    }
    json_t *nr = json_object_get(o, "not_repeatable");
    if (json_is_object(nr)) {
        long long k = 0;
        if (lc_jin_int(c, nr, "iteration", where, &k) ||
            lc_jin_str(c, nr, "message", where, &t->not_repeatable_message))
            return -1;
        t->not_repeatable = k > 0 ? (unsigned)k : 1;
    }
    json_t *arr;
    char w[256];
    if (lc_jin_array(c, o, "series", where, &arr))
        return -1;
    if (arr) {
        t->nseries = json_array_size(arr);
        t->series = lc_jin_calloc(t->nseries, sizeof *t->series);
        for (size_t i = 0; i < t->nseries; i++) {
            json_t *s = json_array_get(arr, i);
            struct lc_snapshot *sn = &t->series[i];
            uint64_t threads, fds;
            snprintf(w, sizeof w, "%s.series[%zu]", where, i);
            if (!json_is_object(s))
                return lc_jin_fail(c, "%s is not an object", w);
            if (lc_jin_uint(c, s, "allocs", w, &sn->allocs) ||
                lc_jin_uint(c, s, "frees", w, &sn->frees) ||
                lc_jin_uint(c, s, "bytes_allocated", w, &sn->bytes_allocated) ||
                lc_jin_uint(c, s, "live_blocks", w, &sn->live_blocks) ||
                lc_jin_uint(c, s, "live_bytes", w, &sn->live_bytes) ||
                lc_jin_uint(c, s, "peak_bytes", w, &sn->peak_bytes) ||
                lc_jin_uint(c, s, "threads", w, &threads) || lc_jin_uint(c, s, "fds", w, &fds))
                return -1;
            sn->threads = (uint32_t)threads;
            sn->fds = (uint32_t)fds;
        }
    }
    if (lc_jin_array(c, o, "findings", where, &arr))
        return -1;
    if (arr) {
        t->nfindings = json_array_size(arr);
        t->findings = lc_jin_calloc(t->nfindings, sizeof *t->findings);
        for (size_t i = 0; i < t->nfindings; i++) {
            snprintf(w, sizeof w, "%s.findings[%zu]", where, i);
            if (load_finding(c, json_array_get(arr, i), w, &t->findings[i]))
                return -1;
        }
    }
    if (lc_jin_array(c, o, "suppressions", where, &arr))
        return -1;
    if (arr) {
        t->nsuppressed = json_array_size(arr);
        t->suppressed = lc_jin_calloc(t->nsuppressed, sizeof *t->suppressed);
        for (size_t i = 0; i < t->nsuppressed; i++) {
            json_t *s = json_array_get(arr, i);
            uint64_t hits;
            snprintf(w, sizeof w, "%s.suppressions[%zu]", where, i);
            if (!json_is_object(s))
                return lc_jin_fail(c, "%s is not an object", w);
            if (lc_jin_str(c, s, "rule", w, &t->suppressed[i].rule) ||
                lc_jin_str(c, s, "why", w, &t->suppressed[i].why) ||
                lc_jin_uint(c, s, "hits", w, &hits))
                return -1;
            t->suppressed[i].hits = (unsigned long)hits;
        }
    }
    return 0;
}

static int load_bench(struct lc_jin *c, json_t *o, const char *where, struct lc_bench_result *b) {
    if (!json_is_object(o))
        return lc_jin_fail(c, "%s is not an object", where);
    long long line, net_blocks, net_bytes;
    if (lc_jin_str(c, o, "name", where, &b->name) || lc_jin_str(c, o, "group", where, &b->group) ||
        lc_jin_str(c, o, "file", where, &b->file) || lc_jin_int(c, o, "line", where, &line) ||
        lc_jin_uint(c, o, "n", where, &b->n) ||
        lc_jin_num(c, o, "allocs_per_op", where, &b->allocs_per_op) ||
        lc_jin_num(c, o, "frees_per_op", where, &b->frees_per_op) ||
        lc_jin_num(c, o, "bytes_per_op", where, &b->bytes_per_op) ||
        lc_jin_uint(c, o, "peak_bytes", where, &b->peak_bytes) ||
        lc_jin_int(c, o, "net_blocks", where, &net_blocks) ||
        lc_jin_int(c, o, "net_bytes", where, &net_bytes) ||
        lc_jin_num(c, o, "ns_per_op", where, &b->ns_per_op) ||
        lc_jin_str(c, o, "message", where, &b->message))
        return -1;
    if (!b->name)
        return lc_jin_fail(c, "%s has no name", where);
    b->line = line > 0 ? (unsigned)line : 0;
    b->net_blocks = net_blocks;
    b->net_bytes = net_bytes;
    b->data_dependent = json_is_true(json_object_get(o, "data_dependent"));
    b->failed = json_is_true(json_object_get(o, "failed"));
    return 0;
}

int lc_tool_report_load(struct loaded *l, char *err, size_t errlen) {
    struct lc_jin c = {l->path, err, errlen, l->cmd ? l->cmd : "report"};
    /* Open it ourselves first: jansson's message for a missing file is less
     * direct than strerror. */
    FILE *f = fopen(l->path, "rb");
    if (!f)
        return lc_jin_fail(&c, "cannot read: %s", strerror(errno));
    json_error_t je;
    l->doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!l->doc) {
        /* An empty or cut-short file is the common case (a binary killed while
         * nothing was written yet, a copy interrupted), so say so. */
        int eof = strstr(je.text, "premature end") || strstr(je.text, "end of file") ||
                  strstr(je.text, "'[' or '{' expected");
        return lc_jin_fail(&c, "not valid JSON at line %d, column %d: %s%s", je.line, je.column,
                    je.text, eof ? " (the file is empty or cut short)" : "");
    }
    json_t *schema = json_object_get(l->doc, "schema");
    const char *name = json_string_value(json_object_get(schema, "name"));
    if (!json_is_object(l->doc) || !name || strcmp(name, SCHEMA_NAME) != 0)
        return lc_jin_fail(&c, "not a leakcheck report (schema.name is not \"%s\")", SCHEMA_NAME);
    json_t *ver = json_object_get(schema, "version");
    if (!json_is_integer(ver))
        return lc_jin_fail(&c, "schema.version is missing or not an integer");
    if (json_integer_value(ver) < 1 || json_integer_value(ver) > SCHEMA_VERSION)
        return lc_jin_fail(&c, "schema version %lld is not supported (this leakcheck reads version %d)",
                    json_integer_value(ver), SCHEMA_VERSION);
    json_t *host = json_object_get(l->doc, "host");
    if (host && !json_is_object(host))
        return lc_jin_fail(&c, "host is not an object");
    if (lc_jin_str(&c, host, "hostname", "host", &l->hostname) ||
        lc_jin_str(&c, host, "timestamp", "host", &l->timestamp) ||
        lc_jin_str(&c, host, "binary", "host", &l->run.binary))
        return -1;
    json_t *tests, *benches;
    if (lc_jin_array(&c, l->doc, "tests", "report", &tests) ||
        lc_jin_array(&c, l->doc, "benchmarks", "report", &benches))
        return -1;
    if (!tests)
        return lc_jin_fail(&c, "no \"tests\" array (the file is cut short or not a report)");
    l->run.ntests = json_array_size(tests);
    l->run.tests = lc_jin_calloc(l->run.ntests, sizeof *l->run.tests);
    for (size_t i = 0; i < l->run.ntests; i++) {
        char w[64];
        snprintf(w, sizeof w, "tests[%zu]", i);
        if (load_test(&c, json_array_get(tests, i), w, &l->run.tests[i]))
            return -1;
    }
    l->run.nbenchmarks = benches ? json_array_size(benches) : 0;
    l->run.benchmarks = lc_jin_calloc(l->run.nbenchmarks, sizeof *l->run.benchmarks);
    for (size_t i = 0; i < l->run.nbenchmarks; i++) {
        char w[64];
        snprintf(w, sizeof w, "benchmarks[%zu]", i);
        if (load_bench(&c, json_array_get(benches, i), w, &l->run.benchmarks[i]))
            return -1;
    }
    if (!l->run.binary) {
        /* Process-mode or hand-made reports may lack host.binary: name the
         * suite after the file instead. */
        const char *slash = strrchr(l->path, '/');
        l->run.binary = slash ? slash + 1 : l->path;
    }
    return 0;
}

void lc_tool_report_unload(struct loaded *l) {
    for (size_t i = 0; l->run.tests && i < l->run.ntests; i++) {
        struct lc_test_result *t = &l->run.tests[i];
        for (size_t k = 0; t->findings && k < t->nfindings; k++) {
            free(t->findings[k].growth_blocks);
            free(t->findings[k].growth_bytes);
            free(t->findings[k].stack);
            free(t->findings[k].current_stack);
        }
        free(t->findings);
        free(t->series);
        free(t->suppressed);
    }
    free(l->run.tests);
    free(l->run.benchmarks);
    json_decref(l->doc);
}

/* ---- the summary ---- */

enum format { FMT_TEXT, FMT_MARKDOWN };

/* Prints a string from a report safely. Text: control characters as \xNN, so a
 * test name cannot move the cursor or recolour a terminal. Markdown: table cell
 * syntax and inline HTML neutralized. Both fold tabs and newlines into spaces. */
static void put(FILE *out, const char *s, enum format fmt) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r') {
            fputc(' ', out); /* summaries are one line per item */
        } else if (*p < 0x20 || *p == 0x7f) {
            if (fmt == FMT_MARKDOWN)
                fputc(' ', out);
            else
                fprintf(out, "\\x%02x", *p);
        } else if (fmt == FMT_MARKDOWN && strchr("\\`*_[]|#~", *p)) {
            fprintf(out, "\\%c", *p);
        } else if (fmt == FMT_MARKDOWN && *p == '<') {
            fputs("&lt;", out);
        } else if (fmt == FMT_MARKDOWN && *p == '>') {
            fputs("&gt;", out);
        } else if (fmt == FMT_MARKDOWN && *p == '&') {
            fputs("&amp;", out);
        } else {
            fputc(*p, out);
        }
    }
}

void lc_tool_put(FILE *out, const char *s, int markdown) {
    put(out, s, markdown ? FMT_MARKDOWN : FMT_TEXT);
}

/* Growth as the test judged it: the blocks and bytes its memory findings
 * grew by over their judged iterations (n, when they all share it). Returns
 * 0 when there is no memory finding. */
static int growth(const struct lc_test_result *t, int64_t *blocks, int64_t *bytes,
                  unsigned *n) {
    int any = 0;
    *blocks = *bytes = 0;
    *n = 0;
    for (size_t i = 0; i < t->nfindings; i++) {
        const struct lc_finding *f = &t->findings[i];
        if (f->kind != LC_FINDING_MEMORY || !f->ngrowth || !f->growth_blocks)
            continue;
        int64_t b = 0, y = 0;
        for (unsigned k = 0; k < f->ngrowth; k++) {
            b += f->growth_blocks[k];
            y += f->growth_bytes ? f->growth_bytes[k] : 0;
        }
        if (any && *n != f->ngrowth) { /* different windows: scale to the first */
            b = b * (int64_t)*n / (int64_t)f->ngrowth;
            y = y * (int64_t)*n / (int64_t)f->ngrowth;
        } else {
            *n = f->ngrowth;
        }
        *blocks += b;
        *bytes += y;
        any = 1;
    }
    return any;
}

/* What a test judged from a single run (not repeatable) left behind. */
static void lost_totals(const struct lc_test_result *t, uint64_t *blocks, uint64_t *bytes) {
    *blocks = *bytes = 0;
    for (size_t i = 0; i < t->nfindings; i++) {
        if (t->findings[i].informational || t->findings[i].kind != LC_FINDING_MEMORY)
            continue; /* a kind outside --leak-kinds */
        *blocks += t->findings[i].blocks;
        *bytes += t->findings[i].bytes;
    }
}

/* The first finding's summary line; reports without summaries (`leakcheck
 * run`'s process mode) get one made from the finding's size and first frame. */
static void put_top_finding(FILE *out, const struct lc_test_result *t, enum format fmt) {
    if (!t->nfindings)
        return;
    const struct lc_finding *f = &t->findings[0];
    for (size_t i = 0; i < t->nfindings && f->informational; i++)
        f = &t->findings[i]; /* the first one that fails, if any */
    if (f->summary && *f->summary) {
        put(out, f->summary, fmt);
        return;
    }
    char line[128];
    if (f->kind == LC_FINDING_MEMORY)
        snprintf(line, sizeof line, "%llu block%s, %llu B", (unsigned long long)f->blocks,
                 f->blocks == 1 ? "" : "s", (unsigned long long)f->bytes);
    else if (f->kind == LC_FINDING_THREAD)
        snprintf(line, sizeof line, "thread %d", f->thread_tid);
    else
        snprintf(line, sizeof line, "fd %d", f->fd);
    put(out, line, fmt);
    if (f->nstack) {
        fputs("  ", out);
        put(out, f->stack[0].function ? f->stack[0].function : "??", fmt);
        if (f->stack[0].file) {
            fprintf(out, " (");
            put(out, f->stack[0].file, fmt);
            fprintf(out, ":%u)", f->stack[0].line);
        }
    }
}

static void put_name(FILE *out, const struct lc_test_result *t, enum format fmt) {
    if (t->group) {
        put(out, t->group, fmt);
        fputs(" :: ", out);
    }
    put(out, t->name, fmt);
}

static void print_growth(FILE *out, const struct lc_test_result *t) {
    uint64_t lb, ly;
    if (t->nseries == 0) {
        /* No series (process mode): what was lost at the end. */
        lost_totals(t, &lb, &ly);
        if (lb)
            fprintf(out, "%llu block%s, %llu B lost at the end", (unsigned long long)lb,
                    lb == 1 ? "" : "s", (unsigned long long)ly);
        else
            fputs("-", out);
        return;
    }
    unsigned threads = 0, fds = 0;
    for (size_t i = 0; i < t->nfindings; i++) {
        threads += t->findings[i].kind == LC_FINDING_THREAD;
        fds += t->findings[i].kind == LC_FINDING_FD;
    }
    const char *sep = "";
    int64_t bl, by;
    unsigned n;
    if (t->not_repeatable) {
        /* judged from one run: what it left, not a rate */
        lost_totals(t, &lb, &ly);
        fprintf(out, "single run (not repeatable, iteration %u failed): ", t->not_repeatable);
        if (lb) {
            fprintf(out, "%llu block%s, %llu B lost", (unsigned long long)lb,
                    lb == 1 ? "" : "s", (unsigned long long)ly);
            sep = "; ";
        }
    } else if (growth(t, &bl, &by, &n)) {
        struct lc_buf b;
        lc__buf_init(&b, realloc, free);
        lc__growth_phrase(&b, bl, by, n, 0);
        fputs(b.data ? b.data : "?", out);
        lc__buf_free(&b);
        sep = "; ";
    }
    if (threads)
        fprintf(out, "%s%u thread%s", sep, threads, threads == 1 ? "" : "s");
    if (fds)
        fprintf(out, "%s%s%u fd%s", threads ? ", " : sep, "", fds, fds == 1 ? "" : "s");
    if (!threads && !fds && !*sep)
        fputs(t->not_repeatable ? "nothing left behind" : "no growth", out);
}

/* Lines of text, each under the test's name (their own indent replaced). */
static void put_indented(FILE *out, const char *text) {
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, len);
        const char *body = line ? line + strspn(line, " ") : "";
        if (*body) {
            fputs("           ", out);
            put(out, body, FMT_TEXT);
            fputc('\n', out);
        }
        free(line);
        p += len + (nl != NULL);
    }
}

static void summary_text(FILE *out, const struct loaded *l) {
    const struct lc_run *r = &l->run;
    fprintf(out, "== ");
    put(out, r->binary, FMT_TEXT);
    fprintf(out, " (%s", l->path);
    if (l->timestamp) {
        fprintf(out, ", ");
        put(out, l->timestamp, FMT_TEXT);
    }
    fprintf(out, ")\n");
    for (size_t i = 0; i < r->ntests; i++) {
        const struct lc_test_result *t = &r->tests[i];
        static const char *const tags[] = {"clean", "LEAK", "FAILED", "CRASHED", "skipped"};
        fprintf(out, "  %-8s ", tags[t->verdict]);
        put_name(out, t, FMT_TEXT);
        if (t->verdict == LC_VERDICT_CLEAN || t->verdict == LC_VERDICT_LEAK) {
            fputs("  ", out);
            print_growth(out, t);
        }
        fputc('\n', out);
        if (t->message && t->verdict != LC_VERDICT_CLEAN) {
            fputs("           ", out);
            put(out, t->message, FMT_TEXT);
            fputc('\n', out);
        }
        if (t->nfindings) {
            fputs("           top: ", out);
            put_top_finding(out, t, FMT_TEXT);
            fputc('\n', out);
        }
        if (t->failure_type && strcmp(t->failure_type, "fail-sweep") == 0 && t->details)
            put_indented(out, t->details); /* every fail-sweep finding, one a line */
    }
    for (size_t i = 0; i < r->nbenchmarks; i++) {
        const struct lc_bench_result *b = &r->benchmarks[i];
        fprintf(out, "  %-8s ", b->failed ? "FAILED" : "bench");
        if (b->group) {
            put(out, b->group, FMT_TEXT);
            fputs(" :: ", out);
        }
        put(out, b->name, FMT_TEXT);
        fprintf(out, "  %.2f allocs/op, %.1f B/op, peak %llu B\n", b->allocs_per_op,
                b->bytes_per_op, (unsigned long long)b->peak_bytes);
        if (b->message) {
            fputs("           ", out);
            put(out, b->message, FMT_TEXT);
            fputc('\n', out);
        }
    }
}

static void summary_markdown(FILE *out, const struct loaded *l) {
    const struct lc_run *r = &l->run;
    fputs("### leakcheck: ", out);
    put(out, r->binary, FMT_MARKDOWN);
    fputs("\n\n", out);
    if (r->ntests) {
        fputs("| verdict | test | growth | top finding |\n|---|---|---|---|\n", out);
        for (size_t i = 0; i < r->ntests; i++) {
            const struct lc_test_result *t = &r->tests[i];
            static const char *const tags[] = {"clean", "**leak**", "**failed**",
                                               "**crashed**", "skipped"};
            fprintf(out, "| %s | ", tags[t->verdict]);
            put_name(out, t, FMT_MARKDOWN);
            fputs(" | ", out);
            if (t->verdict == LC_VERDICT_CLEAN || t->verdict == LC_VERDICT_LEAK)
                print_growth(out, t);
            else
                put(out, t->message, FMT_MARKDOWN);
            fputs(" | ", out);
            put_top_finding(out, t, FMT_MARKDOWN);
            fputs(" |\n", out);
        }
        fputc('\n', out);
    }
    if (r->nbenchmarks) {
        fputs("| benchmark | allocs/op | bytes/op | peak bytes | result |\n"
              "|---|---|---|---|---|\n",
              out);
        for (size_t i = 0; i < r->nbenchmarks; i++) {
            const struct lc_bench_result *b = &r->benchmarks[i];
            fputs("| ", out);
            put(out, b->name, FMT_MARKDOWN);
            fprintf(out, " | %.2f | %.1f | %llu | ", b->allocs_per_op, b->bytes_per_op,
                    (unsigned long long)b->peak_bytes);
            if (b->failed) {
                fputs("**failed**: ", out);
                put(out, b->message, FMT_MARKDOWN);
            } else {
                fputs("ok", out);
            }
            fputs(" |\n", out);
        }
        fputc('\n', out);
    }
}

static void totals(FILE *out, const struct loaded *ls, size_t n, enum format fmt) {
    size_t by[5] = {0}, tests = 0, benches = 0, over = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < ls[k].run.ntests; i++, tests++)
            by[ls[k].run.tests[i].verdict]++;
        for (size_t i = 0; i < ls[k].run.nbenchmarks; i++, benches++)
            over += ls[k].run.benchmarks[i].failed != 0;
    }
    fprintf(out,
            "%s%zu test%s: %zu clean, %zu leak, %zu failed, %zu crashed, %zu skipped; "
            "%zu benchmark%s, %zu failed (budget or baseline)\n",
            fmt == FMT_MARKDOWN ? "**Total**: " : "total: ", tests, tests == 1 ? "" : "s",
            by[LC_VERDICT_CLEAN], by[LC_VERDICT_LEAK], by[LC_VERDICT_FAILED],
            by[LC_VERDICT_CRASHED], by[LC_VERDICT_SKIPPED], benches,
            benches == 1 ? "" : "s", over);
}

/* ---- the merged JUnit file ---- */

int lc_tool_write_atomic(const char *path, const char *data, size_t len, const char *cmd) {
    char err[PATH_MAX + 256];
    if (lc__safe_write(path, data, len, 0, err, sizeof err) == 0)
        return 0;
    /* "leakcheck: cannot write 'P': why" -> "leakcheck: CMD: cannot write ..." */
    fprintf(stderr, "leakcheck: %s: %s\n", cmd, err + strlen("leakcheck: "));
    return -1;
}

int lc_tool_write_rendered(const char *path, struct lc_buf *b, const char *cmd) {
    int rc;
    if (b->failed) {
        fprintf(stderr, "leakcheck: %s: out of memory rendering '%s'\n", cmd, path);
        rc = -1;
    } else {
        rc = lc_tool_write_atomic(path, b->data, b->len, cmd);
    }
    lc__buf_free(b);
    return rc;
}

static int write_junit(const char *path, const struct loaded *ls, size_t n) {
    struct lc_junit_run *jr = lc_jin_calloc(n, sizeof *jr);
    for (size_t k = 0; k < n; k++)
        jr[k] = (struct lc_junit_run){&ls[k].run, ls[k].hostname, ls[k].timestamp};
    struct lc_buf b;
    lc__buf_init(&b, realloc, free);
    lc__junit_render(&b, jr, n);
    free(jr);
    return lc_tool_write_rendered(path, &b, "report");
}

static void report_usage(FILE *out) {
    fprintf(out, "usage: leakcheck report FILE.json... [--format text|markdown] "
                 "[--junit OUT.xml] [--pprof OUT.pb.gz]\n"
                 "       [--html OUT.html [--baseline BASELINE.json]]\n");
}

int lc_cmd_report(int argc, char **argv) {
    enum format fmt = FMT_TEXT;
    const char *junit = NULL, *pprof = NULL;
    const char *html = NULL, *html_baseline = NULL;
    const char **files = lc_jin_calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    int only_files = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = 1;
            continue;
        }
        if (only_files || strncmp(a, "--", 2) != 0) {
            files[nfiles++] = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        if (strncmp(a, "--help", nlen) == 0 && nlen == 6) {
            report_usage(stdout);
            free(files);
            return 0;
        }
        int is_format = nlen == 8 && strncmp(a, "--format", 8) == 0;
        int is_junit = nlen == 7 && strncmp(a, "--junit", 7) == 0;
        int is_pprof = nlen == 7 && strncmp(a, "--pprof", 7) == 0;
        int is_html = nlen == 6 && strncmp(a, "--html", 6) == 0;
        int is_baseline = nlen == 10 && strncmp(a, "--baseline", 10) == 0;
        if (!is_format && !is_junit && !is_pprof && !is_html && !is_baseline) {
            fprintf(stderr, "leakcheck: report: unknown option '%s'\n", a);
            report_usage(stderr);
            free(files);
            return 2;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        if (!val || !*val) {
            fprintf(stderr, "leakcheck: report: option '%.*s' needs a value\n", (int)nlen, a);
            free(files);
            return 2;
        }
        if (is_junit) {
            junit = val;
        } else if (is_pprof) {
            pprof = val;
        } else if (is_html || is_baseline) {
            *(is_html ? &html : &html_baseline) = val;
        } else if (strcmp(val, "text") == 0) {
            fmt = FMT_TEXT;
        } else if (strcmp(val, "markdown") == 0) {
            fmt = FMT_MARKDOWN;
        } else {
            fprintf(stderr, "leakcheck: report: invalid value '%s' for --format (accepted: "
                            "text|markdown)\n", val);
            free(files);
            return 2;
        }
    }
    if (html_baseline && !html) {
        fprintf(stderr, "leakcheck: report: --baseline is for --html (compare reports with "
                        "leakcheck compare)\n");
        free(files);
        return 2;
    }
    if (!nfiles) {
        fprintf(stderr, "leakcheck: report: no report files given\n");
        report_usage(stderr);
        free(files);
        return 2;
    }
    struct loaded *ls = lc_jin_calloc(nfiles, sizeof *ls);
    int rc = 0;
    char err[1024];
    /* Every file is read before anything is printed or written, so a bad file
     * never leaves a partial summary or a merged JUnit file missing a binary. */
    for (size_t k = 0; k < nfiles; k++) {
        ls[k].path = files[k];
        if (lc_tool_report_load(&ls[k], err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            rc = 2;
            nfiles = k + 1;
            break;
        }
    }
    /* The page first: a report it cannot show is one line before any output. */
    if (rc == 0 && html && lc_tool_html_write(html, ls, nfiles, html_baseline))
        rc = 2;
    if (rc == 0) {
        for (size_t k = 0; k < nfiles; k++) {
            if (fmt == FMT_MARKDOWN)
                summary_markdown(stdout, &ls[k]);
            else
                summary_text(stdout, &ls[k]);
        }
        totals(stdout, ls, nfiles, fmt);
        if (junit && write_junit(junit, ls, nfiles))
            rc = 2;
        if (pprof && lc_tool_report_pprof(pprof, ls, nfiles))
            rc = 2;
    }
    for (size_t k = 0; k < nfiles; k++)
        lc_tool_report_unload(&ls[k]);
    free(ls);
    free(files);
    return rc;
}
