/* junit.c: renders struct lc_run as JUnit XML in the Ant/Jenkins dialect that
 * GitLab, Jenkins and the GitHub report actions read. The mapping:
 *
 *   <testsuites>                    one root per file, totals of every run
 *     <testsuite name=BINARY ...>   one per (run, group); hostname, timestamp
 *       <testcase classname=GROUP name=TEST file=SRC line=N time=S>
 *         leak     -> <failure type="leak" message="one line">stacks</failure>
 *         failed   -> <failure type="assertion" ...>
 *         crashed  -> <error type="crash" ...>
 *         failed in a per-test setup/teardown -> <error type="setup"|"teardown">
 *         skipped  -> <skipped message=.../>
 *         benchmark over budget -> <failure type="budget" ...>
 *         <system-out> iteration counts, findings, suppressions, bench numbers
 *
 * classname carries the group because GitLab shows it as the suite name and
 * same-named cases of different groups would otherwise collide. Every string
 * goes through lc__xml_escape, so names, messages and stacks may hold any
 * bytes; the text is never put in CDATA, so "]]>" needs no special case. */
#include "junit.h"

#include <math.h>
#include <string.h>

static const char *group_or(const char *group, const struct lc_run *r) {
    return group ? group : (r->binary ? r->binary : "leakcheck");
}

static int same(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* Tests and benchmarks are walked as one sequence: index i < ntests is a test,
 * the rest are benchmarks. */
static const char *item_group(const struct lc_run *r, size_t i) {
    if (i < r->ntests)
        return group_or(r->tests[i].group, r);
    return group_or(r->benchmarks[i - r->ntests].group, r);
}

static double clean_time(double t) { return isfinite(t) && t > 0 ? t : 0; }

static double bench_time(const struct lc_bench_result *bm) {
    return clean_time(bm->ns_per_op * (double)bm->n / 1e9);
}

/* A per-test fixture failed: cmocka calls that an error, not a failure. */
static int fixture_error(const struct lc_test_result *t) {
    return t->verdict == LC_VERDICT_FAILED && t->failure_type &&
           (strcmp(t->failure_type, "setup") == 0 || strcmp(t->failure_type, "teardown") == 0);
}

static void count_test(struct lc_junit_counts *c, const struct lc_test_result *t) {
    c->tests++;
    c->time += clean_time(t->duration);
    switch (t->verdict) {
    case LC_VERDICT_CLEAN: break;
    case LC_VERDICT_LEAK:
    case LC_VERDICT_FAILED: fixture_error(t) ? c->errors++ : c->failures++; break;
    case LC_VERDICT_SKIPPED: c->skipped++; break;
    default: c->errors++; break; /* crashed, or a verdict this version cannot name */
    }
}

static void count_bench(struct lc_junit_counts *c, const struct lc_bench_result *bm) {
    c->tests++;
    c->time += bench_time(bm);
    if (bm->failed)
        c->failures++;
}

static void count_group(struct lc_junit_counts *c, const struct lc_run *r, const char *group) {
    for (size_t i = 0; i < r->ntests; i++)
        if (same(group_or(r->tests[i].group, r), group))
            count_test(c, &r->tests[i]);
    for (size_t i = 0; i < r->nbenchmarks; i++)
        if (same(group_or(r->benchmarks[i].group, r), group))
            count_bench(c, &r->benchmarks[i]);
}

static void count_attrs(struct lc_buf *b, const struct lc_junit_counts *c) {
    lc__buf_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
                   c->tests, c->failures, c->errors, c->skipped);
    lc__buf_printf(b, " time=\"%.6f\"", c->time);
}

/* Writes the timestamp attribute when ts starts with YYYY-MM-DDTHH:MM:SS. The
 * Ant schema wants no time zone, so anything after the seconds is dropped. */
static void timestamp_attr(struct lc_buf *b, const char *ts) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (!ts || strlen(ts) < sizeof shape - 1)
        return;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        int digit = ts[i] >= '0' && ts[i] <= '9';
        if (shape[i] == 'd' ? !digit : ts[i] != shape[i])
            return;
    }
    lc__buf_printf(b, " timestamp=\"%.*s\"", (int)(sizeof shape - 1), ts);
}

static void testcase_open(struct lc_buf *b, const char *group, const char *name,
                          const char *file, unsigned line, double time) {
    lc__buf_puts(b, "    <testcase");
    lc__xml_attr(b, "classname", group);
    lc__xml_attr(b, "name", name ? name : "(unnamed)");
    if (file) {
        lc__xml_attr(b, "file", file);
        if (line)
            lc__buf_printf(b, " line=\"%u\"", line);
    }
    lc__buf_printf(b, " time=\"%.6f\">\n", clean_time(time));
}

