/* baseline.c: the baseline file format (see baseline.h): entries made from
 * test and benchmark results, validation of a document read from disk, the
 * comparison of two entries and the sorted text of a document. Shared by the
 * library and the leakcheck tool, so it uses only libc and jansson; temporary
 * arrays come from jansson's allocator (glibc's own, untracked, inside the
 * library). Never on the hook path. */
#include "baseline.h"
#include "xml.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lc_bl_metric bench_metrics[] = {
    {"allocs", "allocs/op", 1, 0, 1},      {"frees", "frees/op", 1, 0, 0},
    {"bytes", "bytes/op", 1, 0, 1},        {"peak_bytes", "peak bytes", 0, 1, 1},
    {"net_blocks", "net blocks", 0, 1, 1}, {"net_bytes", "net bytes", 0, 1, 1},
};
static const struct lc_bl_metric test_metrics[] = {
    {"allocs", "allocs/iter", 0, 0, 1},
    {"bytes", "bytes/iter", 0, 0, 1},
    {"peak_bytes", "peak bytes/iter", 0, 0, 1},
};

const char *lc__bl_section(int kind) {
    return kind == LC_BL_BENCH ? "benchmarks" : "tests";
}
const char *lc__bl_kind_name(int kind) {
    return kind == LC_BL_BENCH ? "benchmark" : "test";
}

const struct lc_bl_metric *lc__bl_metrics(int kind, size_t *n) {
    if (kind == LC_BL_BENCH) {
        *n = sizeof bench_metrics / sizeof bench_metrics[0];
        return bench_metrics;
    }
    *n = sizeof test_metrics / sizeof test_metrics[0];
    return test_metrics;
}

const char *lc__bl_key(const char *group, const char *name, char *buf, size_t len) {
    int n;
    if (group && *group)
        n = snprintf(buf, len, "%s::%s", group, name ? name : "(unnamed)");
    else
        n = snprintf(buf, len, "%s", name ? name : "(unnamed)");
    if (n > 0 && (size_t)n >= len && len > 1) {
        /* cut at a character boundary: jansson refuses a key that is not UTF-8,
         * and the entry would silently go missing */
        size_t end = len - 1, i = end - 1; /* buf[0..end) is what snprintf kept */
        while (i > 0 && ((unsigned char)buf[i] & 0xC0) == 0x80)
            i--;
        unsigned char lead = (unsigned char)buf[i];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (i + need > end)
            buf[i] = 0; /* the last character did not fit whole */
    }
    return buf;
}

json_t *lc__bl_new(void) {
    json_t *doc = json_object();
    json_t *schema = json_object();
    json_object_set_new(schema, "name", json_string(LC_BASELINE_SCHEMA_NAME));
    json_object_set_new(schema, "version", json_integer(LC_BASELINE_SCHEMA_VERSION));
    json_object_set_new(doc, "schema", schema);
    json_object_set_new(doc, "benchmarks", json_object());
    json_object_set_new(doc, "tests", json_object());
    return doc;
}

/* ---- validation ---- */

