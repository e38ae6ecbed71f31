/* html_results.c: the HTML report's results: a section per test (its
 * iterations, message, plots, findings with their stacks, fail sweep,
 * suppressions, --baseline deltas) and the benchmarks table (figures, what
 * failed or was noted, deltas). Calls html_svg.c, html_out.c and
 * src/baseline.c's comparison; tool-side only. */
#include <stdio.h>
#include <string.h>

#include "../src/baseline.h"
#include "html.h"

static void stack_table(struct lc_buf *b, const lc_frame *fr, int n) {
    if (!n)
        return;
    lc__buf_puts(b, "<table class=\"stack\">");
    for (int i = 0; i < n; i++) {
        const char *mod = fr[i].module ? strrchr(fr[i].module, '/') : NULL;
        lc__buf_printf(b, "<tr><td>#%d</td><td class=\"fn\">", i);
        lc__html_esc(b, fr[i].function ? fr[i].function : "??");
        lc__buf_puts(b, fr[i].inlined ? " <span class=\"muted\">[inlined]</span>" : "");
        lc__buf_puts(b, "</td><td>");
        if (fr[i].file) {
            lc__html_esc(b, fr[i].file);
            if (fr[i].line)
                lc__buf_printf(b, ":%u", fr[i].line);
        }
        lc__buf_puts(b, "</td><td class=\"muted\">");
        lc__html_esc(b, mod ? mod + 1 : fr[i].module);
        lc__buf_puts(b, "</td></tr>");
    }
    lc__buf_puts(b, "</table>\n");
}

static void growth_line(struct lc_buf *b, const struct lc_finding *f) {
    if (!f->ngrowth || !f->growth_blocks)
        return;
    lc__buf_puts(b, "<p class=\"muted\">per measured iteration:");
    for (unsigned i = 0; i < f->ngrowth; i++)
        lc__buf_printf(b, " %+lld", (long long)f->growth_blocks[i]);
    lc__buf_puts(b, f->kind == LC_FINDING_MEMORY ? " blocks" : "");
    if (f->growth_bytes) {
        lc__buf_puts(b, ";");
        for (unsigned i = 0; i < f->ngrowth; i++)
            lc__buf_printf(b, " %+lld", (long long)f->growth_bytes[i]);
        lc__buf_puts(b, " B");
    }
    lc__buf_puts(b, "</p>");
}

static void finding(struct lc_buf *b, const struct lc_finding *f) {
    lc__buf_printf(b, "<div class=\"finding%s\"><p><strong>%s</strong>", f->informational ? " info" : "",
                   lc__finding_kind_name(f->kind));
    if (f->leak_kind) {
        lc__buf_puts(b, " (");
        lc__html_esc(b, f->leak_kind);
        lc__buf_puts(b, ")");
    }
    lc__buf_puts(b, f->informational ? " <span class=\"muted\">(listed, not failing)</span>" : "");
    lc__buf_puts(b, ": ");
    if (f->summary)
        lc__html_esc(b, f->summary);
    else if (f->kind == LC_FINDING_MEMORY || f->kind == LC_FINDING_MAPPING)
        lc__buf_printf(b, "%llu, %llu B", (unsigned long long)f->blocks,
                       (unsigned long long)f->bytes);
    if (f->kind == LC_FINDING_THREAD) {
        lc__buf_printf(b, " thread %d ", f->thread_tid);
        lc__html_esc(b, f->thread_name);
        lc__buf_puts(b, " ");
        lc__html_esc(b, f->thread_state);
    } else if (f->kind == LC_FINDING_FD) {
        lc__buf_printf(b, " fd %d -&gt; ", f->fd);
        lc__html_esc(b, f->fd_target);
    }
    lc__buf_puts(b, "</p>");
    growth_line(b, f);
    stack_table(b, f->stack, f->nstack);
    if (f->ncurrent) {
        lc__buf_puts(b, "<p class=\"muted\">where the thread is now:</p>");
        stack_table(b, f->current_stack, f->ncurrent);
    }
    lc__buf_puts(b, "</div>\n");
}

static void sweep_finding(struct lc_buf *b, const struct lc_html_sweep_finding *f) {
    lc__buf_puts(b, "<div class=\"finding sweep\"><p><strong>");
    lc__html_esc(b, f->mode);
    lc__buf_puts(b, " ");
    lc__html_esc(b, f->kind);
    lc__buf_puts(b, "</strong>");
    if (f->signal) {
        lc__buf_puts(b, " (");
        lc__html_esc(b, f->signal);
        lc__buf_puts(b, ")");
    }
    if (f->blocks || f->bytes)
        lc__buf_printf(b, " %llu block%s, %llu B", (unsigned long long)f->blocks,
                       f->blocks == 1 ? "" : "s", (unsigned long long)f->bytes);
    lc__buf_puts(b, ": ");
    lc__html_esc(b, f->message);
    lc__buf_puts(b, "</p>");
    size_t left = 0;
    for (size_t k = 0; k < f->nstacks; k++)
        left += f->nstack[k] != 0;
    /* folded: a sweep has a finding per site and mode, each with stacks */
    lc__buf_printf(b, "<details><summary>the allocation that failed%s",
                   left ? ", and where what was left behind was allocated" : "");
    lc__buf_puts(b, "</summary>");
    stack_table(b, f->site, f->nsite);
    for (size_t k = 0; k < f->nstacks; k++) {
        if (!f->nstack[k])
            continue;
        lc__buf_puts(b, "<p class=\"muted\">left behind, allocated at:</p>");
        stack_table(b, f->stacks[k], f->nstack[k]);
    }
    lc__buf_puts(b, "</details></div>\n");
}

