/* html_page.c: the HTML report's page skeleton: a head with a strict CSP (the
 * inline style and script allowed by their SHA-256; nothing loads), the
 * verdict table with its filters, and per file the run's memory over time and
 * flame graph, then its benchmarks and tests (html_results.c). Calls
 * html_results.c, html_flame.c, html_out.c; tool-side only. */
#include <stdio.h>
#include <string.h>

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
    ".flame{border:1px solid #eee;max-width:100%;height:auto}.fl{cursor:pointer}"
    "[hidden]{display:none!important}";

/* Filters by verdict and text, and the flame graph's zoom (a click on a box
 * stretches it to the full width, its ancestors too, and hides what is not
 * inside it; a click on the root undoes it). `#verdict=leak&q=text&flame=ID`
 * in the address sets them (and is how the browser test drives them). Errors,
 * including a CSP violation, are recorded on <html data-lc-error>, a finished
 * run as data-lc-js="ready". */
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
    "if(p[0]==='verdict')sel.value=v;else if(p[0]==='q')txt.value=v;"
    "else if(p[0]==='flame'&&d.getElementById(v))zoom(d.getElementById(v));}apply();}"
    "function fit(s,w){var n=Math.floor((w-6)/6.2);if(n<3)return '';"
    "return s.length>n?s.slice(0,n-2)+'..':s;}"
    "function zoom(g){var svg=g.ownerSVGElement,W=+svg.getAttribute('width'),"
    "x0=+g.getAttribute('data-x'),w0=+g.getAttribute('data-w'),d0=+g.getAttribute('data-d'),"
    "bs=svg.querySelectorAll('g.fl'),e=0.01;"
    "for(var i=0;i<bs.length;i++){var b=bs[i],x=+b.getAttribute('data-x'),"
    "w=+b.getAttribute('data-w'),dd=+b.getAttribute('data-d'),show,nx,nw;"
    "if(dd<d0){show=x<=x0+e&&x+w>=x0+w0-e;nx=0;nw=W;}"
    "else{show=x>=x0-e&&x+w<=x0+w0+e;nx=(x-x0)*W/w0;nw=w*W/w0;}"
    "b.setAttribute('display',show?'inline':'none');if(!show)continue;"
    "var r=b.querySelector('rect'),t=b.querySelector('text');"
    "r.setAttribute('x',nx.toFixed(1));r.setAttribute('width',nw.toFixed(1));"
    "t.setAttribute('x',(nx+3).toFixed(1));t.textContent=fit(b.getAttribute('data-name'),nw);}}"
    "d.addEventListener('click',function(e){var g=e.target.closest&&e.target.closest('g.fl');"
    "if(g)zoom(g);});"
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
    lc__html_test_name(b, ht->t);
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

static void run_view(struct lc_buf *b, const struct lc_html_file *f, size_t fi) {
    if (f->is_run) {
        lc__buf_puts(b, "<h3>Memory over time</h3>\n");
        if (f->has_time && f->time.n)
            lc__html_plots(b, &f->time, "ms since start");
        else
            lc__buf_puts(b, "<p class=\"muted\">This report has no time series "
                            "(<code>leakcheck run --stats-interval=MS</code> records "
                            "one).</p>\n");
        if (f->sampling_bytes)
            lc__buf_printf(b, "<p class=\"muted\">Stacks were sampled (one per %llu bytes "
                              "allocated on average); sizes are estimates.</p>\n",
                           (unsigned long long)f->sampling_bytes);
    }
    struct lc_buf fl;
    lc__buf_init(&fl, b->realloc_fn, b->free_fn);
    lc__html_flame(&fl, f, fi);
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
    run_view(b, f, fi);
    lc__html_benchmarks(b, f);
    for (size_t i = 0; i < l->run.ntests; i++)
        lc__html_test_section(b, f, fi, i);
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
