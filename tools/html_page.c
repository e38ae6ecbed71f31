/* html_page.c: the HTML report's page skeleton: a head with a strict CSP (the
 * inline style and script allowed by their SHA-256; nothing loads), the
 * verdict table with its filters, per file the run's memory over time, flame
 * graph and benchmarks, a section per test (plots, stacks, fail sweep).
 * Calls html_svg.c, html_flame.c, html_out.c; tool-side only. */
#include <stdio.h>
#include <string.h>

#include "../src/baseline.h"
#include "html.h"

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:2em}"
    "h3{font-size:1.05em;margin-bottom:.3em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".badge{display:inline-block;padding:0 6px;border-radius:3px;font-weight:bold;color:#fff}"
    ".v-clean .badge{background:#2e7d32}.v-leak .badge{background:#c62828}"
    ".v-failed .badge{background:#ad1457}.v-crashed .badge{background:#4a148c}"
    ".v-skipped .badge{background:#757575}"
    ".filters{margin:.5em 0;padding:.4em;background:#f8f8f8;border:1px solid #e4e4e4}"
    ".filters label{margin-right:1em}"
    "section.test{border-left:4px solid #ddd;padding-left:.8em;margin:1.2em 0}"
    "section.test.v-leak,section.test.v-failed,section.test.v-crashed{border-color:#c62828}"
    ".plots svg{margin:0 8px 8px 0;border:1px solid #eee}"
    ".finding{margin:.6em 0}.finding.info{color:#555}"
    ".stack td{font-family:ui-monospace,monospace;font-size:12px}"
    ".fn{font-weight:bold}.muted{color:#777}.bad{color:#c62828;font-weight:bold}"
    ".good{color:#2e7d32}"
    "pre{white-space:pre-wrap;background:#f8f8f8;padding:.4em}"
    ".flame{border:1px solid #eee;max-width:100%;height:auto}"
    "[hidden]{display:none!important}";

/* Filters by verdict and text; `#verdict=leak&q=text` in the address sets
 * them (and is how the browser test drives them). Errors, including a CSP
 * violation, are recorded on <html data-lc-error>, a finished run as
 * data-lc-js="ready". */
static const char script[] =
    "(function(){'use strict';var d=document,root=d.documentElement;"
    "window.addEventListener('error',function(e){"
    "root.setAttribute('data-lc-error',String(e.message||'error'));});"
    "d.addEventListener('securitypolicyviolation',function(e){"
    "root.setAttribute('data-lc-error','CSP: '+e.violatedDirective);});"
    "var sel=d.getElementById('f-verdict'),txt=d.getElementById('f-text'),"
    "cnt=d.getElementById('f-count'),none=d.getElementById('f-none');"
    "function want(v,f){if(!f||f==='all')return true;"
    "if(f==='failing')return v==='leak'||v==='failed'||v==='crashed';return v===f;}"
    "function apply(){var f=sel.value,q=txt.value.toLowerCase(),shown=0,"
    "rows=d.querySelectorAll('#tests tbody tr');"
    "for(var i=0;i<rows.length;i++){var r=rows[i],ok=want(r.getAttribute('data-verdict'),f)"
    "&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.hidden=!ok;"
    "var s=d.getElementById(r.getAttribute('data-section'));if(s)s.hidden=!ok;if(ok)shown++;}"
    "cnt.textContent=shown+' of '+rows.length+' tests shown';none.hidden=shown>0;}"
    "function fromHash(){var h=location.hash.replace(/^#/,'').split('&');"
    "for(var i=0;i<h.length;i++){var p=h[i].split('='),v;if(p.length!==2)continue;"
    "try{v=decodeURIComponent(p[1]);}catch(e){continue;}"
    "if(p[0]==='verdict')sel.value=v;else if(p[0]==='q')txt.value=v;}apply();}"
    "sel.addEventListener('change',apply);txt.addEventListener('input',apply);"
    "window.addEventListener('hashchange',fromHash);fromHash();"
    "root.setAttribute('data-lc-js','ready');})();";

static void head(struct lc_buf *b) {
    char sh[80], ch[80];
    lc__html_csp_hash(script, sizeof script - 1, sh, sizeof sh);
    lc__html_csp_hash(css, sizeof css - 1, ch, sizeof ch);
    lc__buf_printf(b,
                   "<!DOCTYPE html>\n<html lang=\"en\" data-lc-js=\"none\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                   "'none'; style-src %s; script-src %s; base-uri 'none'; form-action "
                   "'none'\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"leakcheck report --html\">\n"
                   "<title>leakcheck report</title>\n<style>%s</style>\n</head>\n<body>\n",
                   ch, sh, css);
}

static void name(struct lc_buf *b, const struct lc_test_result *t) {
    if (t->group) {
        lc__html_esc(b, t->group);
        lc__buf_puts(b, " :: ");
    }
    lc__html_esc(b, t->name);
}

static void totals(struct lc_buf *b, const struct lc_html_file *fs, size_t n) {
    size_t by[5] = {0}, tests = 0, benches = 0, over = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < fs[k].l->run.ntests; i++, tests++)
            by[fs[k].l->run.tests[i].verdict]++;
        for (size_t i = 0; i < fs[k].l->run.nbenchmarks; i++, benches++)
            over += fs[k].l->run.benchmarks[i].failed != 0;
    }
    lc__buf_printf(b,
                   "<p class=\"totals\" id=\"totals\">%zu report%s, %zu test%s: %zu clean, "
                   "%zu leak, %zu failed, %zu crashed, %zu skipped; %zu benchmark%s, %zu "
                   "failed</p>\n",
                   n, n == 1 ? "" : "s", tests, tests == 1 ? "" : "s", by[LC_VERDICT_CLEAN],
                   by[LC_VERDICT_LEAK], by[LC_VERDICT_FAILED], by[LC_VERDICT_CRASHED],
                   by[LC_VERDICT_SKIPPED], benches, benches == 1 ? "" : "s", over);
}