static void sweep(struct lc_buf *b, const struct lc_html_sweep *s) {
    if (!s->present)
        return;
    lc__buf_printf(b,
                   "<h4>Allocation-failure sweep</h4><p>%llu site%s, %llu swept, %llu unswept, "
                   "%llu run%s",
                   (unsigned long long)s->sites, s->sites == 1 ? "" : "s",
                   (unsigned long long)s->swept, (unsigned long long)s->unswept,
                   (unsigned long long)s->runs, s->runs == 1 ? "" : "s");
    if (s->skipped) {
        lc__buf_puts(b, "; <span class=\"bad\">not run: ");
        lc__html_esc(b, s->skipped);
        lc__buf_puts(b, "</span>");
    }
    lc__buf_printf(b, "; %zu finding%s", s->n, s->n == 1 ? "" : "s");
    if (s->note) {
        lc__buf_puts(b, " <span class=\"muted\">(");
        lc__html_esc(b, s->note);
        lc__buf_puts(b, ")</span>");
    }
    lc__buf_puts(b, "</p>\n");
    for (size_t i = 0; i < s->n; i++)
        sweep_finding(b, &s->f[i]);
}

static void deltas(struct lc_buf *b, int kind, json_t *old_e, json_t *new_e) {
    struct lc_bl_delta d[LC_BL_MAX_METRICS];
    size_t nd = lc__bl_compare(kind, old_e, new_e, 0, d), shown = 0;
    for (size_t i = 0; i < nd; i++) {
        char text[256];
        if (!d[i].have || d[i].cmp == 2)
            continue;
        lc__bl_delta_text(&d[i], text, sizeof text);
        lc__buf_printf(b, "%s<span class=\"%s\">", shown++ ? "; " : "",
                       d[i].regression ? "bad" : d[i].improvement ? "good" : "muted");
        lc__html_esc(b, text);
        lc__buf_puts(b, "</span>");
    }
}

/* Against --baseline: the entry of this test or benchmark, compared. */
static void baseline_cell(struct lc_buf *b, const struct lc_html_file *f, int kind,
                          const char *group, const char *nm, json_t *entry) {
    char key[1024];
    lc__bl_key(group ? group : f->l->run.binary, nm, key, sizeof key);
    json_t *old = lc__bl_get(f->baseline, kind, key);
    if (!entry)
        lc__buf_puts(b, "<span class=\"muted\">no counts</span>");
    else if (!old)
        lc__buf_puts(b, "<span class=\"muted\">not in the baseline</span>");
    else
        deltas(b, kind, old, entry);
    json_decref(entry);
}

void lc__html_plots(struct lc_buf *b, const struct lc_html_series *s, const char *xlabel) {
    static const int metrics[] = {LC_HTML_LIVE_BLOCKS, LC_HTML_LIVE_BYTES, LC_HTML_THREADS,
                                  LC_HTML_FDS};
    if (!s->n)
        return;
    lc__buf_puts(b, "<div class=\"plots\">");
    for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++)
        lc__html_plot(b, s, metrics[i], NULL, xlabel);
    lc__buf_puts(b, "</div>\n");
}

/* Heading, source, iterations, message and details of a test. */
static void test_head(struct lc_buf *b, const struct lc_test_result *t, size_t fi, size_t ti) {
    const char *v = lc__verdict_name(t->verdict);
    lc__buf_printf(b, "<section class=\"test v-%s\" id=\"t-%zu-%zu\" data-verdict=\"%s\">"
                      "<h3><span class=\"badge\">%s</span> ", v, fi, ti, v, v);
    lc__html_test_name(b, t);
    lc__buf_puts(b, "</h3><p>");
    if (t->file) {
        lc__html_esc(b, t->file);
        lc__buf_printf(b, ":%u &middot; ", t->line);
    }
    lc__buf_printf(b, "%u warm-up, %u measured, %u extended iteration%s, %.3f s</p>\n",
                   t->warmup, t->measured, t->extended, t->extended == 1 ? "" : "s",
                   t->duration);
    if (t->message) {
        lc__buf_puts(b, "<p>");
        lc__html_esc(b, t->message);
        lc__buf_puts(b, "</p>\n");
    }
    if (t->details) {
        lc__buf_puts(b, "<pre>");
        lc__html_esc(b, t->details);
        lc__buf_puts(b, "</pre>\n");
    }
}

