/* run_record.c: parses the records that `leakcheck run`'s traced processes
 * hand over at exit (src/handoff.h for the format). A record cut short (the
 * process died while writing) is kept with complete = 0 and the last item that
 * arrived; a line that is not understood ends its record the same way, so a
 * damaged record is reported as partial, never read as clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/handoff.h"
#include "../src/internal.h"
#include "run.h"

#define GROW(arr, n, cap)                                                                \
    do {                                                                                 \
        if ((n) == (cap)) {                                                              \
            size_t nc_ = (cap) ? (cap) * 2 : 16;                                         \
            void *np_ = realloc((arr), nc_ * sizeof *(arr));                             \
            if (!np_)                                                                    \
                return -1;                                                               \
            (arr) = np_;                                                                 \
            (cap) = nc_;                                                                 \
        }                                                                                \
    } while (0)

struct caps {
    size_t mods, stacks, sites, fds, threads, notes, maps, dropped, series;
};

/* Splits a line into at most max space-separated words. */
static int split(char *line, char **w, int max) {
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < max;
         t = strtok_r(NULL, " ", &save))
        w[n++] = t;
    return n;
}

static int num(const char *s, int base, uint64_t *out) {
    char *end;
    if (!s || !*s)
        return -1;
    *out = strtoull(s, &end, base);
    return *end ? -1 : 0;
}

static int parse_stack(struct rr_proc *p, struct caps *c, char **w, int n) {
    uint64_t id, epoch;
    if (n < 4 || num(w[1], 10, &id) || num(w[2], 10, &epoch))
        return -1;
    GROW(p->stacks, p->nstacks, c->stacks);
    struct rr_stack *s = &p->stacks[p->nstacks];
    s->pcs = malloc((size_t)(n - 3) * sizeof *s->pcs);
    if (!s->pcs)
        return -1;
    for (int i = 3; i < n; i++) {
        uint64_t pc;
        if (num(w[i], 16, &pc)) {
            free(s->pcs);
            return -1;
        }
        s->pcs[i - 3] = (uintptr_t)pc;
    }
    s->id = (uint32_t)id;
    s->epoch = (uint32_t)epoch;
    s->n = n - 3;
    p->nstacks++;
    return 0;
}

/* Hex digits to bytes, in place; returns the byte count or -1. */
static long unhex(char *s) {
    size_t n = strlen(s);
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        char pair[3] = {s[i], s[i + 1], 0}, *end;
        unsigned long b = strtoul(pair, &end, 16);
        if (*end)
            return -1;
        s[i / 2] = (char)b;
    }
    return (long)(n / 2);
}

static int parse_module(struct rr_proc *p, struct caps *c, char **w, int n) {
    uint64_t v[4];
    if (n != 7 || num(w[1], 16, &v[0]) || num(w[2], 16, &v[1]) || num(w[3], 16, &v[2]) ||
        num(w[4], 10, &v[3]))
        return -1;
    long idlen = strcmp(w[5], "-") ? unhex(w[5]) : 0;
    if (idlen < 0)
        return -1;
    GROW(p->mods, p->nmods, c->mods);
    p->mods[p->nmods++] = (struct lc_module){
        .path = lc__handoff_unescape(w[6]), .bias = v[0], .lo = v[1], .hi = v[2],
        .close_epoch = (uint32_t)v[3], .build_id = idlen ? (unsigned char *)w[5] : NULL,
        .build_id_len = (size_t)idlen};
    return 0;
}

static int parse_site(struct rr_proc *p, struct caps *c, char **w, int n) {
    uint64_t v[5];
    for (int i = 0; i < 5; i++)
        if (n != 6 || num(w[i + 1], 10, &v[i]))
            return -1;
    if (v[1] > 3 || v[2] > 1)
        return -1;
    GROW(p->sites, p->nsites, c->sites);
    p->sites[p->nsites++] = (struct rr_site){(uint32_t)v[0], (int)v[1], (int)v[2], v[3], v[4]};
    return 0;
}

