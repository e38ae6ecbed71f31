/* html_flame.c: the HTML report's flame graph of the live heap, as inline SVG:
 * the stacks of a report's memory findings (`leakcheck run`: every block left,
 * by leak kind; tests: each test's leaks) merged by function, outermost at the
 * bottom, each box as wide as its bytes, with a tooltip and what the page's
 * script needs to zoom. Calls html_out.c; tool-side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

#define FW 1000.0 /* width of the graph */
#define ROW 17.0
#define MAXDEPTH 200

struct node {
    const char *name; /* function (or the group label); escaped when written */
    const lc_frame *frame; /* the first frame seen here, for file:line; NULL for labels */
    size_t parent, child, next; /* indexes; 0 is the root, 0 as child/next: none */
    uint64_t bytes, blocks;
    int depth;
};

struct tree {
    struct node *n;
    size_t len, cap;
    int depth;     /* deepest node */
    char **names;  /* made-up names of frames without a function, owned */
    size_t nnames;
};

static void *grow(void *p, size_t n, size_t size) {
    void *q = realloc(p, n * size);
    if (!q) {
        fprintf(stderr, "leakcheck: report: out of memory\n");
        exit(2);
    }
    return q;
}

/* A frame without a function is named by its module and address, so that
 * unrelated unknown frames are not merged into one box. */
static const char *frame_name(struct tree *t, const lc_frame *fr) {
    if (fr->function)
        return fr->function;
    const char *mod = fr->module ? strrchr(fr->module, '/') : NULL;
    char buf[320];
    snprintf(buf, sizeof buf, "?? %#lx (%.256s)", (unsigned long)fr->address,
             mod ? mod + 1 : fr->module ? fr->module : "?");
    t->names = grow(t->names, t->nnames + 1, sizeof *t->names);
    t->names[t->nnames] = strdup(buf);
    if (!t->names[t->nnames])
        return "??";
    return t->names[t->nnames++];
}

static size_t add_node(struct tree *t, size_t parent, const char *name, const lc_frame *fr) {
    for (size_t c = t->n[parent].child; c; c = t->n[c].next)
        if (strcmp(t->n[c].name, name) == 0)
            return c;
    if (t->len == t->cap) {
        t->cap *= 2;
        t->n = grow(t->n, t->cap, sizeof *t->n);
    }
    size_t i = t->len++;
    t->n[i] = (struct node){name, fr, parent, 0, t->n[parent].child, 0, 0,
                            t->n[parent].depth + 1};
    t->n[parent].child = i;
    if (t->n[i].depth > t->depth)
        t->depth = t->n[i].depth;
    return i;
}

static const char *kind_label(const char *leak_kind) {
    if (!leak_kind)
        return "leaked";
    if (strcmp(leak_kind, "definite") == 0)
        return "definitely lost";
    if (strcmp(leak_kind, "indirect") == 0)
        return "indirectly lost";
    if (strcmp(leak_kind, "possible") == 0)
        return "possibly lost";
    if (strcmp(leak_kind, "reachable") == 0)
        return "still reachable";
    return leak_kind;
}

/* root -> group (leak kind or test) -> outermost frame ... innermost frame */
static void add_stack(struct tree *t, const char *group, const struct lc_finding *f) {
    size_t at = add_node(t, 0, group, NULL);
    t->n[0].bytes += f->bytes;
    t->n[0].blocks += f->blocks;
    t->n[at].bytes += f->bytes;
    t->n[at].blocks += f->blocks;
    for (int i = f->nstack - 1; i >= 0 && t->n[at].depth < MAXDEPTH; i--) {
        const lc_frame *fr = &f->stack[i];
        at = add_node(t, at, frame_name(t, fr), fr);
        t->n[at].bytes += f->bytes;
        t->n[at].blocks += f->blocks;
    }
}

static void build(struct tree *t, const struct lc_html_file *file) {
    t->cap = 64;
    t->n = grow(NULL, t->cap, sizeof *t->n);
    memset(t->n, 0, sizeof *t->n);
    t->len = 1;
    t->n[0].name = "all";
    const struct lc_run *r = &file->l->run;
    for (size_t i = 0; i < r->ntests; i++) {
        const struct lc_test_result *tr = &r->tests[i];
        for (size_t k = 0; k < tr->nfindings; k++) {
            const struct lc_finding *f = &tr->findings[k];
            if (f->kind != LC_FINDING_MEMORY || !f->nstack || !f->bytes)
                continue;
            add_stack(t, file->is_run ? kind_label(f->leak_kind) : tr->name, f);
        }
    }
}