void lc__html_test_section(struct lc_buf *b, const struct lc_html_file *f, size_t fi,
                           size_t ti) {
    const struct lc_html_test *ht = &f->tests[ti];
    const struct lc_test_result *t = ht->t;
    test_head(b, t, fi, ti);
    if (f->baseline) {
        lc__buf_puts(b, "<p>baseline: ");
        baseline_cell(b, f, LC_BL_TEST, t->group, t->name, lc__bl_test_entry(t));
        lc__buf_puts(b, "</p>\n");
    }
    if (ht->series.n) {
        /* a passing test's plots folded: a suite has many of them */
        int open = t->verdict != LC_VERDICT_CLEAN && t->verdict != LC_VERDICT_SKIPPED;
        lc__buf_printf(b, "<details%s><summary>per iteration: live blocks, live bytes, "
                          "threads, fds</summary>", open ? " open" : "");
        lc__html_plots(b, &ht->series, "iteration");
        lc__buf_puts(b, "</details>\n");
    }
    for (size_t i = 0; i < t->nfindings; i++)
        finding(b, &t->findings[i]);
    sweep(b, &ht->sweep);
    for (size_t i = 0; i < t->nsuppressed; i++) {
        lc__buf_printf(b, "<p class=\"muted\">suppressed %lu&times; by ", t->suppressed[i].hits);
        lc__html_esc(b, t->suppressed[i].rule);
        lc__buf_puts(b, " (");
        lc__html_esc(b, t->suppressed[i].why);
        lc__buf_puts(b, ")</p>\n");
    }
    lc__buf_puts(b, "</section>\n");
}

/* The benchmark's message parts, one per line: "; "-separated in the JSON. */
static void bench_message(struct lc_buf *b, const char *m) {
    while (m && *m) {
        const char *end = strstr(m, "; ");
        size_t len = end ? (size_t)(end - m) : strlen(m);
        char part[1024];
        snprintf(part, sizeof part, "%.*s", (int)(len < sizeof part ? len : sizeof part - 1), m);
        int over = strstr(part, "budget") || strstr(part, "more allocation than");
        lc__buf_printf(b, "<div class=\"%s\">", over ? "bad" : "muted");
        lc__html_esc(b, part);
        lc__buf_puts(b, "</div>");
        m = end ? end + 2 : NULL;
    }
}

void lc__html_benchmarks(struct lc_buf *b, const struct lc_html_file *f) {
    const struct lc_run *r = &f->l->run;
    if (!r->nbenchmarks)
        return;
    lc__buf_printf(b, "<h3>Benchmarks</h3><table class=\"bench\"><thead><tr><th>benchmark</th>"
                      "<th>n</th><th>allocs/op</th><th>frees/op</th><th>bytes/op</th>"
                      "<th>peak B</th><th>net blocks</th><th>net B</th><th>ns/op</th>"
                      "<th>budget, baseline</th>%s</tr></thead><tbody>\n",
                   f->baseline ? "<th>against --baseline</th>" : "");
    for (size_t i = 0; i < r->nbenchmarks; i++) {
        const struct lc_bench_result *x = &r->benchmarks[i];
        lc__buf_printf(b, "<tr class=\"v-%s\"><td><span class=\"badge\">%s</span> ",
                       x->failed ? "failed" : "clean", x->failed ? "failed" : "ok");
        lc__html_esc(b, x->name);
        lc__buf_printf(b,
                       "</td><td class=\"num\">%llu</td><td class=\"num\">%.2f</td>"
                       "<td class=\"num\">%.2f</td><td class=\"num\">%.1f</td>"
                       "<td class=\"num\">%llu</td><td class=\"num\">%lld</td>"
                       "<td class=\"num\">%lld</td><td class=\"num\">%.1f</td><td>",
                       (unsigned long long)x->n, x->allocs_per_op, x->frees_per_op,
                       x->bytes_per_op, (unsigned long long)x->peak_bytes,
                       (long long)x->net_blocks, (long long)x->net_bytes, x->ns_per_op);
        bench_message(b, x->message);
        if (!x->message)
            lc__buf_puts(b, "<span class=\"muted\">no budget or baseline exceeded</span>");
        lc__buf_puts(b, "</td>");
        if (f->baseline) {
            lc__buf_puts(b, "<td>");
            baseline_cell(b, f, LC_BL_BENCH, x->group, x->name, lc__bl_bench_entry(x));
            lc__buf_puts(b, "</td>");
        }
        lc__buf_puts(b, "</tr>\n");
    }
    lc__buf_puts(b, "</tbody></table>\n");
}
