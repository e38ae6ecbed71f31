/* compare.c: `leakcheck compare OLD.json NEW.json` and `leakcheck baseline
 * update BASELINE.json REPORT.json...`.
 *
 * Both read JSON reports (schema leakcheck-report) and baselines (schema
 * leakcheck-baseline, src/baseline.h); a report is first turned into baseline
 * entries, so every figure compared is the one a LEAKCHECK_BASELINE run would
 * judge: per benchmark the totals over n ops, per test its largest measured
 * iteration. Counts are exact, so the default tolerance is none.
 *
 * Bad input (a missing, cut-short or foreign file, a bad option) stops the
 * command before anything is printed or written: one line naming the file and
 * the problem, exit status 2. The tool never links libleakcheck. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/baseline.h"
#include "tool.h"

/* key -> verdict of every test of a report that failed or crashed: such a
 * test has no baseline entry, so compare would list it as only in OLD. (A
 * leak has an entry; its new leak sites are named.) */
static json_t *failing_tests(const struct lc_run *run) {
    json_t *v = json_object();
    char key[1024];
    for (size_t i = 0; run->tests && i < run->ntests; i++) {
        const struct lc_test_result *t = &run->tests[i];
        if (t->verdict != LC_VERDICT_FAILED && t->verdict != LC_VERDICT_CRASHED)
            continue;
        lc__bl_key(t->group ? t->group : run->binary, t->name, key, sizeof key);
        json_object_set_new(v, key, json_string(lc__verdict_name(t->verdict)));
    }
    return v;
}

/* Reads path, a report or a baseline, as baseline entries. Returns the
 * document, or NULL after printing one line. *what says which it was;
 * *failing (NULL for a baseline) holds the report's tests that did not pass. */
static json_t *load_entries(const char *path, const char *cmd, const char **what,
                            json_t **failing) {
    if (failing)
        *failing = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "leakcheck: %s: %s: cannot read: %s\n", cmd, path, strerror(errno));
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!doc) {
        int eof = strstr(je.text, "premature end") || strstr(je.text, "end of file");
        fprintf(stderr, "leakcheck: %s: %s: not valid JSON at line %d, column %d: %s%s\n",
                cmd, path, je.line, je.column, je.text,
                eof ? " (the file is empty or cut short)" : "");
        return NULL;
    }
    const char *name =
        json_string_value(json_object_get(json_object_get(doc, "schema"), "name"));
    char err[1024];
    if (name && strcmp(name, LC_BASELINE_SCHEMA_NAME) == 0) {
        if (lc__bl_validate(doc, err, sizeof err)) {
            fprintf(stderr, "leakcheck: %s: %s: %s\n", cmd, path, err);
            json_decref(doc);
            return NULL;
        }
        *what = "baseline";
        return doc;
    }
    if (!name || strcmp(name, "leakcheck-report") != 0) {
        fprintf(stderr,
                "leakcheck: %s: %s: not a leakcheck report or baseline (schema.name is "
                "%s%.100s%s)\n",
                cmd, path, name ? "\"" : "", name ? name : "missing", name ? "\"" : "");
        json_decref(doc);
        return NULL;
    }
    json_decref(doc); /* the report loader reads the file itself */
    struct loaded l = {.path = path, .cmd = cmd};
    if (lc_tool_report_load(&l, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        lc_tool_report_unload(&l);
        return NULL;
    }
    json_t *bl = lc__bl_new();
    lc__bl_put_run(bl, &l.run);
    if (failing)
        *failing = failing_tests(&l.run);
    lc_tool_report_unload(&l);
    *what = "report";
    return bl;
}

static int key_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of a kind in either document, sorted, each once. */
static const char **union_keys(json_t *a, json_t *b, json_t *extra, int kind, size_t *n) {
    json_t *sa = json_object_get(a, lc__bl_section(kind));
    json_t *sb = json_object_get(b, lc__bl_section(kind));
    size_t cap = json_object_size(sa) + json_object_size(sb) + json_object_size(extra);
    const char **keys = calloc(cap ? cap : 1, sizeof *keys);
    if (!keys) {
        fprintf(stderr, "leakcheck: out of memory\n");
        exit(2);
    }
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(sa, key, v) keys[k++] = key;
    json_object_foreach(sb, key, v) {
        if (!json_object_get(sa, key))
            keys[k++] = key;
    }
    json_object_foreach(extra, key, v) {
        if (!json_object_get(sa, key) && !json_object_get(sb, key))
            keys[k++] = key;
    }
    qsort(keys, k, sizeof *keys, key_cmp);
    *n = k;
    return keys;
}

static void pct_text(const struct lc_bl_delta *d, char *buf, size_t len) {
    if (d->old_v == d->new_v)
        snprintf(buf, len, "0.0%%");
    else if (d->old_v == 0)
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%+.1f%%", (d->new_v - d->old_v) / fabs(d->old_v) * 100.0);
}

