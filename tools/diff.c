/* diff.c (tool): `leakcheck diff OLD.pb.gz NEW.pb.gz`: two pprof profiles
 * read through src/pprof_gzip.c and pprof.c, the in-use values summed per
 * allocation site (its whole stack, as `go tool pprof -base` compares) and
 * the sites that changed printed, growth first. Not a profile: one line, exit
 * 2. The tool never links libleakcheck (no hook path). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"
#include "../src/pprof.h"
#include "../src/xml.h"
#include "profile.pb-c.h"
#include "tool.h"

#define LC_DIFF_MAX_FILE (512u << 20) /* bytes, compressed or not */
#define LC_DIFF_SHOWN 4                /* frames printed per site */

struct site {
    char *key; /* the stack, one frame per line */
    int64_t objects[2], bytes[2]; /* OLD, NEW */
};

struct sites {
    struct site *v;
    size_t n, cap;
};

static int bad(const char *path, const char *why) {
    fprintf(stderr, "leakcheck: diff: %s: %s\n", path, why);
    return -1;
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "leakcheck: diff: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            unsigned char *g = cap < LC_DIFF_MAX_FILE ? realloc(buf, cap * 2) : NULL;
            if (!g) {
                free(buf);
                buf = NULL;
                bad(path, "too large for a heap profile");
                break;
            }
            buf = g;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Every index a profile holds points inside it. */
static int well_formed(const Lcpb__Profile *p) {
    if (!p->n_sample_type || !p->n_strings || p->strings[0][0])
        return 0;
    for (size_t i = 0; i < p->n_sample_type; i++)
        if (p->sample_type[i]->type < 0 || (size_t)p->sample_type[i]->type >= p->n_strings)
            return 0;
    for (size_t i = 0; i < p->n_function; i++)
        if ((size_t)p->function[i]->name >= p->n_strings ||
            (size_t)p->function[i]->filename >= p->n_strings)
            return 0;
    for (size_t i = 0; i < p->n_sample; i++)
        if (p->sample[i]->n_value != p->n_sample_type)
            return 0;
    return 1;
}

static Lcpb__Profile *load(const char *path) {
    size_t n = 0, raw_n = 0;
    unsigned char *data = read_all(path, &n);
    if (!data)
        return NULL;
    unsigned char *raw = lc__gunzip(data, n, LC_DIFF_MAX_FILE, &raw_n);
    int gz = n >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    Lcpb__Profile *p = NULL;
    if (gz && !raw)
        bad(path, "not a pprof profile (damaged gzip data)");
    else if (!(p = lc__pprof_decode(raw ? raw : data, raw ? raw_n : n)) || !well_formed(p)) {
        bad(path, "not a pprof profile (no profile.proto message)");
        lc__pprof_decoded_free(p);
        p = NULL;
    }
    lc__xfree(raw);
    free(data);
    return p;
}

/* The index of the sample type named name, else -1. */
static int value_index(const Lcpb__Profile *p, const char *name) {
    for (size_t i = 0; i < p->n_sample_type; i++)
        if (strcmp(p->strings[p->sample_type[i]->type], name) == 0)
            return (int)i;
    return -1;
}

static const Lcpb__Location *location(const Lcpb__Profile *p, uint64_t id) {
    if (id && id <= p->n_location && p->location[id - 1]->id == id)
        return p->location[id - 1]; /* ids are usually dense */
    for (size_t i = 0; i < p->n_location; i++)
        if (p->location[i]->id == id)
            return p->location[i];
    return NULL;
}

static const Lcpb__Function *function(const Lcpb__Profile *p, uint64_t id) {
    if (id && id <= p->n_function && p->function[id - 1]->id == id)
        return p->function[id - 1];
    for (size_t i = 0; i < p->n_function; i++)
        if (p->function[i]->id == id)
            return p->function[i];
    return NULL;
}

/* "func (file:line)\n" per line of every location, innermost first. */
static void stack_key(const Lcpb__Profile *p, const Lcpb__Sample *s, struct lc_buf *b) {
    for (size_t i = 0; i < s->n_location_id; i++) {
        const Lcpb__Location *l = location(p, s->location_id[i]);
        for (size_t k = 0; l && k < l->n_line; k++) {
            const Lcpb__Function *f = function(p, l->line[k]->function_id);
            const char *name = f ? p->strings[f->name] : "?";
            const char *file = f ? p->strings[f->filename] : "";
            if (*file)
                lc__buf_printf(b, "%s (%s:%lld)\n", name, file, (long long)l->line[k]->line);
            else
                lc__buf_printf(b, "%s\n", name);
        }
        if (l && !l->n_line)
            lc__buf_printf(b, "0x%llx\n", (unsigned long long)l->address);
    }
}

/* One entry per sample; entries of the same site are merged once sorted. */
static struct site *push(struct sites *ss, const char *key) {
    if (ss->n == ss->cap) {
        size_t nc = ss->cap ? ss->cap * 2 : 64;
        struct site *g = realloc(ss->v, nc * sizeof *g);
        if (!g)
            return NULL;
        ss->v = g;
        ss->cap = nc;
    }
    char *copy = strdup(key);
    if (!copy)
        return NULL;
    ss->v[ss->n] = (struct site){.key = copy};
    return &ss->v[ss->n++];
}

static int by_key(const void *a, const void *b) {
    return strcmp(((const struct site *)a)->key, ((const struct site *)b)->key);
}

/* Sorts by stack and sums the entries of each site into its first one. */
static void merge_sites(struct sites *ss) {
    if (!ss->n)
        return;
    qsort(ss->v, ss->n, sizeof *ss->v, by_key);
    size_t out = 0;
    for (size_t i = 1; i < ss->n; i++) {
        struct site *m = &ss->v[out], *e = &ss->v[i];
        if (strcmp(m->key, e->key) == 0) {
            for (int k = 0; k < 2; k++) {
                m->bytes[k] += e->bytes[k];
                m->objects[k] += e->objects[k];
            }
            free(e->key);
        } else {
            ss->v[++out] = *e;
        }
    }
    ss->n = out + 1;
}

static int add_profile(struct sites *ss, const Lcpb__Profile *p, int which, const char *path) {
    int bi = value_index(p, "inuse_space"), oi = value_index(p, "inuse_objects");
    if (bi < 0)
        return bad(path, "not a heap profile (no inuse_space values)");
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    for (size_t i = 0; i < p->n_sample; i++) {
        b.len = 0;
        stack_key(p, p->sample[i], &b);
        lc__buf_putc(&b, 0);
        struct site *s = b.failed ? NULL : push(ss, b.data);
        if (!s) {
            lc__buf_free(&b);
            return bad(path, "out of memory");
        }
        s->bytes[which] += p->sample[i]->value[bi];
        s->objects[which] += oi >= 0 ? p->sample[i]->value[oi] : 0;
    }
    lc__buf_free(&b);
    return 0;
}

static int64_t delta(const struct site *s) { return s->bytes[1] - s->bytes[0]; }

/* Growth first, the largest first; then shrinkage, the largest first. */
static int by_growth(const void *a, const void *b) {
    int64_t x = delta(a), y = delta(b);
    if ((x > 0) != (y > 0))
        return x > 0 ? -1 : 1;
    int64_t ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
    if (ax != ay)
        return ax > ay ? -1 : 1;
    return by_key(a, b); /* the same order on every run */
}

/* One frame of a key, "func (dir/file.c:12)", as "func (file.c:12)" (the
 * console's short form); the file part is the last " (" of the line. */
static void print_frame(const char *line, int len) {
    const char *open = NULL;
    for (const char *c = line; c + 1 < line + len; c++)
        if (c[0] == ' ' && c[1] == '(')
            open = c;
    const char *slash = NULL;
    for (const char *c = open ? open : line + len; c < line + len; c++)
        if (*c == '/')
            slash = c;
    if (!open || !slash) {
        printf("%.*s", len, line);
        return;
    }
    printf("%.*s (%.*s", (int)(open - line), line, (int)(line + len - slash - 1), slash + 1);
}

static void print_site(const struct site *s) {
    long long db = (long long)delta(s), dobj = (long long)(s->objects[1] - s->objects[0]);
    printf("  %+lld B  %+lld object%s  ", db, dobj, dobj == 1 || dobj == -1 ? "" : "s");
    const char *line = s->key;
    for (int k = 0; *line && k < LC_DIFF_SHOWN; k++) {
        const char *nl = strchr(line, '\n');
        int len = nl ? (int)(nl - line) : (int)strlen(line);
        printf("%s", k ? " <- " : "");
        print_frame(line, len);
        line = nl ? nl + 1 : line + len;
    }
    printf("%s\n", *line ? " <- ..." : "");
}

static int print_diff(struct sites *ss, const char *old, const char *new) {
    int64_t tb = 0, to = 0;
    size_t grew = 0;
    for (size_t i = 0; i < ss->n; i++) {
        tb += delta(&ss->v[i]);
        to += ss->v[i].objects[1] - ss->v[i].objects[0];
        grew += delta(&ss->v[i]) > 0;
    }
    if (ss->n)
        qsort(ss->v, ss->n, sizeof *ss->v, by_growth);
    printf("leakcheck diff: in use, %s -> %s: %+lld B, %+lld objects; %zu site%s grew\n", old,
           new, (long long)tb, (long long)to, grew, grew == 1 ? "" : "s");
    for (size_t i = 0; i < ss->n; i++)
        if (delta(&ss->v[i]) || ss->v[i].objects[1] != ss->v[i].objects[0])
            print_site(&ss->v[i]);
    return grew ? 1 : 0;
}

int lc_cmd_diff(int argc, char **argv) {
    if (argc == 1 && strcmp(argv[0], "--help") == 0) {
        printf("usage: leakcheck diff OLD.pb.gz NEW.pb.gz\n");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: leakcheck diff OLD.pb.gz NEW.pb.gz\n");
        return 2;
    }
    Lcpb__Profile *p[2] = {load(argv[0]), NULL};
    if (p[0])
        p[1] = load(argv[1]);
    struct sites ss = {0};
    int rc = 2;
    if (p[0] && p[1] && add_profile(&ss, p[0], 0, argv[0]) == 0 &&
        add_profile(&ss, p[1], 1, argv[1]) == 0) {
        merge_sites(&ss);
        rc = print_diff(&ss, argv[0], argv[1]);
    }
    for (size_t i = 0; i < ss.n; i++)
        free(ss.v[i].key);
    free(ss.v);
    lc__pprof_decoded_free(p[0]);
    lc__pprof_decoded_free(p[1]);
    return rc;
}