/* <failure>/<error> with a one-line message attribute and the long text as
 * the body. */
static void outcome(struct lc_buf *b, const char *elem, const char *type, const char *message,
                    const char *fallback, const struct lc_test_result *t, const char *body) {
    lc__buf_printf(b, "      <%s", elem);
    lc__xml_attr(b, "type", type);
    lc__buf_puts(b, " message=\"");
    lc__xml_escape(b, message && *message ? message : fallback, LC_XML_ATTR_LINE);
    lc__buf_puts(b, "\">");
    if (body && *body) {
        lc__xml_escape(b, body, LC_XML_TEXT);
    } else if (t) {
        /* Without prepared details the findings' one-line summaries are the
         * most useful body. */
        for (size_t i = 0; i < t->nfindings; i++) {
            if (!t->findings[i].summary)
                continue;
            lc__xml_escape(b, t->findings[i].summary, LC_XML_TEXT);
            lc__buf_putc(b, '\n');
        }
    }
    lc__buf_printf(b, "</%s>\n", elem);
}

static void test_system_out(struct lc_buf *b, const struct lc_test_result *t) {
    lc__buf_puts(b, "      <system-out>");
    if (t->warmup || t->measured || t->extended)
        lc__buf_printf(b, "iterations: %u warm-up, %u measured, %u extended\n", t->warmup,
                       t->measured, t->extended);
    if (t->message && *t->message) {
        lc__xml_escape(b, t->message, LC_XML_TEXT);
        lc__buf_putc(b, '\n');
    }
    for (size_t i = 0; i < t->nfindings; i++) {
        const struct lc_finding *f = &t->findings[i];
        lc__buf_printf(b, "%s: ", lc__finding_kind_name(f->kind));
        lc__xml_escape(b, f->summary ? f->summary : "(no summary)", LC_XML_TEXT);
        lc__buf_putc(b, '\n');
    }
    for (size_t i = 0; i < t->nsuppressed; i++) {
        const struct lc_suppression_hit *s = &t->suppressed[i];
        lc__buf_puts(b, "suppressed by ");
        lc__xml_escape(b, s->rule ? s->rule : "?", LC_XML_TEXT);
        lc__buf_printf(b, " (%lu hit%s)\n", s->hits, s->hits == 1 ? "" : "s");
    }
    lc__buf_puts(b, "</system-out>\n");
}

static void render_test(struct lc_buf *b, const struct lc_run *r, const struct lc_test_result *t) {
    testcase_open(b, group_or(t->group, r), t->name, t->file, t->line, t->duration);
    switch (t->verdict) {
    case LC_VERDICT_CLEAN: break;
    case LC_VERDICT_LEAK:
        outcome(b, "failure", "leak", t->message, "leak", t, t->details);
        break;
    case LC_VERDICT_FAILED:
        if (fixture_error(t)) {
            outcome(b, "error", t->failure_type, t->message, "fixture failed", NULL, t->details);
            break;
        }
        outcome(b, "failure", t->failure_type ? t->failure_type : "assertion", t->message,
                "assertion failed", NULL, t->details);
        break;
    case LC_VERDICT_SKIPPED:
        lc__buf_puts(b, "      <skipped");
        if (t->message && *t->message) {
            lc__buf_puts(b, " message=\"");
            lc__xml_escape(b, t->message, LC_XML_ATTR_LINE);
            lc__buf_putc(b, '"');
        }
        lc__buf_puts(b, "/>\n");
        break;
    case LC_VERDICT_CRASHED:
    default:
        outcome(b, "error", t->verdict == LC_VERDICT_CRASHED ? "crash" : "unknown", t->message,
                "crashed", NULL, t->details);
        break;
    }
    test_system_out(b, t);
    lc__buf_puts(b, "    </testcase>\n");
}

