/* report_json.c: the JSON report (jansson), documented field by field in
 * schema/leakcheck-report.schema.json. Report time only.
 * Keys keep insertion order (jansson >= 2.8), so the output is deterministic
 * and reads top-down: schema first, tests last. */

#include <gnu/libc-version.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "options.h"
#include "report.h"
#include "xml.h"

static json_malloc_t saved_malloc;
static json_free_t saved_free;

void lc__json_enter(void) {
    json_get_alloc_funcs(&saved_malloc, &saved_free);
    json_set_alloc_funcs(lc__report_malloc, lc__report_free);
    lc__report_alloc_begin(); /* a failure from now on means an incomplete document */
}

void lc__json_leave(void) { json_set_alloc_funcs(saved_malloc, saved_free); }

/* jansson refuses strings that are not UTF-8 (json_string returns NULL and the
 * key would silently go missing), so malformed bytes are replaced first. */
static json_t *str_or_null(const char *s) {
    if (!s)
        return json_null();
    if (lc__utf8_valid(s))
        return json_string(s);
    struct lc_buf b;
    lc__buf_init(&b, lc__report_realloc, lc__report_free);
    lc__buf_put_utf8(&b, s);
    json_t *j = b.failed ? NULL : json_string(b.data);
    lc__buf_free(&b);
    return j;
}

json_t *lc__json_frames(const lc_frame *f, int n) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "0x%lx", (unsigned long)f[i].address);
        json_t *o = json_object();
        json_object_set_new(o, "function", str_or_null(f[i].function));
        json_object_set_new(o, "file", str_or_null(f[i].file));
        json_object_set_new(o, "line", f[i].line ? json_integer(f[i].line) : json_null());
        json_object_set_new(o, "module", str_or_null(f[i].module));
        json_object_set_new(o, "address", json_string(addr));
        if (f[i].inlined)
            json_object_set_new(o, "inlined", json_true());
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *options_json(void) {
    const struct lc_options_values *v = lc__opts();
    json_t *o = json_object();
    for (size_t i = 0; i < lc__option_count; i++) {
        const struct lc_option_desc *d = &lc__option_table[i];
        if (strncmp(d->help, "internal:", 9) == 0)
            continue;
        const char *field = (const char *)v + d->offset;
        switch (d->type) {
        case LC_OPT_BOOL: json_object_set_new(o, d->env, json_boolean(*(const int *)field)); break;
        case LC_OPT_INT: json_object_set_new(o, d->env, json_integer(*(const long *)field)); break;
        case LC_OPT_PATH: json_object_set_new(o, d->env, json_string(*(const char *const *)field)); break;
        case LC_OPT_ENUM: {
            int idx = *(const int *)field;
            const char *p = d->choices;
            for (int k = 0; k < idx && p; k++) {
                p = strchr(p, '|');
                p = p ? p + 1 : NULL;
            }
            const char *bar = p ? strchr(p, '|') : NULL;
            json_object_set_new(o, d->env,
                                p ? json_stringn(p, bar ? (size_t)(bar - p) : strlen(p))
                                  : json_null());
            break;
        }
        case LC_OPT_FLAGS: {
            /* the set choices, as an array of names */
            unsigned bits = *(const unsigned *)field;
            json_t *arr = json_array();
            const char *p = d->choices;
            for (int k = 0; p && *p; k++) {
                const char *bar = strchr(p, '|');
                size_t len = bar ? (size_t)(bar - p) : strlen(p);
                if (bits & (1u << k))
                    json_array_append_new(arr, json_stringn(p, len));
                p = bar ? bar + 1 : NULL;
            }
            json_object_set_new(o, d->env, arr);
            break;
        }
        }
    }
    return o;
}