static int parse_fd(struct rr_proc *p, struct caps *c, char **w, int n) {
    uint64_t fd, stack;
    if (n != 4 || num(w[1], 10, &fd) || num(w[2], 10, &stack))
        return -1;
    GROW(p->fds, p->nfds, c->fds);
    p->fds[p->nfds++] = (struct rr_fd){(int)fd, (uint32_t)stack, lc__handoff_unescape(w[3])};
    return 0;
}

static int parse_mapping(struct rr_proc *p, struct caps *c, char **w, int n) {
    uint64_t v[6];
    if (n != 8 || num(w[1], 16, &v[0]) || num(w[2], 16, &v[1]))
        return -1;
    for (int i = 2; i < 6; i++)
        if (num(w[i + 1], 10, &v[i]))
            return -1;
    GROW(p->maps, p->nmaps, c->maps);
    p->maps[p->nmaps++] = (struct rr_map){v[0], v[1], (int)v[2], (int)v[3], (int)v[4],
                                          (uint32_t)v[5], lc__handoff_unescape(w[7])};
    return 0;
}

static int parse_numbers(char **w, int n, uint64_t *out, int count, int base) {
    if (n != count + 1)
        return -1;
    for (int i = 0; i < count; i++)
        if (num(w[i + 1], base, &out[i]))
            return -1;
    return 0;
}

/* "series T_MS ALLOCS FREES LIVE_BLOCKS LIVE_BYTES PEAK THREADS FDS" */
static int parse_series(struct rr_proc *p, struct caps *c, char **w, int n) {
    uint64_t v[8];
    if (parse_numbers(w, n, v, 8, 10))
        return -1;
    GROW(p->series, p->nseries, c->series);
    p->series[p->nseries++] = (struct lc_run_point){v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                                                    v[7]};
    return 0;
}

/* One line of a record; 1 when it was "end", 0 when taken, -1 when not understood. */
static int parse_line(struct rr_proc *p, struct caps *c, char *line) {
    char *w[LC_MAX_DEPTH + 8];
    int n = split(line, w, (int)(sizeof w / sizeof w[0]));
    if (n == 0)
        return -1;
    const char *k = w[0];
    uint64_t v[7];
    if (!strcmp(k, "end"))
        return n == 1 ? 1 : -1;
    if (!strcmp(k, "prog") && n == 2)
        p->prog = lc__handoff_unescape(w[1]);
    else if (!strcmp(k, "exe") && n == 2)
        p->exe = lc__handoff_unescape(w[1]);
    else if (!strcmp(k, "counters"))
        return parse_numbers(w, n, p->counters, 7, 10);
    else if (!strcmp(k, "wrap") && parse_numbers(w, n, v, 2, 16) == 0) {
        p->wrap_lo = v[0];
        p->wrap_hi = v[1];
    } else if (!strcmp(k, "self") && parse_numbers(w, n, v, 2, 16) == 0) {
        p->self_lo = v[0];
        p->self_hi = v[1];
    } else if (!strcmp(k, "sampling") && parse_numbers(w, n, v, 1, 10) == 0) {
        p->sample_rate = v[0];
    } else if (!strcmp(k, "scan"))
        return parse_numbers(w, n, p->scan, 5, 10);
    else if (!strcmp(k, "snapshot") && parse_numbers(w, n, v, 2, 10) == 0) {
        p->snapshot = 1;
        p->snap_seq = v[0];
        p->snap_t_ms = v[1];
    } else if (!strcmp(k, "unscanned") && n == 2)
        p->unscanned = lc__handoff_unescape(w[1]);
    else if (!strcmp(k, "series"))
        return parse_series(p, c, w, n);
    else if (!strcmp(k, "module"))
        return parse_module(p, c, w, n);
    else if (!strcmp(k, "stack"))
        return parse_stack(p, c, w, n);
    else if (!strcmp(k, "site"))
        return parse_site(p, c, w, n);
    else if (!strcmp(k, "fd"))
        return parse_fd(p, c, w, n);
    else if (!strcmp(k, "mapping"))
        return parse_mapping(p, c, w, n);
    else if (!strcmp(k, "dropped") && n == 3 && num(w[1], 10, &v[0]) == 0) {
        GROW(p->dropped, p->ndropped, c->dropped);
        p->dropped[p->ndropped++] = (struct rr_thread){.tid = (int)v[0], .name = lc__handoff_unescape(w[2])};
    }
    else if (!strcmp(k, "thread") && n == 3 && num(w[1], 10, &v[0]) == 0) {
        GROW(p->threads, p->nthreads, c->threads);
        p->threads[p->nthreads++] = (struct rr_thread){.tid = (int)v[0], .name = lc__handoff_unescape(w[2])};
    } else if (!strcmp(k, "note") && n == 2) {
        GROW(p->notes, p->nnotes, c->notes);
        p->notes[p->nnotes++] = lc__handoff_unescape(w[1]);
    } else
        return -1;
    return 0;
}