static uint32_t name_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void fill(char *out, size_t len, const struct node *n) {
    static const struct {
        const char *label, *colour;
    } kinds[] = {{"definitely lost", "#e0533d"}, {"indirectly lost", "#ee8a3c"},
                 {"possibly lost", "#e8c547"}, {"still reachable", "#78b3de"}};
    if (n->depth == 1)
        for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
            if (strcmp(n->name, kinds[i].label) == 0) {
                snprintf(out, len, "%s", kinds[i].colour);
                return;
            }
    uint32_t h = name_hash(n->name);
    snprintf(out, len, "#%02x%02x%02x", 205 + (h & 0xff) % 50, 90 + (h >> 8 & 0xff) % 140,
             40 + (h >> 16 & 0xff) % 50);
}

/* The box's label: as much of the name as fits, cut at a character boundary. */
static void label(struct lc_buf *b, const char *name, double width) {
    size_t fit = width > 8 ? (size_t)((width - 6) / 6.2) : 0;
    size_t len = strlen(name);
    if (fit < 3)
        return;
    if (len > fit) {
        len = fit - 2;
        while (len && ((unsigned char)name[len] & 0xc0) == 0x80)
            len--;
    }
    char *cut = strndup(name, len);
    if (!cut)
        return;
    lc__html_esc(b, cut);
    if (len < strlen(name))
        lc__buf_puts(b, "..");
    free(cut);
}

/* What every box of one graph shares. */
struct draw {
    struct lc_buf *b;
    const struct tree *t;
    double height;
    size_t fi; /* the file's index, for the boxes' ids */
};

/* One box: its id and geometry as data-* attributes for the page's zoom
 * (html_page.c's script), a tooltip, the rectangle and its label. */
static void box(const struct draw *dw, size_t i, double x, double w) {
    struct lc_buf *b = dw->b;
    const struct tree *t = dw->t;
    const struct node *n = &t->n[i];
    double y = dw->height - (n->depth + 1) * ROW;
    char colour[16];
    fill(colour, sizeof colour, n);
    lc__buf_printf(b, "<g class=\"fl\" id=\"fl-%zu-%zu\" data-x=\"%.3f\" data-w=\"%.3f\" "
                      "data-d=\"%d\" data-name=\"", dw->fi, i, x, w, n->depth);
    lc__html_esc(b, n->name);
    lc__buf_puts(b, "\"><title>");
    if (n->frame && n->frame->function)
        lc__html_frame(b, n->frame);
    else
        lc__html_esc(b, n->name);
    lc__buf_printf(b, ": %llu B in %llu block%s (%.1f%%)</title>",
                   (unsigned long long)n->bytes, (unsigned long long)n->blocks,
                   n->blocks == 1 ? "" : "s", 100.0 * (double)n->bytes / (double)t->n[0].bytes);
    lc__buf_printf(b,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "stroke=\"#fff\" stroke-width=\"0.5\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">",
                   x, y, w, ROW - 1, colour, x + 3, y + ROW - 5);
    label(b, n->name, w);
    lc__buf_puts(b, "</text></g>");
}

static int by_bytes(const void *a, const void *b) {
    const struct node *x = *(const struct node *const *)a, *y = *(const struct node *const *)b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : strcmp(x->name, y->name);
}

/* Boxes of node i and, left to right by size, its children. */
static void emit(const struct draw *dw, size_t i, double x, double w) {
    const struct tree *t = dw->t;
    box(dw, i, x, w);
    size_t nc = 0;
    for (size_t c = t->n[i].child; c; c = t->n[c].next)
        nc++;
    if (!nc)
        return;
    const struct node **kids = calloc(nc, sizeof *kids);
    if (!kids)
        return;
    nc = 0;
    for (size_t c = t->n[i].child; c; c = t->n[c].next)
        kids[nc++] = &t->n[c];
    qsort(kids, nc, sizeof *kids, by_bytes);
    double cx = x;
    for (size_t k = 0; k < nc; k++) {
        double cw = w * (double)kids[k]->bytes / (double)t->n[i].bytes;
        if (cw >= 0.3) /* narrower boxes are invisible; their bytes stay in the parent */
            emit(dw, (size_t)(kids[k] - t->n), cx, cw);
        cx += cw;
    }
    free(kids);
}

void lc__html_flame(struct lc_buf *b, const struct lc_html_file *f, size_t fi) {
    struct tree t = {0};
    build(&t, f);
    if (t.n[0].bytes) {
        double height = (t.depth + 1) * ROW + 2;
        lc__buf_printf(b,
                       "<svg class=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" "
                       "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                       "aria-label=\"flame graph of the live heap\">",
                       FW, height, FW, height);
        struct draw dw = {b, &t, height, fi};
        emit(&dw, 0, 0, FW);
        lc__buf_puts(b, "</svg>");
    }
    for (size_t i = 0; i < t.nnames; i++)
        free(t.names[i]);
    free(t.names);
    free(t.n);
}