static void filters(struct lc_buf *b) {
    lc__buf_puts(b,
                 "<nav class=\"filters\"><label>Verdict <select id=\"f-verdict\">"
                 "<option value=\"all\">all</option>"
                 "<option value=\"failing\">failing (leak, failed, crashed)</option>"
                 "<option value=\"leak\">leak</option><option value=\"failed\">failed</option>"
                 "<option value=\"crashed\">crashed</option><option value=\"clean\">clean</option>"
                 "<option value=\"skipped\">skipped</option></select></label>"
                 "<label>Search <input id=\"f-text\" type=\"search\" "
                 "placeholder=\"test, function, file\"></label>"
                 "<span id=\"f-count\" class=\"muted\"></span></nav>\n");
}

/* The finding a row names: the first one that fails, else the first. */
static const struct lc_finding *top_finding(const struct lc_test_result *t) {
    for (size_t i = 0; i < t->nfindings; i++)
        if (!t->findings[i].informational)
            return &t->findings[i];
    return t->nfindings ? &t->findings[0] : NULL;
}

static void top_cell(struct lc_buf *b, const struct lc_html_test *ht) {
    const struct lc_finding *f = top_finding(ht->t);
    if (f && f->summary && *f->summary) {
        lc__html_esc(b, f->summary);
    } else if (f && f->nstack) {
        lc__buf_printf(b, "%s: ", lc__finding_kind_name(f->kind));
        lc__html_frame(b, &f->stack[0]);
    } else if (ht->sweep.n) {
        lc__buf_puts(b, "fail sweep: ");
        lc__html_esc(b, ht->sweep.f[0].message);
    }
    /* the functions of its stack, so a search finds the test by any of them */
    if (f && f->nstack) {
        lc__buf_puts(b, "<span class=\"muted\"> [");
        for (int i = 0; i < f->nstack && i < 6; i++) {
            lc__buf_puts(b, i ? " &lt;- " : "");
            lc__buf_puts(b, "<span class=\"fn\">");
            lc__html_esc(b, f->stack[i].function ? f->stack[i].function : "??");
            lc__buf_puts(b, "</span>");
        }
        lc__buf_puts(b, "]</span>");
    }
}

static void row(struct lc_buf *b, const struct lc_html_file *f, size_t fi, size_t ti) {
    const struct lc_html_test *ht = &f->tests[ti];
    const char *v = lc__verdict_name(ht->t->verdict);
    lc__buf_printf(b,
                   "<tr id=\"row-%zu-%zu\" class=\"v-%s\" data-verdict=\"%s\" "
                   "data-section=\"t-%zu-%zu\" data-test=\"",
                   fi, ti, v, v, fi, ti);
    lc__html_esc(b, ht->t->name);
    lc__buf_printf(b, "\"><td><span class=\"badge\">%s</span></td><td><a href=\"#t-%zu-%zu\">", v,
                   fi, ti);
    name(b, ht->t);
    lc__buf_puts(b, "</a></td><td>");
    lc__html_esc(b, f->l->run.binary);
    lc__buf_puts(b, "</td><td>");
    lc__html_esc(b, ht->t->message);
    lc__buf_puts(b, "</td><td>");
    top_cell(b, ht);
    lc__buf_puts(b, "</td></tr>\n");
}