static int stack_cmp(const void *a, const void *b) {
    const struct rr_stack *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

const struct rr_stack *lc_run_stack(const struct rr_proc *p, uint32_t id) {
    struct rr_stack key = {.id = id};
    return id && p->nstacks ? bsearch(&key, p->stacks, p->nstacks, sizeof key, stack_cmp) : NULL;
}

/* "leakcheck-run VERSION PID PPID" */
static int parse_header(char *line, struct rr_proc *p) {
    char *w[5];
    uint64_t v[3];
    if (split(line, w, 5) != 4 || strcmp(w[0], LC_HANDOFF_MAGIC) || num(w[1], 10, &v[0]) ||
        num(w[2], 10, &v[1]) || num(w[3], 10, &v[2]) || v[0] != LC_HANDOFF_VERSION)
        return -1;
    p->pid = (int)v[1];
    p->ppid = (int)v[2];
    return 0;
}

long lc_run_records_parse(char *text, size_t len, struct rr_proc **procs, char *err,
                          size_t errlen) {
    size_t n = 0, cap = 0;
    struct rr_proc *v = NULL;
    struct caps c = {0};
    char *end = text + len;
    struct rr_proc *cur = NULL;
    for (char *line = text; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl) { /* the last line was cut short */
            if (cur)
                cur->last = cur->last ? cur->last : "(nothing)";
            break;
        }
        *nl = 0;
        char *next = nl + 1;
        if (!strncmp(line, LC_HANDOFF_MAGIC " ", sizeof LC_HANDOFF_MAGIC)) {
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 4;
                struct rr_proc *nv = realloc(v, nc * sizeof *nv);
                if (!nv)
                    break;
                v = nv;
                cap = nc;
            }
            cur = &v[n++];
            memset(cur, 0, sizeof *cur);
            memset(&c, 0, sizeof c);
            if (parse_header(line, cur)) {
                snprintf(err, errlen, "leakcheck: run: the record's version is not %d "
                         "(a libleakcheck.so from another leakcheck?)", LC_HANDOFF_VERSION);
                lc_run_records_free(v, n);
                return -1;
            }
            cur->last = "header";
        } else if (cur && !cur->complete) {
            char kind[16];
            snprintf(kind, sizeof kind, "%.*s", (int)strcspn(line, " "), line);
            int r = parse_line(cur, &c, line);
            if (r < 0) {
                cur = NULL; /* damaged: the rest of this record is not trusted */
            } else if (r == 1) {
                cur->complete = 1;
                if (cur->nstacks) /* qsort(NULL, 0) is undefined */
                    qsort(cur->stacks, cur->nstacks, sizeof *cur->stacks, stack_cmp);
            } else if (strcmp(kind, "stack") != 0) {
                cur->last = strcmp(kind, "site") == 0 ? "the live blocks"
                          : strcmp(kind, "fd") == 0   ? "the fds"
                          : strcmp(kind, "module") == 0 ? "the module map"
                                                        : cur->last;
            }
        }
        line = next;
    }
    *procs = v;
    return (long)n;
}

void lc_run_records_free(struct rr_proc *procs, size_t n) {
    for (size_t i = 0; procs && i < n; i++) {
        struct rr_proc *p = &procs[i];
        for (size_t k = 0; k < p->nstacks; k++)
            free(p->stacks[k].pcs);
        free(p->stacks);
        free(p->mods);
        free(p->sites);
        free(p->fds);
        free(p->threads);
        free(p->maps);
        free(p->dropped);
        free(p->notes);
        free(p->series);
    }
    free(procs);
}