json_t *lc__json_document(void) {
    json_t *doc = json_object();
    json_t *schema = json_object();
    json_object_set_new(schema, "name", json_string(LC_JSON_SCHEMA_NAME));
    json_object_set_new(schema, "version", json_integer(LC_JSON_SCHEMA_VERSION));
    json_object_set_new(doc, "schema", schema);
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("leakcheck"));
    json_object_set_new(tool, "version", json_string(LEAKCHECK_VERSION_STRING));
    json_object_set_new(doc, "tool", tool);
    json_t *host = json_object();
    struct utsname u;
    char hn[256] = "";
    gethostname(hn, sizeof hn - 1);
    json_object_set_new(host, "hostname", json_string(hn));
    if (uname(&u) == 0) {
        json_object_set_new(host, "os", json_string(u.sysname));
        json_object_set_new(host, "kernel", json_string(u.release));
        json_object_set_new(host, "machine", json_string(u.machine));
    }
    json_object_set_new(host, "libc", json_string(gnu_get_libc_version()));
    json_object_set_new(host, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(host, "pid", json_integer(getpid()));
    json_object_set_new(host, "program", str_or_null(program_invocation_name));
    json_object_set_new(host, "binary", str_or_null(program_invocation_short_name));
    char stamp[32];
    lc__report_timestamp(stamp, sizeof stamp);
    json_object_set_new(host, "timestamp", json_string(stamp));
    json_object_set_new(doc, "host", host);
    json_object_set_new(doc, "options", options_json());
    json_object_set_new(doc, "tests", json_array());
    json_object_set_new(doc, "benchmarks", json_array());
    return doc;
}

int lc__json_write(json_t *doc, const char *path, char *err, size_t errlen) {
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, "leakcheck: cannot encode the JSON report for '%s'", path);
        return -1;
    }
    size_t len = strlen(text);
    /* the newline appended in place (realloc, usually room in the block), not
     * in a second copy of the text: a report of 41,045 tests is 157 MB */
    char *withnl = lc__xrealloc(text, len + 2);
    int rc;
    if (withnl) {
        withnl[len] = '\n';
        rc = lc__write_atomic(path, withnl, len + 1, err, errlen);
        lc__xfree(withnl);
    } else {
        rc = lc__write_atomic(path, text, len, err, errlen);
        lc__xfree(text);
    }
    return rc;
}

/* Counters are unsigned 64-bit; JSON integers in jansson are signed. No real
 * count comes near 2^63, but a corrupt one must not turn negative. */