static int problem(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int problem(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int validate_entry(int kind, const char *key, json_t *e, char *err, size_t errlen) {
    const char *sec = lc__bl_section(kind);
    if (!json_is_object(e))
        return problem(err, errlen, "%s.\"%s\" is not an object", sec, key);
    size_t nm;
    const struct lc_bl_metric *m = lc__bl_metrics(kind, &nm);
    for (size_t i = 0; i < nm; i++) {
        json_t *v = json_object_get(e, m[i].key);
        if (!v)
            return problem(err, errlen, "%s.\"%s\".%s is missing", sec, key, m[i].key);
        if (!json_is_integer(v))
            return problem(err, errlen, "%s.\"%s\".%s is not an integer", sec, key,
                           m[i].key);
        if (json_integer_value(v) < 0 && strncmp(m[i].key, "net_", 4) != 0)
            return problem(err, errlen, "%s.\"%s\".%s is negative", sec, key, m[i].key);
    }
    if (kind == LC_BL_BENCH) {
        json_t *n = json_object_get(e, "n");
        if (!json_is_integer(n) || json_integer_value(n) < 1)
            return problem(err, errlen, "%s.\"%s\".n is missing or not a positive integer",
                           sec, key);
        json_t *dd = json_object_get(e, "data_dependent");
        if (dd && !json_is_boolean(dd))
            return problem(err, errlen, "%s.\"%s\".data_dependent is not a boolean", sec,
                           key);
    } else {
        json_t *sites = json_object_get(e, "leak_sites");
        if (sites && !json_is_array(sites))
            return problem(err, errlen, "%s.\"%s\".leak_sites is not an array", sec, key);
        for (size_t i = 0; sites && i < json_array_size(sites); i++)
            if (!json_is_string(json_array_get(sites, i)))
                return problem(err, errlen, "%s.\"%s\".leak_sites[%zu] is not a string",
                               sec, key, i);
    }
    return 0;
}

int lc__bl_validate(json_t *doc, char *err, size_t errlen) {
    if (!json_is_object(doc))
        return problem(err, errlen,
                       "not a leakcheck baseline (the document is not an object)");
    json_t *schema = json_object_get(doc, "schema");
    const char *name = json_string_value(json_object_get(schema, "name"));
    if (!name)
        return problem(err, errlen, "not a leakcheck baseline (no schema.name)");
    if (strcmp(name, LC_BASELINE_SCHEMA_NAME) != 0)
        return problem(err, errlen,
                       "not a leakcheck baseline (schema.name is \"%.100s\", not \"%s\")",
                       name, LC_BASELINE_SCHEMA_NAME);
    json_t *ver = json_object_get(schema, "version");
    if (!json_is_integer(ver))
        return problem(err, errlen, "schema.version is missing or not an integer");
    if (json_integer_value(ver) != LC_BASELINE_SCHEMA_VERSION)
        return problem(
            err, errlen,
            "baseline schema version %lld is not supported (this leakcheck reads "
            "version %d)",
            (long long)json_integer_value(ver), LC_BASELINE_SCHEMA_VERSION);
    for (int kind = LC_BL_BENCH; kind <= LC_BL_TEST; kind++) {
        json_t *sec = json_object_get(doc, lc__bl_section(kind));
        if (!sec) /* an absent section is an empty one */
            continue;
        if (!json_is_object(sec))
            return problem(err, errlen, "%s is not an object", lc__bl_section(kind));
        const char *key;
        json_t *e;
        json_object_foreach(sec, key, e) {
            if (validate_entry(kind, key, e, err, errlen))
                return -1;
        }
    }
    return 0;
}

/* ---- entries from results ---- */

static json_t *jcount(uint64_t v) {
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

int lc__bl_test_counts(const struct lc_test_result *t, uint64_t *allocs, uint64_t *bytes,
                       uint64_t *peak) {
    *allocs = *bytes = *peak = 0;
    if (!t->series || t->measured == 0 || t->nseries <= t->warmup)
        return 0;
    /* The judged iterations: measured and extended counting ones. Attribution
     * iterations after them count the same, but are not always run. */
    size_t hi = (size_t)t->warmup + t->measured + t->extended;
    if (hi > t->nseries)
        hi = t->nseries;
    for (size_t i = t->warmup; i < hi; i++) {
        const struct lc_snapshot *s = &t->series[i];
        uint64_t start = i ? t->series[i - 1].live_bytes : 0;
        uint64_t pk = s->peak_bytes > start ? s->peak_bytes - start : 0;
        if (s->allocs > *allocs)
            *allocs = s->allocs;
        if (s->bytes_allocated > *bytes)
            *bytes = s->bytes_allocated;
        if (pk > *peak)
            *peak = pk;
    }
    return 1;
}

static const char *base_name(const char *p) {
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p;
}

void lc__bl_site_key(const struct lc_finding *f, char *buf, size_t len) {
    size_t o = (size_t)snprintf(buf, len, "%s:", lc__finding_kind_name(f->kind));
    int n = f->stack ? f->nstack : 0;
    for (int i = 0; i < n && i < 2 && o < len; i++) {
        const lc_frame *fr = &f->stack[i];
        const char *where = fr->file ? base_name(fr->file) : base_name(fr->module);
        o += (size_t)snprintf(buf + o, len - o, "%s %s (%s)", i ? " <-" : "",
                              fr->function ? fr->function : "??", where ? where : "?");
    }
    if (n == 0 && o < len) {
        /* No stack (LEAKCHECK_STACKS=0, an fd opened by an unwrapped call): a
         * thread's name, an fd's target or a child's command is the best
         * identity left. */
        const char *what = f->kind == LC_FINDING_THREAD    ? f->thread_name
                           : f->kind == LC_FINDING_FD      ? f->fd_target
                           : f->kind == LC_FINDING_PROCESS ? f->proc_command
                                                           : NULL;
        snprintf(buf + o, len - o, " %s", what ? what : "(no stack)");
    }
}

int lc__bl_has_site(json_t *entry, const char *site) {
    json_t *sites = json_object_get(entry, "leak_sites");
    for (size_t i = 0; i < json_array_size(sites); i++) {
        const char *s = json_string_value(json_array_get(sites, i));
        if (s && strcmp(s, site) == 0)
            return 1;
    }
    return 0;
}

/* Inserts s into a sorted array of strings unless it is there already. */
static void sorted_insert(json_t *arr, const char *s) {
    size_t i = 0, n = json_array_size(arr);
    for (; i < n; i++) {
        int c = strcmp(json_string_value(json_array_get(arr, i)), s);
        if (c == 0)
            return;
        if (c > 0)
            break;
    }
    json_t *v = json_string(s);
    if (v) /* NULL for a name that is not UTF-8: that site is not stored */
        json_array_insert_new(arr, i, v);
}

json_t *lc__bl_test_entry(const struct lc_test_result *t) {
    uint64_t allocs, bytes, peak;
    if (!lc__bl_test_counts(t, &allocs, &bytes, &peak))
        return NULL;
    json_t *e = json_object();
    json_object_set_new(e, "allocs", jcount(allocs));
    json_object_set_new(e, "bytes", jcount(bytes));
    json_object_set_new(e, "peak_bytes", jcount(peak));
    json_t *sites = json_array();
    for (size_t i = 0; t->findings && i < t->nfindings; i++) {
        char key[1024];
        lc__bl_site_key(&t->findings[i], key, sizeof key);
        sorted_insert(sites, key);
    }
    json_object_set_new(e, "leak_sites", sites);
    return e;
}

/* A per-op figure back to its total over n ops. The report keeps per-op
 * values with 17 significant digits, so the total comes back exactly. */
static json_int_t total_of(double per_op, uint64_t n) {
    double t = per_op * (double)n;
    if (!isfinite(t))
        return 0;
    if (t >= 9.2e18) /* llround beyond the range of long long is undefined */
        return INT64_MAX;
    if (t <= -9.2e18)
        return INT64_MIN;
    return (json_int_t)llround(t);
}

json_t *lc__bl_bench_entry(const struct lc_bench_result *b) {
    if (b->n == 0)
        return NULL; /* it did not finish */
    json_t *e = json_object();
    json_object_set_new(e, "n", jcount(b->n));
    json_object_set_new(e, "allocs", json_integer(total_of(b->allocs_per_op, b->n)));
    json_object_set_new(e, "frees", json_integer(total_of(b->frees_per_op, b->n)));
    json_object_set_new(e, "bytes", json_integer(total_of(b->bytes_per_op, b->n)));
    json_object_set_new(e, "peak_bytes", jcount(b->peak_bytes));
    json_object_set_new(e, "net_blocks", json_integer(b->net_blocks));
    json_object_set_new(e, "net_bytes", json_integer(b->net_bytes));
    json_object_set_new(e, "data_dependent", json_boolean(b->data_dependent));
    return e;
}

static json_t *section(json_t *doc, int kind) {
    json_t *sec = json_object_get(doc, lc__bl_section(kind));
    if (!sec) {
        sec = json_object();
        json_object_set_new(doc, lc__bl_section(kind), sec);
    }
    return sec;
}

json_t *lc__bl_get(json_t *doc, int kind, const char *key) {
    return json_object_get(json_object_get(doc, lc__bl_section(kind)), key);
}

size_t lc__bl_put_run(json_t *doc, const struct lc_run *run) {
    size_t n = 0;
    char key[1024];
    for (size_t i = 0; run->tests && i < run->ntests; i++) {
        const struct lc_test_result *t = &run->tests[i];
        json_t *e = lc__bl_test_entry(t);
        if (!e)
            continue;
        lc__bl_key(t->group ? t->group : run->binary, t->name, key, sizeof key);
        json_object_set_new(section(doc, LC_BL_TEST), key, e);
        n++;
    }
    for (size_t i = 0; run->benchmarks && i < run->nbenchmarks; i++) {
        const struct lc_bench_result *b = &run->benchmarks[i];
        json_t *e = lc__bl_bench_entry(b);
        if (!e)
            continue;
        lc__bl_key(b->group ? b->group : run->binary, b->name, key, sizeof key);
        json_object_set_new(section(doc, LC_BL_BENCH), key, e);
        n++;
    }
    return n;
}

/* ---- comparison ---- */

static int get_i64(json_t *e, const char *key, int64_t *out) {
    json_t *v = json_object_get(e, key);
    if (!json_is_integer(v))
        return 0;
    *out = json_integer_value(v);
    return 1;
}

size_t lc__bl_compare(int kind, json_t *old_e, json_t *new_e, double tolerance_pct,
                      struct lc_bl_delta *out) {
    size_t nm;
    const struct lc_bl_metric *m = lc__bl_metrics(kind, &nm);
    int64_t on = 1, nn = 1;
    if (kind == LC_BL_BENCH) {
        if (!get_i64(old_e, "n", &on) || on < 1)
            on = 1;
        if (!get_i64(new_e, "n", &nn) || nn < 1)
            nn = 1;
    }
    for (size_t i = 0; i < nm && i < LC_BL_MAX_METRICS; i++) {
        struct lc_bl_delta *d = &out[i];
        memset(d, 0, sizeof *d);
        d->m = &m[i];
        int64_t o, n;
        if (!get_i64(old_e, m[i].key, &o) || !get_i64(new_e, m[i].key, &n))
            continue;
        d->have = 1;
        /* Per-op figures compare exactly as o/on against n/nn. */
        __int128 lhs = (__int128)n * (m[i].per_op ? on : 1);
        __int128 rhs = (__int128)o * (m[i].per_op ? nn : 1);
        d->old_v = m[i].per_op ? (double)o / (double)on : (double)o;
        d->new_v = m[i].per_op ? (double)n / (double)nn : (double)n;
        if (m[i].same_n && on != nn) {
            d->cmp = 2;
            continue;
        }
        d->cmp = lhs > rhs ? 1 : lhs < rhs ? -1 : 0;
        if (!m[i].gated)
            continue;
        if (d->cmp == 1)
            d->regression = tolerance_pct <= 0 ||
                            d->new_v - d->old_v > fabs(d->old_v) * tolerance_pct / 100.0;
        d->improvement = d->cmp == -1;
    }
    return nm < LC_BL_MAX_METRICS ? nm : LC_BL_MAX_METRICS;
}

void lc__bl_num(double v, char *buf, size_t len) {
    if (!isfinite(v)) {
        snprintf(buf, len, "?");
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, len, "%.0f", v);
        return;
    }
    snprintf(buf, len, "%.3f", v);
    char *e = buf + strlen(buf);
    while (e > buf && e[-1] == '0')
        *--e = 0;
    if (e > buf && e[-1] == '.')
        e[-1] = 0;
}

void lc__bl_delta_text(const struct lc_bl_delta *d, char *buf, size_t len) {
    char o[64], n[64], dl[64];
    lc__bl_num(d->old_v, o, sizeof o);
    lc__bl_num(d->new_v, n, sizeof n);
    lc__bl_num(d->new_v - d->old_v, dl, sizeof dl);
    const char *sign = d->new_v > d->old_v ? "+" : "";
    if (d->old_v != 0)
        snprintf(buf, len, "%s %s -> %s (%s%s, %+.1f%%)", d->m->label, o, n, sign, dl,
                 (d->new_v - d->old_v) / fabs(d->old_v) * 100.0);
    else
        snprintf(buf, len, "%s %s -> %s (%s%s)", d->m->label, o, n, sign, dl);
}

/* ---- text ---- */

static int key_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of a section with its keys sorted, so that a baseline kept in
 * version control changes only where counts changed. */
static json_t *sorted_section(json_t *sec) {
    json_malloc_t jm;
    json_free_t jf;
    json_get_alloc_funcs(&jm, &jf);
    size_t n = json_object_size(sec);
    json_t *out = json_object();
    const char **keys = jm((n ? n : 1) * sizeof *keys);
    if (!out || !keys) {
        if (keys)
            jf(keys);
        json_decref(out);
        return NULL;
    }
    size_t i = 0;
    const char *key;
    json_t *e;
    json_object_foreach(sec, key, e) keys[i++] = key;
    qsort(keys, n, sizeof *keys, key_cmp);
    for (i = 0; i < n; i++)
        json_object_set(out, keys[i], json_object_get(sec, keys[i]));
    jf(keys);
    return out;
}

char *lc__bl_dump(json_t *doc) {
    json_t *out = json_object();
    if (!out)
        return NULL;
    json_object_set(out, "schema", json_object_get(doc, "schema"));
    for (int kind = LC_BL_BENCH; kind <= LC_BL_TEST; kind++) {
        json_t *sec = json_object_get(doc, lc__bl_section(kind));
        json_t *s = sec ? sorted_section(sec) : json_object();
        if (!s) {
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, lc__bl_section(kind), s);
    }
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(out);
    if (!text)
        return NULL;
    /* A final newline, so the file is a proper text file for diff and git. */
    json_malloc_t jm;
    json_free_t jf;
    json_get_alloc_funcs(&jm, &jf);
    size_t len = strlen(text);
    char *withnl = jm(len + 2);
    if (withnl) {
        memcpy(withnl, text, len);
        withnl[len] = '\n';
        withnl[len + 1] = 0;
    }
    jf(text);
    return withnl;
}

int lc__bl_entry_check(int kind, const char *key, json_t *e, char *err, size_t errlen) {
    snprintf(err, errlen, "%s.\"%.200s\" has a key that is not UTF-8", lc__bl_section(kind),
             key);
    if (!lc__utf8_valid(key))
        return -1;
    return validate_entry(kind, key, e, err, errlen);
}

int lc__bl_readable(const char *text, char *err, size_t errlen) {
    json_error_t je;
    json_t *doc = text ? json_loads(text, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!doc)
        return problem(err, errlen, text ? "not valid JSON at line %d: %s" : "out of memory",
                       text ? je.line : 0, text ? je.text : "");
    int rc = lc__bl_validate(doc, err, errlen);
    json_decref(doc);
    return rc;
}
