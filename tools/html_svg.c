/* html_svg.c: the HTML report's line plots, drawn here as inline SVG (no
 * script, no external file): one metric of a series against iterations or
 * time, warm-up iterations on a shaded band, extended ones on a second band,
 * each point with a tooltip. Colours are SVG presentation attributes, which
 * the page's CSP allows. Calls html_out.c's escaper; tool-side only. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

#define W 236.0
#define H 130.0
#define ML 50.0 /* room for the y labels */
#define MR 10.0
#define MT 20.0
#define MB 24.0

static const char *const metric_names[LC_HTML_NMETRICS] = {
    "live blocks", "live bytes", "peak bytes", "threads", "fds", "allocs", "frees"};

static int is_bytes(int metric) {
    return metric == LC_HTML_LIVE_BYTES || metric == LC_HTML_PEAK_BYTES;
}

/* A value for people: bytes with a binary unit, counts as integers. */
static void value_text(int metric, double v, char *buf, size_t len) {
    if (!is_bytes(metric) || fabs(v) < 1024) {
        snprintf(buf, len, "%.0f%s", v, is_bytes(metric) ? " B" : "");
        return;
    }
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (fabs(v) >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, unit[u]);
}

struct frame {
    double x0, x1, ymax;
};

static double px(const struct frame *f, double x) {
    return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR);
}

static double py(const struct frame *f, double y) {
    return H - MB - y / f->ymax * (H - MT - MB);
}

/* A band behind the points of one phase, from halfway before its first
 * point to halfway after its last. */
static void band(struct lc_buf *b, const struct frame *f, const struct lc_html_series *s,
                 int phase, const char *fill, const char *label) {
    size_t first = s->n, last = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->pts[i].phase != phase)
            continue;
        if (first == s->n)
            first = i;
        last = i;
    }
    if (first == s->n)
        return;
    double half = s->n > 1 ? (px(f, s->pts[s->n - 1].x) - px(f, s->pts[0].x)) /
                                 (double)(s->n - 1) / 2
                           : 8;
    double a = px(f, s->pts[first].x) - half, z = px(f, s->pts[last].x) + half;
    a = a < ML ? ML : a;
    z = z > W - MR ? W - MR : z;
    lc__buf_printf(b,
                   "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"%s\"><title>%s</title></rect>",
                   a, MT, z - a, H - MT - MB, fill, label);
    /* the label from the band's left edge, or ending at its right edge when
     * it would run out of the plot */
    double tw = 4.8 * (double)strlen(label);
    if (a + 2 + tw <= W - MR)
        lc__buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#666\">%s</text>",
                       a + 2, MT + 9, label);
    else
        lc__buf_printf(b,
                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#666\" "
                       "text-anchor=\"end\">%s</text>",
                       z - 2, MT + 9, label);
}

static void axes(struct lc_buf *b, const struct frame *f, int metric, const char *xlabel) {
    char top[32];
    value_text(metric, f->ymax, top, sizeof top);
    lc__buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>"
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%s</text>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">0</text>",
                   ML, MT, ML, H - MB, ML, H - MB, W - MR, H - MB, ML - 3, MT + 4, top, ML - 3,
                   H - MB);
    lc__buf_printf(b,
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\">%.0f</text>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\">%.0f</text>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" "
                   "fill=\"#666\">%s</text>",
                   ML, H - MB + 11, f->x0, W - MR, H - MB + 11, f->x1, (ML + W - MR) / 2,
                   H - 3, xlabel);
}

static void line(struct lc_buf *b, const struct frame *f, const struct lc_html_series *s,
                 int metric, const char *xlabel) {
    lc__buf_puts(b, "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"");
    for (size_t i = 0; i < s->n; i++)
        lc__buf_printf(b, "%s%.1f,%.1f", i ? " " : "", px(f, s->pts[i].x),
                       py(f, s->pts[i].v[metric]));
    lc__buf_puts(b, "\"/>");
    if (s->n > 80)
        return; /* a long time series: the line alone */
    for (size_t i = 0; i < s->n; i++) {
        char v[32];
        value_text(metric, s->pts[i].v[metric], v, sizeof v);
        lc__buf_printf(b,
                       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"#c0392b\">"
                       "<title>%s %.0f: %s</title></circle>",
                       px(f, s->pts[i].x), py(f, s->pts[i].v[metric]), xlabel, s->pts[i].x, v);
    }
}

void lc__html_plot(struct lc_buf *b, const struct lc_html_series *s, int metric,
                   const char *title, const char *xlabel) {
    if (!s->n)
        return;
    struct frame f = {s->pts[0].x, s->pts[s->n - 1].x, 0};
    for (size_t i = 0; i < s->n; i++)
        f.ymax = s->pts[i].v[metric] > f.ymax ? s->pts[i].v[metric] : f.ymax;
    if (f.x1 <= f.x0)
        f.x1 = f.x0 + 1;
    if (f.ymax <= 0)
        f.ymax = 1;
    lc__buf_printf(b,
                   "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                   "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
                   W, H, W, H);
    lc__html_esc(b, title ? title : metric_names[metric]);
    lc__buf_puts(b, "\"><title>");
    lc__html_esc(b, title ? title : metric_names[metric]);
    lc__buf_puts(b, "</title>");
    band(b, &f, s, LC_HTML_WARMUP, "#e8e8e8", "warm-up");
    band(b, &f, s, LC_HTML_EXTENDED, "#fdf2d0", "extended");
    axes(b, &f, metric, xlabel);
    line(b, &f, s, metric, xlabel);
    lc__buf_printf(b, "<text x=\"%.1f\" y=\"12\" font-size=\"11\" font-weight=\"bold\">", ML);
    lc__html_esc(b, title ? title : metric_names[metric]);
    lc__buf_puts(b, "</text></svg>");
}