struct totals {
    size_t entries, regressed, improved, only_old, only_new, regressions, new_sites;
    size_t failing, vanished;
};

/* A row that is a regression by itself: a test that does not pass in NEW, a
 * benchmark that NEW no longer has. */
static void flag_row(FILE *out, int kind, const char *key, const char *what, int md,
                     struct totals *t) {
    t->regressions++;
    t->regressed++;
    if (md) {
        fprintf(out, "| %s ", lc__bl_kind_name(kind));
        lc_tool_put(out, key, 1);
        fprintf(out, " | | | | | | **%s** |\n", what);
    } else {
        fprintf(out, "%s ", lc__bl_kind_name(kind));
        lc_tool_put(out, key, 0);
        fprintf(out, ": %s  regression\n", what);
    }
}

static void print_entry(FILE *out, int kind, const char *key, json_t *o, json_t *n,
                        const char *new_verdict, double tol, int md, struct totals *t) {
    t->entries++;
    if (kind == LC_BL_TEST && new_verdict && o && !n) { /* measured in OLD, failed in NEW */
        char what[64];
        snprintf(what, sizeof what, "%s in NEW", new_verdict);
        t->failing++;
        flag_row(out, kind, key, what, md, t);
        return;
    }
    if (kind == LC_BL_BENCH && o && !n) {
        t->vanished++;
        flag_row(out, kind, key, "disappeared from NEW", md, t);
        return;
    }
    if (!o || !n) {
        const char *where = o ? "only in OLD" : "only in NEW";
        if (o)
            t->only_old++;
        else
            t->only_new++;
        if (md) {
            fprintf(out, "| %s ", lc__bl_kind_name(kind));
            lc_tool_put(out, key, 1);
            fprintf(out, " | | | | | | %s |\n", where);
        } else {
            fprintf(out, "%s ", lc__bl_kind_name(kind));
            lc_tool_put(out, key, 0);
            fprintf(out, ": %s\n", where);
        }
        return;
    }
    struct lc_bl_delta d[LC_BL_MAX_METRICS];
    size_t nd = lc__bl_compare(kind, o, n, tol, d);
    int regressed = 0, improved = 0;
    if (!md) {
        fprintf(out, "%s ", lc__bl_kind_name(kind));
        lc_tool_put(out, key, 0);
        fprintf(out, "\n  %-16s %14s %14s %14s %9s\n", "metric", "old", "new", "delta",
                "%");
    }
    for (size_t i = 0; i < nd; i++) {
        if (!d[i].have)
            continue;
        char ov[64], nv[64], dv[64], pv[32];
        lc__bl_num(d[i].old_v, ov, sizeof ov);
        lc__bl_num(d[i].new_v, nv, sizeof nv);
        lc__bl_num(d[i].new_v - d[i].old_v, dv + 1, sizeof dv - 1);
        dv[0] = '+';
        const char *delta = d[i].new_v > d[i].old_v ? dv : dv + 1;
        pct_text(&d[i], pv, sizeof pv);
        const char *verdict = d[i].cmp == 2                    ? "not compared: n differs"
                              : d[i].regression                ? "regression"
                              : d[i].improvement               ? "improvement"
                              : d[i].cmp == 1 && d[i].m->gated ? "within tolerance"
                                                               : "";
        if (d[i].regression) {
            regressed = 1;
            t->regressions++;
        }
        improved |= d[i].improvement;
        if (md) {
            fprintf(out, "| %s ", lc__bl_kind_name(kind));
            lc_tool_put(out, key, 1);
            fprintf(out, " | %s | %s | %s | %s | %s | %s%s%s |\n", d[i].m->label, ov, nv,
                    delta, pv, d[i].regression ? "**" : "", verdict,
                    d[i].regression ? "**" : "");
        } else {
            fprintf(out, "  %-16s %14s %14s %14s %9s%s%s\n", d[i].m->label, ov, nv, delta,
                    pv, *verdict ? "  " : "", verdict);
        }
    }
    /* Leak sites NEW has and OLD does not: named, as a LEAKCHECK_BASELINE run
     * would. Informational: the leak already failed its test when it ran. */
    json_t *sites = json_object_get(n, "leak_sites");
    for (size_t i = 0; kind == LC_BL_TEST && i < json_array_size(sites); i++) {
        const char *site = json_string_value(json_array_get(sites, i));
        if (!site || lc__bl_has_site(o, site))
            continue;
        t->new_sites++;
        if (md) {
            fprintf(out, "| %s ", lc__bl_kind_name(kind));
            lc_tool_put(out, key, 1);
            fputs(" | new leak site | | ", out);
            lc_tool_put(out, site, 1);
            fputs(" | | | |\n", out);
        } else {
            fputs("  new leak site: ", out);
            lc_tool_put(out, site, 0);
            fputc('\n', out);
        }
    }
    t->regressed += regressed;
    t->improved += improved;
}