static void verdict_table(struct lc_buf *b, const struct lc_html_file *fs, size_t n) {
    lc__buf_puts(b, "<table id=\"tests\"><thead><tr><th>verdict</th><th>test</th>"
                    "<th>binary</th><th>result</th><th>top finding</th></tr></thead><tbody>\n");
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < fs[k].l->run.ntests; i++)
            row(b, &fs[k], k, i);
    lc__buf_puts(b, "</tbody></table>\n<p id=\"f-none\" class=\"muted\" hidden>No test "
                    "matches the filter.</p>\n");
}

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

static void plots(struct lc_buf *b, const struct lc_html_series *s, const char *xlabel) {
    static const int metrics[] = {LC_HTML_LIVE_BLOCKS, LC_HTML_LIVE_BYTES, LC_HTML_THREADS,
                                  LC_HTML_FDS};
    if (!s->n)
        return;
    lc__buf_puts(b, "<div class=\"plots\">");
    for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++)
        lc__html_plot(b, s, metrics[i], NULL, xlabel);
    lc__buf_puts(b, "</div>\n");
}

static void test_section(struct lc_buf *b, const struct lc_html_file *f, size_t fi, size_t ti) {
    const struct lc_html_test *ht = &f->tests[ti];
    const struct lc_test_result *t = ht->t;
    const char *v = lc__verdict_name(t->verdict);
    lc__buf_printf(b, "<section class=\"test v-%s\" id=\"t-%zu-%zu\" data-verdict=\"%s\">"
                      "<h3><span class=\"badge\">%s</span> ", v, fi, ti, v, v);
    name(b, t);
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
    if (f->baseline) {
        lc__buf_puts(b, "<p>baseline: ");
        baseline_cell(b, f, LC_BL_TEST, t->group, t->name, lc__bl_test_entry(t));
        lc__buf_puts(b, "</p>\n");
    }
    plots(b, &ht->series, "iteration");
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

static void benchmarks(struct lc_buf *b, const struct lc_html_file *f) {
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

static void run_view(struct lc_buf *b, const struct lc_html_file *f) {
    if (f->is_run) {
        lc__buf_puts(b, "<h3>Memory over time</h3>\n");
        if (f->has_time && f->time.n)
            plots(b, &f->time, "ms since start");
        else
            lc__buf_puts(b, "<p class=\"muted\">This report has no time series (it was "
                            "written without a sampling interval).</p>\n");
        if (f->sampling_bytes)
            lc__buf_printf(b, "<p class=\"muted\">Stacks were sampled (one per %llu bytes "
                              "allocated on average); sizes are estimates.</p>\n",
                           (unsigned long long)f->sampling_bytes);
    }
    struct lc_buf fl;
    lc__buf_init(&fl, b->realloc_fn, b->free_fn);
    lc__html_flame(&fl, f);
    if (fl.len) {
        lc__buf_puts(b, f->is_run ? "<h3>Live heap at exit (flame graph, by bytes)</h3>\n"
                                  : "<h3>Leaked memory by stack (flame graph, by bytes)</h3>\n");
        lc__buf_putn(b, fl.data, fl.len);
    }
    b->failed |= fl.failed;
    lc__buf_free(&fl);
}

static void file_section(struct lc_buf *b, const struct lc_html_file *f, size_t fi) {
    const struct loaded *l = f->l;
    lc__buf_printf(b, "<section class=\"file\" id=\"file-%zu\"><h2>", fi);
    lc__html_esc(b, l->run.binary);
    lc__buf_puts(b, " <span class=\"muted\">(");
    lc__html_esc(b, l->path);
    if (l->timestamp) {
        lc__buf_puts(b, ", ");
        lc__html_esc(b, l->timestamp);
    }
    if (l->hostname) {
        lc__buf_puts(b, ", ");
        lc__html_esc(b, l->hostname);
    }
    lc__buf_puts(b, ")</span></h2>\n");
    run_view(b, f);
    benchmarks(b, f);
    for (size_t i = 0; i < l->run.ntests; i++)
        test_section(b, f, fi, i);
    lc__buf_puts(b, "</section>\n");
}

void lc__html_page(struct lc_buf *b, const struct lc_html_file *files, size_t n) {
    head(b);
    lc__buf_puts(b, "<header><h1>leakcheck report</h1>\n");
    totals(b, files, n);
    lc__buf_puts(b, "</header>\n");
    filters(b);
    verdict_table(b, files, n);
    for (size_t k = 0; k < n; k++)
        file_section(b, &files[k], k);
    lc__buf_printf(b, "<script>%s</script>\n</body>\n</html>\n", script);
}
