/* pprof.c: the profile builder (pprof.h): strings, functions, locations and
 * mappings deduplicated by one small hash map, samples in arrays, encoded and
 * decoded through the protobuf-c code generated from src/proto/profile.proto.
 * Allocates with lc__xmalloc only (glibc's, untracked). Report time, never on
 * the hook path. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "leakcheck/version.h"
#include "pprof.h"
#include "profile.pb-c.h"

/* ---- a string -> id map (open addressing, keys owned) ---- */
struct idmap {
    char **keys;
    size_t *lens;
    uint64_t *vals;
    size_t cap, n;
};

static uint64_t hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static size_t slot(const struct idmap *m, const char *k, size_t n) {
    size_t i = (size_t)hash(k, n) & (m->cap - 1);
    while (m->keys[i] && (m->lens[i] != n || memcmp(m->keys[i], k, n) != 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int idmap_grow(struct idmap *m) {
    struct idmap g = {.cap = m->cap ? m->cap * 2 : 64};
    g.keys = lc__xcalloc(g.cap, sizeof *g.keys);
    g.lens = lc__xcalloc(g.cap, sizeof *g.lens);
    g.vals = lc__xcalloc(g.cap, sizeof *g.vals);
    if (!g.keys || !g.lens || !g.vals) {
        lc__xfree(g.keys);
        lc__xfree(g.lens);
        lc__xfree(g.vals);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t k = slot(&g, m->keys[i], m->lens[i]);
            g.keys[k] = m->keys[i];
            g.lens[k] = m->lens[i];
            g.vals[k] = m->vals[i];
        }
    g.n = m->n;
    lc__xfree(m->keys);
    lc__xfree(m->lens);
    lc__xfree(m->vals);
    *m = g;
    return 0;
}

/* The id stored under key, or 0 when absent. */
static uint64_t idmap_get(const struct idmap *m, const char *k, size_t n) {
    if (!m->cap)
        return 0;
    size_t i = slot(m, k, n);
    return m->keys[i] ? m->vals[i] : 0;
}

static int idmap_put(struct idmap *m, const char *k, size_t n, uint64_t v) {
    if ((m->n + 1) * 2 > m->cap && idmap_grow(m))
        return -1;
    size_t i = slot(m, k, n);
    if (!m->keys[i]) {
        char *copy = lc__xmalloc(n);
        if (!copy)
            return -1;
        memcpy(copy, k, n);
        m->keys[i] = copy;
        m->lens[i] = n;
        m->n++;
    }
    m->vals[i] = v;
    return 0;
}

static void idmap_free(struct idmap *m) {
    for (size_t i = 0; i < m->cap; i++)
        lc__xfree(m->keys[i]);
    lc__xfree(m->keys);
    lc__xfree(m->lens);
    lc__xfree(m->vals);
}

/* ---- the builder ---- */
struct pp_loc {
    uint64_t mapping, address;
    size_t nlines;
    Lcpb__Line *lines;
};
struct pp_sample {
    size_t nlocs;
    uint64_t *locs;
    int64_t values[LC_PP_NVALUES];
    int64_t test, kind; /* string indexes; 0: no label */
};

#define VEC(type, name) \
    type *name;         \
    size_t n_##name, cap_##name

struct lc_pprof {
    uint64_t rate;
    struct idmap strs, funcs, locs, maps;
    VEC(char *, strings);
    VEC(Lcpb__Function, functions);
    VEC(struct pp_loc, locations);
    VEC(Lcpb__Mapping, mappings);
    VEC(struct pp_sample, samples);
    VEC(int64_t, comments);
};

static int grow(void **arr, size_t *cap, size_t n, size_t size) {
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *na = lc__xrealloc(*arr, nc * size);
    if (!na)
        return -1;
    *arr = na;
    *cap = nc;
    return 0;
}
#define PUSH(p, name) \
    (grow((void **)&(p)->name, &(p)->cap_##name, (p)->n_##name, sizeof *(p)->name) ? NULL \
                                                                : &(p)->name[(p)->n_##name++])

/* The string table index of s (NULL: 0, the empty string); -1 when out of memory. */
static int64_t str(struct lc_pprof *p, const char *s) {
    if (!s || !*s)
        return 0;
    size_t n = strlen(s);
    uint64_t id = idmap_get(&p->strs, s, n);
    if (id)
        return (int64_t)id;
    char *copy = lc__xstrdup(s), **slotp = copy ? PUSH(p, strings) : NULL;
    if (!slotp) {
        lc__xfree(copy);
        return -1;
    }
    *slotp = copy;
    id = p->n_strings - 1;
    return idmap_put(&p->strs, s, n, id) ? -1 : (int64_t)id;
}

struct lc_pprof *lc__pprof_new(uint64_t sample_rate) {
    struct lc_pprof *p = lc__xcalloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->rate = sample_rate;
    char **empty = PUSH(p, strings);
    if (!empty || !(*empty = lc__xstrdup("")) ||
        lc__pprof_comment(p, "leakcheck " LEAKCHECK_VERSION_STRING " heap profile")) {
        lc__pprof_free(p);
        return NULL;
    }
    return p;
}

void lc__pprof_free(struct lc_pprof *p) {
    if (!p)
        return;
    idmap_free(&p->strs);
    idmap_free(&p->funcs);
    idmap_free(&p->locs);
    idmap_free(&p->maps);
    for (size_t i = 0; i < p->n_strings; i++)
        lc__xfree(p->strings[i]);
    for (size_t i = 0; i < p->n_locations; i++)
        lc__xfree(p->locations[i].lines);
    for (size_t i = 0; i < p->n_samples; i++)
        lc__xfree(p->samples[i].locs);
    lc__xfree(p->strings);
    lc__xfree(p->functions);
    lc__xfree(p->locations);
    lc__xfree(p->mappings);
    lc__xfree(p->samples);
    lc__xfree(p->comments);
    lc__xfree(p);
}

static int64_t hex_build_id(struct lc_pprof *p, const unsigned char *id, size_t n) {
    if (!id || !n || n > 64)
        return 0;
    char hex[129];
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    return str(p, hex);
}

int lc__pprof_mapping(struct lc_pprof *p, const char *path, const unsigned char *build_id,
                      size_t build_id_len, uint64_t lo, uint64_t hi, uint64_t offset) {
    const char *key = path ? path : "";
    if (idmap_get(&p->maps, key, strlen(key)))
        return 0; /* the first declaration wins */
    int64_t file = str(p, path), bid = hex_build_id(p, build_id, build_id_len);
    Lcpb__Mapping *m = file < 0 || bid < 0 ? NULL : PUSH(p, mappings);
    if (!m)
        return -1;
    lcpb__mapping__init(m);
    m->id = p->n_mappings;
    m->memory_start = lo;
    m->memory_limit = hi;
    m->file_offset = offset;
    m->filename = file;
    m->build_id = bid;
    m->has_functions = m->has_filenames = m->has_line_numbers = m->has_inline_frames = 1;
    return idmap_put(&p->maps, key, strlen(key), m->id);
}

static uint64_t mapping_of(struct lc_pprof *p, const char *module) {
    const char *key = module;
    uint64_t id = idmap_get(&p->maps, key, strlen(key));
    if (!id && lc__pprof_mapping(p, module, NULL, 0, 0, 0, 0) == 0)
        id = idmap_get(&p->maps, key, strlen(key));
    return id;
}

/* The function id of (name, file); 0 when out of memory. An unknown name is
 * shown as the address, so pprof still has a node to print. */
static uint64_t function_of(struct lc_pprof *p, const lc_frame *f) {
    char addr[32];
    const char *name = f->function;
    if (!name) {
        snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)f->address);
        name = addr;
    }
    /* the key: the two string indexes, which are unique per string */
    int64_t key[2] = {str(p, name), str(p, f->file)};
    if (key[0] < 0 || key[1] < 0)
        return 0;
    uint64_t id = idmap_get(&p->funcs, (const char *)key, sizeof key);
    if (id)
        return id;
    Lcpb__Function *fn = PUSH(p, functions);
    if (!fn)
        return 0;
    lcpb__function__init(fn);
    fn->id = p->n_functions;
    fn->name = fn->system_name = key[0];
    fn->filename = key[1];
    return idmap_put(&p->funcs, (const char *)key, sizeof key, fn->id) ? 0 : fn->id;
}

/* The location of frames[0..n) (inlined calls, then the frame they sit in);
 * 0 when out of memory. Keyed by mapping, address and every line. */
static uint64_t location_of(struct lc_pprof *p, const lc_frame *frames, int n) {
    /* a frame in no module (a pseudo-function, an unknown address): no mapping */
    const char *module = frames[n - 1].module;
    uint64_t mapping = module ? mapping_of(p, module) : 0;
    if (module && !mapping)
        return 0;
    uint64_t key[2 + 2 * 64];
    size_t k = 0;
    key[k++] = mapping;
    key[k++] = frames[n - 1].address;
    Lcpb__Line lines[64];
    for (int i = 0; i < n && i < 64; i++) {
        lcpb__line__init(&lines[i]);
        lines[i].function_id = function_of(p, &frames[i]);
        lines[i].line = frames[i].line;
        if (!lines[i].function_id)
            return 0;
        key[k++] = lines[i].function_id;
        key[k++] = frames[i].line;
    }
    uint64_t id = idmap_get(&p->locs, (const char *)key, k * sizeof *key);
    if (id)
        return id;
    struct pp_loc *l = PUSH(p, locations);
    if (!l)
        return 0;
    size_t nl = n < 64 ? (size_t)n : 64;
    *l = (struct pp_loc){mapping, frames[n - 1].address, nl, lc__xmalloc(nl * sizeof *lines)};
    if (!l->lines) {
        p->n_locations--;
        return 0;
    }
    memcpy(l->lines, lines, nl * sizeof *lines);
    id = p->n_locations;
    return idmap_put(&p->locs, (const char *)key, k * sizeof *key, id) ? 0 : id;
}

/* Go's heap-profile estimate for values sampled once per rate bytes. */
void lc__pprof_scale(const struct lc_pprof *p, int64_t *v) {
    for (int i = 0; p->rate && i < LC_PP_NVALUES; i += 2) {
        if (v[i] <= 0 || v[i + 1] <= 0)
            continue;
        double avg = (double)v[i + 1] / (double)v[i];
        double s = 1.0 / (1.0 - exp(-avg / (double)p->rate));
        v[i] = (int64_t)((double)v[i] * s + 0.5);
        v[i + 1] = (int64_t)((double)v[i + 1] * s + 0.5);
    }
}

static int add_sample(struct lc_pprof *p, const lc_frame *frames, int n, const int64_t *values,
                      const char *test, const char *kind, int scaled) {
    struct pp_sample s = {.locs = lc__xmalloc((n ? (size_t)n : 1) * sizeof *s.locs)};
    if (!s.locs)
        return -1;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && frames[j].inlined)
            j++;
        uint64_t loc = location_of(p, frames + i, j - i + 1);
        if (!loc) {
            lc__xfree(s.locs);
            return -1;
        }
        s.locs[s.nlocs++] = loc;
        i = j + 1;
    }
    memcpy(s.values, values, sizeof s.values);
    if (scaled)
        lc__pprof_scale(p, s.values);
    s.test = str(p, test);
    s.kind = str(p, kind);
    struct pp_sample *slotp = s.test < 0 || s.kind < 0 ? NULL : PUSH(p, samples);
    if (!slotp) {
        lc__xfree(s.locs);
        return -1;
    }
    *slotp = s;
    return 0;
}

int lc__pprof_sample(struct lc_pprof *p, const lc_frame *frames, int n, const int64_t *values,
                     const char *test, const char *kind) {
    return add_sample(p, frames, n, values, test, kind, 1);
}

int lc__pprof_sample_exact(struct lc_pprof *p, const lc_frame *frames, int n,
                           const int64_t *values, const char *test, const char *kind) {
    return add_sample(p, frames, n, values, test, kind, 0);
}

int lc__pprof_comment(struct lc_pprof *p, const char *text) {
    int64_t id = str(p, text), *c = id < 0 ? NULL : PUSH(p, comments);
    if (!c)
        return -1;
    *c = id;
    return 0;
}

/* ---- decoding (leakcheck diff) ---- */
static void *pb_alloc(void *data, size_t n) {
    (void)data;
    return lc__xmalloc(n);
}

static void pb_free(void *data, void *p) {
    (void)data;
    lc__xfree(p);
}

/* protobuf-c allocates what it unpacks through glibc's allocator, untracked. */
static ProtobufCAllocator pb_allocator = {pb_alloc, pb_free, NULL};

struct Lcpb__Profile *lc__pprof_decode(const unsigned char *data, size_t len) {
    return lcpb__profile__unpack(&pb_allocator, len, data);
}

void lc__pprof_decoded_free(struct Lcpb__Profile *p) {
    if (p)
        lcpb__profile__free_unpacked(p, &pb_allocator);
}

/* ---- encoding ---- */
/* Every message the Profile points to besides the builder's own arrays,
 * allocated before packing and freed after. */
struct wire {
    Lcpb__ValueType types[LC_PP_NVALUES + 1], *type_ptrs[LC_PP_NVALUES];
    Lcpb__Sample *samples, **sample_ptrs;
    Lcpb__Label *labels, **label_ptrs; /* two per sample: test, kind */
    Lcpb__Location *locs, **loc_ptrs;
    Lcpb__Line **line_ptrs;
    Lcpb__Function **func_ptrs;
    Lcpb__Mapping **map_ptrs;
};

static void wire_free(struct wire *w) {
    lc__xfree(w->samples);
    lc__xfree(w->sample_ptrs);
    lc__xfree(w->labels);
    lc__xfree(w->label_ptrs);
    lc__xfree(w->locs);
    lc__xfree(w->loc_ptrs);
    lc__xfree(w->line_ptrs);
    lc__xfree(w->func_ptrs);
    lc__xfree(w->map_ptrs);
}

static size_t total_lines(const struct lc_pprof *p) {
    size_t n = 0;
    for (size_t i = 0; i < p->n_locations; i++)
        n += p->locations[i].nlines;
    return n;
}

static int wire_alloc(struct wire *w, const struct lc_pprof *p) {
    size_t ns = p->n_samples ? p->n_samples : 1, nl = p->n_locations ? p->n_locations : 1;
    w->samples = lc__xcalloc(ns, sizeof *w->samples);
    w->sample_ptrs = lc__xcalloc(ns, sizeof *w->sample_ptrs);
    w->labels = lc__xcalloc(ns * 2, sizeof *w->labels);
    w->label_ptrs = lc__xcalloc(ns * 2, sizeof *w->label_ptrs);
    w->locs = lc__xcalloc(nl, sizeof *w->locs);
    w->loc_ptrs = lc__xcalloc(nl, sizeof *w->loc_ptrs);
    w->line_ptrs = lc__xcalloc(total_lines(p) + 1, sizeof *w->line_ptrs);
    w->func_ptrs = lc__xcalloc(p->n_functions + 1, sizeof *w->func_ptrs);
    w->map_ptrs = lc__xcalloc(p->n_mappings + 1, sizeof *w->map_ptrs);
    return w->samples && w->sample_ptrs && w->labels && w->label_ptrs && w->locs &&
                   w->loc_ptrs && w->line_ptrs && w->func_ptrs && w->map_ptrs
               ? 0
               : -1;
}

/* Appends label (key, value) to sample i's labels when value is set. */
static void wire_label(struct wire *w, size_t i, int64_t key, int64_t value) {
    Lcpb__Sample *o = &w->samples[i];
    if (!value)
        return;
    Lcpb__Label *l = &w->labels[2 * i + o->n_label];
    lcpb__label__init(l);
    l->key = key;
    l->str = value;
    o->label = &w->label_ptrs[2 * i];
    o->label[o->n_label++] = l;
}

static void wire_samples(struct wire *w, struct lc_pprof *p, int64_t test_key, int64_t kind_key) {
    for (size_t i = 0; i < p->n_samples; i++) {
        struct pp_sample *s = &p->samples[i];
        Lcpb__Sample *o = &w->samples[i];
        lcpb__sample__init(o);
        o->n_location_id = s->nlocs;
        o->location_id = s->locs;
        o->n_value = LC_PP_NVALUES;
        o->value = s->values;
        wire_label(w, i, test_key, s->test);
        wire_label(w, i, kind_key, s->kind);
        w->sample_ptrs[i] = o;
    }
}

static void wire_locations(struct wire *w, struct lc_pprof *p) {
    size_t li = 0;
    for (size_t i = 0; i < p->n_locations; i++) {
        struct pp_loc *l = &p->locations[i];
        Lcpb__Location *o = &w->locs[i];
        lcpb__location__init(o);
        o->id = i + 1;
        o->mapping_id = l->mapping;
        o->address = l->address;
        o->n_line = l->nlines;
        o->line = w->line_ptrs + li;
        for (size_t k = 0; k < l->nlines; k++)
            w->line_ptrs[li++] = &l->lines[k];
        w->loc_ptrs[i] = o;
    }
    for (size_t i = 0; i < p->n_functions; i++)
        w->func_ptrs[i] = &p->functions[i];
    for (size_t i = 0; i < p->n_mappings; i++)
        w->map_ptrs[i] = &p->mappings[i];
}

/* The sample types, then the period type (space/bytes) after them. Returns
 * the string index of "inuse_space", or -1 when out of memory. */
static int64_t wire_types(struct wire *w, struct lc_pprof *p) {
    static const char *const names[LC_PP_NVALUES + 1][2] = {
        {"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"},
        {"inuse_space", "bytes"}, {"space", "bytes"}};
    for (int i = 0; i <= LC_PP_NVALUES; i++) {
        Lcpb__ValueType *t = &w->types[i];
        lcpb__value_type__init(t);
        if ((t->type = str(p, names[i][0])) < 0 || (t->unit = str(p, names[i][1])) < 0)
            return -1;
        if (i < LC_PP_NVALUES)
            w->type_ptrs[i] = t;
    }
    return w->types[LC_PP_INUSE_SPACE].type;
}

static void wire_profile(Lcpb__Profile *prof, struct wire *w, struct lc_pprof *p,
                         int64_t deflt) {
    prof->n_sample_type = LC_PP_NVALUES;
    prof->sample_type = w->type_ptrs;
    prof->period_type = &w->types[LC_PP_NVALUES];
    prof->period = p->rate ? (int64_t)p->rate : 1;
    prof->default_sample_type = deflt;
    prof->n_sample = p->n_samples;
    prof->sample = w->sample_ptrs;
    prof->n_mapping = p->n_mappings;
    prof->mapping = w->map_ptrs;
    prof->n_location = p->n_locations;
    prof->location = w->loc_ptrs;
    prof->n_function = p->n_functions;
    prof->function = w->func_ptrs;
    prof->n_strings = p->n_strings;
    prof->strings = p->strings;
    prof->n_comment = p->n_comments;
    prof->comment = p->comments;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
        prof->time_nanos = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

unsigned char *lc__pprof_encode(struct lc_pprof *p, size_t *len) {
    /* every string first: the table must not move once the wire points to it */
    int64_t test_key = str(p, "test"), kind_key = str(p, "kind");
    struct wire w = {0};
    int64_t deflt = wire_types(&w, p);
    unsigned char *out = NULL;
    if (test_key >= 0 && kind_key >= 0 && deflt >= 0 && wire_alloc(&w, p) == 0) {
        Lcpb__Profile prof = LCPB__PROFILE__INIT;
        wire_samples(&w, p, test_key, kind_key);
        wire_locations(&w, p);
        wire_profile(&prof, &w, p, deflt);
        *len = lcpb__profile__get_packed_size(&prof);
        out = lc__xmalloc(*len);
        if (out)
            lcpb__profile__pack(&prof, out);
    }
    wire_free(&w);
    return out;
}