/* NEW's verdict for a test that fails or crashes there and did not fail
 * the same way in OLD, else NULL. print_entry flags it when OLD measured the
 * test and NEW could not (else it would read "only in OLD"). */
static const char *new_failure(json_t *old_failing, json_t *failing, const char *key) {
    const char *v = json_string_value(json_object_get(failing, key));
    const char *was = json_string_value(json_object_get(old_failing, key));
    return v && !(was && strcmp(was, v) == 0) ? v : NULL;
}

static void compare_usage(FILE *out) {
    fprintf(out, "usage: leakcheck compare OLD.json NEW.json [--tolerance PERCENT] "
                 "[--format text|markdown]\n");
}

int lc_cmd_compare(int argc, char **argv) {
    const char *files[2];
    size_t nfiles = 0;
    double tol = 0;
    int md = 0, only_files = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && strcmp(a, "--help") == 0) {
            compare_usage(stdout);
            return 0;
        }
        if (!only_files && strcmp(a, "--") == 0) {
            only_files = 1;
            continue;
        }
        if (only_files || strncmp(a, "--", 2) != 0) {
            if (nfiles == 2) {
                fprintf(stderr, "leakcheck: compare: more than two files given ('%s')\n",
                        argv[i]);
                return 2;
            }
            files[nfiles++] = argv[i];
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        int is_tol = nlen == 11 && strncmp(a, "--tolerance", 11) == 0;
        int is_fmt = nlen == 8 && strncmp(a, "--format", 8) == 0;
        if (!is_tol && !is_fmt) {
            fprintf(stderr, "leakcheck: compare: unknown option '%s'\n", a);
            compare_usage(stderr);
            return 2;
        }
        const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (!val || !*val) {
            fprintf(stderr, "leakcheck: compare: option '%.*s' needs a value\n", (int)nlen,
                    a);
            return 2;
        }
        if (is_fmt) {
            if (strcmp(val, "text") != 0 && strcmp(val, "markdown") != 0) {
                fprintf(stderr,
                        "leakcheck: compare: invalid value '%s' for --format "
                        "(accepted: text|markdown)\n",
                        val);
                return 2;
            }
            md = strcmp(val, "markdown") == 0;
        } else {
            char *end;
            errno = 0;
            tol = strtod(val, &end);
            if (*end == '%')
                end++;
            if (errno || end == val || *end || !isfinite(tol) || tol < 0) {
                fprintf(stderr,
                        "leakcheck: compare: invalid value '%s' for --tolerance "
                        "(accepted: a percentage >= 0, e.g. 5 or 5%%)\n",
                        val);
                return 2;
            }
        }
    }
    if (nfiles != 2) {
        fprintf(stderr, "leakcheck: compare: two files are needed, OLD and NEW\n");
        compare_usage(stderr);
        return 2;
    }
    const char *what[2];
    json_t *docs[2] = {NULL, NULL}, *old_failing = NULL, *failing = NULL;
    for (int k = 0; k < 2; k++) {
        docs[k] = load_entries(files[k], "compare", &what[k], k ? &failing : &old_failing);
        if (!docs[k]) {
            json_decref(docs[0]);
            json_decref(old_failing);
            json_decref(failing);
            return 2;
        }
    }
    FILE *out = stdout;
    struct totals t = {0};
    if (md) {
        fputs("### leakcheck compare\n\n| entry | metric | old | new | delta | % | |\n"
              "|---|---|---|---|---|---|---|\n",
              out);
    } else {
        fprintf(out, "leakcheck compare: OLD %s (%s) -> NEW %s (%s), tolerance %g%%\n",
                files[0], what[0], files[1], what[1], tol);
    }
    for (int kind = LC_BL_BENCH; kind <= LC_BL_TEST; kind++) {
        size_t nk;
        json_t *extra = kind == LC_BL_TEST ? failing : NULL;
        const char **keys = union_keys(docs[0], docs[1], extra, kind, &nk);
        for (size_t i = 0; i < nk; i++)
            print_entry(out, kind, keys[i], lc__bl_get(docs[0], kind, keys[i]),
                        lc__bl_get(docs[1], kind, keys[i]),
                        new_failure(old_failing, extra, keys[i]), tol, md, &t);
        free(keys);
    }
    fprintf(
        out,
        "%s%zu regression%s in %zu of %zu entries, %zu improved, %zu only in NEW, %zu only "
        "in OLD, %zu failing in NEW, %zu benchmark%s gone, %zu new leak site%s\n",
        md ? "\n**Total**: " : "", t.regressions, t.regressions == 1 ? "" : "s",
        t.regressed, t.entries, t.improved, t.only_new, t.only_old, t.failing, t.vanished,
        t.vanished == 1 ? "" : "s", t.new_sites, t.new_sites == 1 ? "" : "s");
    json_decref(failing);
    json_decref(old_failing);
    json_decref(docs[0]);
    json_decref(docs[1]);
    return t.regressions ? 1 : 0;
}