static json_t *ju64(uint64_t v) {
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* NaN and infinities are not JSON; they are written as null. */
static json_t *jreal(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *series_json(const struct lc_test_result *t) {
    json_t *arr = json_array();
    for (size_t i = 0; i < t->nseries; i++) {
        const struct lc_snapshot *s = &t->series[i];
        const char *phase = i < t->warmup                ? "warmup"
                            : i < t->warmup + t->measured ? "measured"
                                                          : "extended";
        json_t *o = json_object();
        json_object_set_new(o, "iteration", json_integer((json_int_t)i));
        json_object_set_new(o, "phase", json_string(phase));
        json_object_set_new(o, "allocs", ju64(s->allocs));
        json_object_set_new(o, "frees", ju64(s->frees));
        json_object_set_new(o, "bytes_allocated", ju64(s->bytes_allocated));
        json_object_set_new(o, "live_blocks", ju64(s->live_blocks));
        json_object_set_new(o, "live_bytes", ju64(s->live_bytes));
        json_object_set_new(o, "peak_bytes", ju64(s->peak_bytes));
        json_object_set_new(o, "threads", json_integer(s->threads));
        json_object_set_new(o, "fds", json_integer(s->fds));
        json_object_set_new(o, "processes", json_integer(s->processes));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *int_array(const int64_t *v, unsigned n) {
    json_t *arr = json_array();
    for (unsigned i = 0; v && i < n; i++)
        json_array_append_new(arr, json_integer((json_int_t)v[i]));
    return arr;
}

static json_t *finding_json(const struct lc_finding *f) {
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(lc__finding_kind_name(f->kind)));
    json_object_set_new(o, "summary", str_or_null(f->summary));
    json_object_set_new(o, "growth", int_array(f->growth_blocks, f->ngrowth));
    if (f->kind == LC_FINDING_MEMORY) {
        json_object_set_new(o, "growth_bytes", int_array(f->growth_bytes, f->ngrowth));
        json_object_set_new(o, "blocks", ju64(f->blocks));
        json_object_set_new(o, "bytes", ju64(f->bytes));
    }
    json_object_set_new(o, "stack", lc__json_frames(f->stack, f->stack ? f->nstack : 0));
    if (f->leak_kind)
        json_object_set_new(o, "leak_kind", json_string(f->leak_kind));
    if (f->informational)
        json_object_set_new(o, "fails", json_false());
    if (f->kind == LC_FINDING_THREAD) {
        json_object_set_new(o, "name", str_or_null(f->thread_name));
        json_object_set_new(o, "tid", json_integer(f->thread_tid));
        json_object_set_new(o, "state", str_or_null(f->thread_state));
        json_object_set_new(o, "current_stack",
                            lc__json_frames(f->current_stack,
                                            f->current_stack ? f->ncurrent : 0));
    } else if (f->kind == LC_FINDING_FD) {
        json_object_set_new(o, "fd", json_integer(f->fd));
        json_object_set_new(o, "target", str_or_null(f->fd_target));
    } else if (f->kind == LC_FINDING_MAPPING) {
        json_object_set_new(o, "growth_bytes", int_array(f->growth_bytes, f->ngrowth));
        json_object_set_new(o, "mappings", ju64(f->blocks));
        json_object_set_new(o, "bytes", ju64(f->bytes));
        json_object_set_new(o, "address", ju64(f->map_addr));
        json_object_set_new(o, "length", ju64(f->map_len));
        json_object_set_new(o, "prot", str_or_null(f->map_prot));
        json_object_set_new(o, "file", str_or_null(f->map_file));
        json_object_set_new(o, "shm", json_boolean(f->map_shm));
    } else if (f->kind == LC_FINDING_PROCESS) {
        json_object_set_new(o, "pid", json_integer(f->proc_pid));
        json_object_set_new(o, "command", str_or_null(f->proc_command));
        json_object_set_new(o, "state", str_or_null(f->proc_state));
    }
    return o;
}

static json_t *stacks_json(lc_frame *const *stacks, const int *n, size_t count) {
    json_t *arr = json_array();
    for (size_t i = 0; stacks && i < count; i++)
        json_array_append_new(arr, lc__json_frames(stacks[i], stacks[i] ? n[i] : 0));
    return arr;
}

static json_t *sweep_findings_json(const struct lc_sweep_finding *fs, size_t n) {
    json_t *arr = json_array();
    for (size_t i = 0; fs && i < n; i++) {
        const struct lc_sweep_finding *f = &fs[i];
        json_t *x = json_object();
        json_object_set_new(x, "mode", json_string(f->mode));
        json_object_set_new(x, "kind", json_string(f->kind));
        json_object_set_new(x, "message", str_or_null(f->message));
        json_object_set_new(x, "site", lc__json_frames(f->site, f->site ? f->nsite : 0));
        json_object_set_new(x, "stacks", stacks_json(f->stacks, f->nstack, f->nstacks));
        json_object_set_new(x, "blocks", ju64(f->blocks));
        json_object_set_new(x, "bytes", ju64(f->bytes));
        json_object_set_new(x, "signal", str_or_null(f->signal));
        json_array_append_new(arr, x);
    }
    return arr;
}

/* The test's "fail_sweep" (schema version 2): null when not asked for. */
static json_t *sweep_json(const struct lc_sweep_result *r) {
    if (!r)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "sites", json_integer(r->sites));
    json_object_set_new(o, "swept", json_integer(r->swept));
    json_object_set_new(o, "unswept", json_integer(r->unswept));
    json_object_set_new(o, "runs", json_integer(r->runs));
    json_object_set_new(o, "skipped", str_or_null(r->skipped));
    json_object_set_new(o, "note", str_or_null(r->note));
    json_object_set_new(o, "findings", sweep_findings_json(r->findings, r->nfindings));
    json_object_set_new(o, "unchecked", sweep_findings_json(r->unchecked, r->nunchecked));
    return o;
}

static json_t *test_json(const struct lc_run *run, const struct lc_test_result *t) {
    json_t *o = json_object();
    json_object_set_new(o, "name", str_or_null(t->name ? t->name : "(unnamed)"));
    json_object_set_new(o, "group", str_or_null(t->group ? t->group : run->binary));
    json_object_set_new(o, "file", str_or_null(t->file));
    json_object_set_new(o, "line", json_integer(t->line));
    json_object_set_new(o, "verdict", json_string(lc__verdict_name(t->verdict)));
    json_object_set_new(o, "duration", jreal(t->duration));
    json_t *it = json_object();
    json_object_set_new(it, "warmup", json_integer(t->warmup));
    json_object_set_new(it, "measured", json_integer(t->measured));
    json_object_set_new(it, "extended", json_integer(t->extended));
    json_object_set_new(o, "iterations", it);
    json_object_set_new(o, "series", series_json(t));
    json_t *findings = json_array();
    for (size_t i = 0; t->findings && i < t->nfindings; i++)
        json_array_append_new(findings, finding_json(&t->findings[i]));
    json_object_set_new(o, "findings", findings);
    json_t *sups = json_array();
    for (size_t i = 0; t->suppressed && i < t->nsuppressed; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "rule", str_or_null(t->suppressed[i].rule));
        json_object_set_new(s, "why", str_or_null(t->suppressed[i].why));
        json_object_set_new(s, "hits", ju64(t->suppressed[i].hits));
        json_array_append_new(sups, s);
    }
    json_object_set_new(o, "suppressions", sups);
    json_object_set_new(o, "message", str_or_null(t->message));
    json_object_set_new(o, "failure_type", str_or_null(t->failure_type));
    json_object_set_new(o, "details", str_or_null(t->details));
    if (t->reason)
        json_object_set_new(o, "reason", json_string(t->reason));
    if (t->not_repeatable) {
        json_t *nr = json_object();
        json_object_set_new(nr, "iteration", json_integer(t->not_repeatable));
        json_object_set_new(nr, "message", str_or_null(t->not_repeatable_message));
        json_object_set_new(o, "not_repeatable", nr);
    }
    json_object_set_new(o, "fail_sweep", sweep_json(t->fail_sweep));
    return o;
}

static json_t *bench_json(const struct lc_run *run, const struct lc_bench_result *b) {
    json_t *o = json_object();
    json_object_set_new(o, "name", str_or_null(b->name ? b->name : "(unnamed)"));
    json_object_set_new(o, "group", str_or_null(b->group ? b->group : run->binary));
    json_object_set_new(o, "file", str_or_null(b->file));
    json_object_set_new(o, "line", json_integer(b->line));
    json_object_set_new(o, "n", ju64(b->n));
    json_object_set_new(o, "allocs_per_op", jreal(b->allocs_per_op));
    json_object_set_new(o, "frees_per_op", jreal(b->frees_per_op));
    json_object_set_new(o, "bytes_per_op", jreal(b->bytes_per_op));
    json_object_set_new(o, "peak_bytes", ju64(b->peak_bytes));
    json_object_set_new(o, "net_blocks", json_integer(b->net_blocks));
    json_object_set_new(o, "net_bytes", json_integer(b->net_bytes));
    json_object_set_new(o, "ns_per_op", jreal(b->ns_per_op));
    json_object_set_new(o, "data_dependent", json_boolean(b->data_dependent));
    json_object_set_new(o, "failed", json_boolean(b->failed));
    json_object_set_new(o, "message", str_or_null(b->message));
    return o;
}

/* What cmocka ran against what leakcheck judged. */
static json_t *cmocka_json(const struct lc_cmocka_counts *c) {
    json_t *o = json_object();
    json_object_set_new(o, "groups", json_integer((json_int_t)c->groups));
    json_object_set_new(o, "ran", json_integer((json_int_t)c->ran));
    json_object_set_new(o, "judged", json_integer((json_int_t)c->judged));
    json_t *names = json_array();
    for (size_t i = 0; c->unjudged && i < c->nunjudged; i++)
        json_array_append_new(names, str_or_null(c->unjudged[i]));
    json_object_set_new(o, "not_judged", names);
    return o;
}

/* leakcheck run's memory over time (--stats-interval) and sampling rate. */
static void run_live_json(json_t *doc, const struct lc_run *run) {
    json_t *series = json_array();
    for (size_t i = 0; run->series && i < run->nseries; i++) {
        const struct lc_run_point *p = &run->series[i];
        json_t *o = json_object();
        json_object_set_new(o, "t_ms", json_integer((json_int_t)p->t_ms));
        json_object_set_new(o, "allocs", json_integer((json_int_t)p->allocs));
        json_object_set_new(o, "frees", json_integer((json_int_t)p->frees));
        json_object_set_new(o, "live_blocks", json_integer((json_int_t)p->live_blocks));
        json_object_set_new(o, "live_bytes", json_integer((json_int_t)p->live_bytes));
        json_object_set_new(o, "peak_bytes", json_integer((json_int_t)p->peak_bytes));
        json_object_set_new(o, "threads", json_integer((json_int_t)p->threads));
        json_object_set_new(o, "fds", json_integer((json_int_t)p->fds));
        json_array_append_new(series, o);
    }
    if (run->nseries) /* absent without --stats-interval */
        json_object_set_new(doc, "series", series);
    else
        json_decref(series);
    json_t *sampling = json_null();
    if (run->sampling_bytes) {
        sampling = json_object();
        json_object_set_new(sampling, "bytes", json_integer((json_int_t)run->sampling_bytes));
    }
    json_object_set_new(doc, "sampling", sampling);
}

json_t *lc__json_run(const struct lc_run *run) {
    json_t *doc = lc__json_document();
    if (!doc)
        return NULL;
    json_t *host = json_object_get(doc, "host");
    if (run->binary)
        json_object_set_new(host, "binary", str_or_null(run->binary));
    if (run->pid)
        json_object_set_new(host, "pid", json_integer(run->pid));
    if (run->program)
        json_object_set_new(host, "program", str_or_null(run->program));
    json_t *tests = json_object_get(doc, "tests");
    for (size_t i = 0; run->tests && i < run->ntests; i++)
        json_array_append_new(tests, test_json(run, &run->tests[i]));
    json_t *benches = json_object_get(doc, "benchmarks");
    for (size_t i = 0; run->benchmarks && i < run->nbenchmarks; i++)
        json_array_append_new(benches, bench_json(run, &run->benchmarks[i]));
    json_t *cm = lc__json_cmocka(run);
    if (cm)
        json_object_set_new(doc, "cmocka", cm);
    if (run->pid)
        run_live_json(doc, run);
    /* report_stream_json.c writes the same document piece by piece: a key
     * added here after "benchmarks" needs adding to its epilogue too */
    return doc;
}

int lc__report_write_json(const struct lc_run *run, const char *path, char *err,
                          size_t errlen) {
    char full[4096];
    lc__guard_enter(); /* anything libc allocates on our behalf stays untracked */
    lc__expand_path(path, full, sizeof full);
    lc__json_enter();
    json_t *doc = lc__json_run(run);
    int rc;
    if (!doc || lc__report_alloc_failed()) { /* jansson drops what it cannot allocate */
        snprintf(err, errlen, "leakcheck: cannot write report '%s': out of memory while "
                 "building it (the previous version is kept)", full);
        json_decref(doc);
        rc = -1;
    } else {
        rc = lc__json_write(doc, full, err, errlen);
        json_decref(doc);
    }
    lc__json_leave();
    lc__guard_leave();
    return rc;
}

/* One test's / benchmark's object, for report_stream.c (between
 * lc__json_enter and lc__json_leave; the caller owns the result). */
json_t *lc__json_test(const struct lc_run *run, const struct lc_test_result *t) {
    return test_json(run, t);
}

json_t *lc__json_bench(const struct lc_run *run, const struct lc_bench_result *b) {
    return bench_json(run, b);
}

json_t *lc__json_cmocka(const struct lc_run *run) {
    return run->cmocka.groups ? cmocka_json(&run->cmocka) : NULL;
}