static void render_bench(struct lc_buf *b, const struct lc_run *r,
                         const struct lc_bench_result *bm) {
    testcase_open(b, group_or(bm->group, r), bm->name, bm->file, bm->line, bench_time(bm));
    struct lc_buf numbers;
    lc__buf_init(&numbers, b->realloc_fn, b->free_fn);
    lc__buf_printf(&numbers,
                   "ops: %llu\nallocs/op: %.3f\nfrees/op: %.3f\nbytes/op: %.3f\n"
                   "peak bytes: %llu\nnet blocks: %lld\nnet bytes: %lld\nns/op: %.1f\n",
                   (unsigned long long)bm->n, bm->allocs_per_op, bm->frees_per_op,
                   bm->bytes_per_op, (unsigned long long)bm->peak_bytes,
                   (long long)bm->net_blocks, (long long)bm->net_bytes, bm->ns_per_op);
    if (bm->data_dependent)
        lc__buf_puts(&numbers, "allocations per op vary with the data\n");
    if (numbers.failed)
        b->failed = 1;
    if (bm->failed)
        outcome(b, "failure", "budget", bm->message, "allocation budget exceeded", NULL,
                numbers.data);
    lc__buf_puts(b, "      <system-out>");
    if (bm->message && *bm->message) {
        lc__xml_escape(b, bm->message, LC_XML_TEXT);
        lc__buf_putc(b, '\n');
    }
    lc__xml_escape(b, numbers.data, LC_XML_TEXT);
    lc__buf_puts(b, "</system-out>\n");
    lc__buf_free(&numbers);
    lc__buf_puts(b, "    </testcase>\n");
}

void lc__junit_render(struct lc_buf *b, const struct lc_junit_run *runs, size_t nruns) {
    struct lc_junit_counts all = {0};
    for (size_t k = 0; k < nruns; k++) {
        const struct lc_run *r = runs[k].run;
        for (size_t i = 0; i < r->ntests; i++)
            count_test(&all, &r->tests[i]);
        for (size_t i = 0; i < r->nbenchmarks; i++)
            count_bench(&all, &r->benchmarks[i]);
    }
    lc__buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"leakcheck\"");
    count_attrs(b, &all);
    lc__buf_puts(b, ">\n");
    for (size_t k = 0; k < nruns; k++) {
        const struct lc_run *r = runs[k].run;
        size_t nitems = r->ntests + r->nbenchmarks;
        for (size_t i = 0; i < nitems; i++) {
            const char *group = item_group(r, i);
            size_t j = 0;
            while (j < i && !same(item_group(r, j), group))
                j++;
            if (j < i)
                continue; /* this group's suite is already written */
            struct lc_junit_counts c = {0};
            count_group(&c, r, group);
            lc__buf_puts(b, "  <testsuite");
            lc__xml_attr(b, "name", r->binary ? r->binary : "leakcheck");
            count_attrs(b, &c);
            timestamp_attr(b, runs[k].timestamp);
            if (runs[k].hostname)
                lc__xml_attr(b, "hostname", runs[k].hostname);
            lc__buf_puts(b, ">\n");
            for (size_t t = 0; t < r->ntests; t++)
                if (same(group_or(r->tests[t].group, r), group))
                    render_test(b, r, &r->tests[t]);
            for (size_t t = 0; t < r->nbenchmarks; t++)
                if (same(group_or(r->benchmarks[t].group, r), group))
                    render_bench(b, r, &r->benchmarks[t]);
            lc__buf_puts(b, "  </testsuite>\n");
        }
    }
    lc__buf_puts(b, "</testsuites>\n");
}

/* ---- pieces for report_stream.c, which appends one testcase at a time ---- */

const char *lc__junit_group(const struct lc_run *r, const char *group) {
    return group_or(group, r);
}

void lc__junit_count_test(struct lc_junit_counts *c, const struct lc_test_result *t) {
    count_test(c, t);
}

void lc__junit_count_bench(struct lc_junit_counts *c, const struct lc_bench_result *bm) {
    count_bench(c, bm);
}

void lc__junit_render_test(struct lc_buf *b, const struct lc_run *r,
                           const struct lc_test_result *t) {
    render_test(b, r, t);
}

void lc__junit_render_bench(struct lc_buf *b, const struct lc_run *r,
                            const struct lc_bench_result *bm) {
    render_bench(b, r, bm);
}

void lc__junit_root_head(struct lc_buf *b, const struct lc_junit_counts *c) {
    lc__buf_puts(b, "<testsuites name=\"leakcheck\"");
    count_attrs(b, c);
}

void lc__junit_suite_head(struct lc_buf *b, const struct lc_run *r,
                          const struct lc_junit_counts *c, const char *timestamp,
                          const char *hostname) {
    lc__buf_puts(b, "  <testsuite");
    lc__xml_attr(b, "name", r->binary ? r->binary : "leakcheck");
    count_attrs(b, c);
    timestamp_attr(b, timestamp);
    if (hostname)
        lc__xml_attr(b, "hostname", hostname);
}