/* ---- leakcheck baseline update ---- */

static void baseline_usage(FILE *out) {
    fprintf(out,
            "usage: leakcheck baseline update BASELINE.json REPORT.json... [--prune]\n");
}

int lc_cmd_baseline(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "--help") == 0) {
        baseline_usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (strcmp(argv[0], "update") != 0) {
        fprintf(stderr, "leakcheck: baseline: unknown subcommand '%s'\n", argv[0]);
        baseline_usage(stderr);
        return 2;
    }
    const char *path = NULL;
    const char **reports = calloc((size_t)argc, sizeof *reports);
    size_t nreports = 0;
    int prune = 0, only_files = 0;
    if (!reports)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (!only_files && strcmp(argv[i], "--") == 0) {
            only_files = 1;
        } else if (!only_files && strcmp(argv[i], "--prune") == 0) {
            prune = 1;
        } else if (!only_files && strncmp(argv[i], "--", 2) == 0) {
            fprintf(stderr, "leakcheck: baseline: unknown option '%s'\n", argv[i]);
            baseline_usage(stderr);
            free(reports);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            reports[nreports++] = argv[i];
        }
    }
    if (!path || !nreports) {
        fprintf(stderr,
                "leakcheck: baseline: update needs the baseline file and at least one "
                "report\n");
        baseline_usage(stderr);
        free(reports);
        return 2;
    }
    /* Every report is read, and the old baseline checked, before anything is
     * written: a bad file never leaves a half-updated baseline. */
    json_t *fresh = lc__bl_new();
    int rc = 0;
    char err[1024];
    for (size_t k = 0; k < nreports && !rc; k++) {
        struct loaded l = {.path = reports[k], .cmd = "baseline"};
        if (lc_tool_report_load(&l, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            rc = 2;
        } else {
            lc__bl_put_run(fresh, &l.run);
        }
        lc_tool_report_unload(&l);
    }
    json_t *doc = NULL;
    if (!rc) {
        FILE *f = fopen(path, "rb");
        if (!f && errno == ENOENT) {
            doc = lc__bl_new();
        } else if (!f) {
            fprintf(stderr, "leakcheck: baseline: %s: cannot read: %s\n", path,
                    strerror(errno));
            rc = 2;
        } else {
            json_error_t je;
            doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
            fclose(f);
            if (!doc) {
                fprintf(stderr,
                        "leakcheck: baseline: %s: not valid JSON at line %d, column %d: "
                        "%s (not overwritten)\n",
                        path, je.line, je.column, je.text);
                rc = 2;
            } else if (lc__bl_validate(doc, err, sizeof err)) {
                fprintf(stderr, "leakcheck: baseline: %s: %s (not overwritten)\n", path,
                        err);
                rc = 2;
            }
        }
    }
    if (!rc) {
        size_t added = 0, changed = 0, same = 0, pruned = 0;
        for (int kind = LC_BL_BENCH; kind <= LC_BL_TEST; kind++) {
            const char *sec = lc__bl_section(kind);
            json_t *old = json_object_get(doc, sec), *neu = json_object_get(fresh, sec);
            const char *key;
            json_t *e;
            json_object_foreach(neu, key, e) {
                json_t *o = json_object_get(old, key);
                if (!o)
                    added++;
                else if (json_equal(o, e))
                    same++;
                else
                    changed++;
            }
            if (prune) {
                json_object_foreach(old, key, e) pruned += !json_object_get(neu, key);
                json_object_set(doc, sec, neu);
            } else if (old) {
                json_object_update(old, neu);
            } else {
                json_object_set(doc, sec, neu);
            }
        }
        char *text = lc__bl_dump(doc);
        if (lc__bl_readable(text, err, sizeof err)) {
            fprintf(stderr, "leakcheck: baseline: %s: the update would not read back: %s "
                    "(not written)\n", path, err);
            rc = 2;
        } else if (lc_tool_write_atomic(path, text, strlen(text), "baseline")) {
            rc = 2;
        } else {
            printf("leakcheck: baseline: wrote %s from %zu report%s: %zu new, %zu changed, "
                   "%zu "
                   "unchanged",
                   path, nreports, nreports == 1 ? "" : "s", added, changed, same);
            if (prune)
                printf(", %zu pruned", pruned);
            printf("\n");
        }
        free(text);
    }
    json_decref(doc);
    json_decref(fresh);
    free(reports);
    return rc;
}
