/* gate.c: the allocation gates after a verdict: budgets of tests and
 * benchmarks, and the baseline file (LEAKCHECK_BASELINE, with
 * LEAKCHECK_BASELINE_UPDATE) that turns counts into a regression gate. Calls
 * baseline.c for the document and the comparison, jansson, stdio. Report time,
 * never on the hook path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "console.h"
#include "gate.h"
#include "internal.h"
#include "options.h"
#include "report.h"
#include "xml.h"

void lc__clause(struct lc_buf *b, const char *text) {
    lc__buf_printf(b, "%s%s", b->len ? "; " : "", text);
}

/* ---- the baseline ---- */

enum { BL_OFF = 0, BL_MISSING, BL_OK, BL_BAD };

static struct {
    int loaded;
    int state;
    int update; /* LEAKCHECK_BASELINE_UPDATE: write, do not gate */
    char path[4096];
    json_t *doc; /* BL_OK, or BL_MISSING when updating */
    unsigned regressions, improvements, added, written;
    int write_failed;
} bl;

void lc__baseline_load(void) {
    if (bl.loaded)
        return;
    bl.loaded = 1;
    const struct lc_options_values *o = lc__opts();
    if (!o->baseline || !*o->baseline)
        return;
    lc__guard_enter();
    lc__json_enter();
    lc__expand_path(o->baseline, bl.path, sizeof bl.path);
    bl.update = o->baseline_update;
    FILE *f = fopen(bl.path, "rb");
    if (!f && errno == ENOENT) {
        bl.state = BL_MISSING;
        fprintf(stderr,
                "leakcheck: baseline '%s' does not exist: counts are not compared%s\n",
                bl.path,
                bl.update
                    ? "; this run writes it"
                    : " (LEAKCHECK_BASELINE_UPDATE=1 or `leakcheck baseline update` writes "
                      "one)");
        if (bl.update)
            bl.doc = lc__bl_new();
    } else if (!f) {
        bl.state = BL_BAD;
        fprintf(stderr, "leakcheck: baseline '%s': cannot read: %s\n", bl.path,
                strerror(errno));
    } else {
        json_error_t je;
        bl.doc = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
        fclose(f);
        char err[512];
        if (!bl.doc) {
            bl.state = BL_BAD;
            int eof = strstr(je.text, "premature end") || strstr(je.text, "end of file");
            fprintf(
                stderr,
                "leakcheck: baseline '%s': not valid JSON at line %d, column %d: %s%s\n",
                bl.path, je.line, je.column, je.text,
                eof ? " (the file is empty or cut short)" : "");
        } else if (lc__bl_validate(bl.doc, err, sizeof err)) {
            bl.state = BL_BAD;
            fprintf(stderr, "leakcheck: baseline '%s': %s\n", bl.path, err);
            json_decref(bl.doc);
            bl.doc = NULL;
        } else {
            bl.state = BL_OK;
        }
    }
    lc__json_leave();
    lc__guard_leave();
}

int lc__baseline_broken(void) { return bl.state == BL_BAD; }

int lc__baseline_active(void) {
    return bl.state == BL_OK || (bl.state == BL_MISSING && bl.update);
}

/* Rewrites the baseline file (update mode), atomically. */
static void bl_write(void) {
    char *text = lc__bl_dump(bl.doc);
    char err[4600];
    if (!text || lc__write_atomic(bl.path, text, strlen(text), err, sizeof err)) {
        if (!bl.write_failed++) {
            const char *why = text ? strrchr(err, ':') : NULL;
            fprintf(stderr, "leakcheck: cannot write baseline '%s': %s\n", bl.path,
                    why ? why + 2 : "out of memory");
        }
    }
    lc__xfree(text);
}

json_t *lc__baseline_judge(int kind, const char *group, const char *name, json_t *entry,
                        struct lc_buf *fail, struct lc_buf *note) {
    if (!lc__baseline_active()) {
        json_decref(entry);
        return NULL;
    }
    char key[1024];
    lc__bl_key(group, name, key, sizeof key);
    json_t *old = lc__bl_get(bl.doc, kind, key);
    if (old)
        json_incref(old); /* an update replaces it below */
    if (entry && !old) {
        bl.added++;
        lc__clause(note, bl.update ? "new in the baseline" : "new: not in the baseline");
    } else if (entry) {
        struct lc_bl_delta d[LC_BL_MAX_METRICS];
        size_t nd = lc__bl_compare(kind, old, entry, 0, d);
        struct lc_buf worse, better;
        lc__buf_init(&worse, lc__xrealloc, lc__xfree);
        lc__buf_init(&better, lc__xrealloc, lc__xfree);
        for (size_t i = 0; i < nd; i++) {
            char t[256];
            if (!d[i].regression && !d[i].improvement)
                continue;
            lc__bl_delta_text(&d[i], t, sizeof t);
            lc__buf_printf(d[i].regression ? &worse : &better, "%s%s",
                      (d[i].regression ? worse.len : better.len) ? ", " : "", t);
        }
        if (worse.len) {
            bl.regressions++;
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            if (bl.update)
                lc__buf_printf(&m, "baseline updated: %s", worse.data);
            else
                lc__buf_printf(&m, "more allocation than the baseline '%s': %s", bl.path,
                          worse.data);
            lc__clause(bl.update ? note : fail, m.data);
            lc__xfree(m.data);
        }
        if (better.len) {
            bl.improvements++;
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            lc__buf_printf(&m, "improved on the baseline: %s%s", better.data,
                      bl.update ? "" : " (LEAKCHECK_BASELINE_UPDATE=1 records it)");
            lc__clause(note, m.data);
            lc__xfree(m.data);
        }
        lc__xfree(worse.data);
        lc__xfree(better.data);
    }
    if (bl.update && entry) {
        json_t *sec = json_object_get(bl.doc, lc__bl_section(kind));
        if (!sec) {
            sec = json_object();
            json_object_set_new(bl.doc, lc__bl_section(kind), sec);
        }
        json_object_set_new(sec, key, entry);
        bl.written++;
        bl_write();
    } else {
        json_decref(entry);
    }
    /* The caller reads the old entry's leak sites; the reference taken above
     * is dropped at the next call. */
    static json_t *held;
    json_decref(held);
    held = old;
    return old;
}

/* ---- budgets ---- */

/* limit: 0 none, negative (LEAKCHECK_NONE) zero, else the limit. */
static void budget_check(struct lc_buf *fail, const char *label, double value, double limit) {
    if (limit == 0)
        return;
    double max = limit < 0 ? 0 : limit;
    if (value <= max)
        return;
    char v[64], l[64];
    lc__bl_num(value, v, sizeof v);
    lc__bl_num(max, l, sizeof l);
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    lc__buf_printf(&m, "%s %s over the budget of %s", label, v, l);
    lc__clause(fail, m.data);
    lc__xfree(m.data);
}

/* A benchmark's peak is for the whole run, a test's per iteration. */
void lc__budget_judge(struct lc_buf *fail, const lc_budget *b, const char *per,
                         double allocs, double bytes, double peak) {
    char what[3][32];
    snprintf(what[0], sizeof what[0], "allocs%s", per);
    snprintf(what[1], sizeof what[1], "bytes%s", per);
    snprintf(what[2], sizeof what[2], "peak bytes%s", strcmp(per, "/op") ? per : "");
    budget_check(fail, what[0], allocs, b->allocs);
    budget_check(fail, what[1], bytes, b->bytes);
    budget_check(fail, what[2], peak, (double)b->peak_bytes);
    if (fail->len) {
        struct lc_buf m;
        lc__buf_init(&m, lc__xrealloc, lc__xfree);
        lc__buf_printf(&m, "over budget: %s", fail->data);
        lc__xfree(fail->data);
        *fail = m;
    }
}

/* ---- tests: budget and baseline, after the engine's verdict ---- */

void lc__gate_test(struct lc_test_result *res, const lc_budget *budget) {
    lc__baseline_load();
    lc__guard_enter();
    struct lc_buf fail, note;
    lc__buf_init(&fail, lc__xrealloc, lc__xfree);
    lc__buf_init(&note, lc__xrealloc, lc__xfree);
    uint64_t allocs, bytes, peak;
    int have = lc__bl_test_counts(res, &allocs, &bytes, &peak);
    if (have && budget)
        lc__budget_judge(&fail, budget, "/iter", (double)allocs, (double)bytes, (double)peak);
    size_t budget_len = fail.len; /* what the budget failed, before the baseline */
    json_t *old = NULL;
    lc__json_enter();
    if (lc__baseline_active())
        old = lc__baseline_judge(LC_BL_TEST, res->group, res->name, lc__bl_test_entry(res), &fail,
                       &note);
    if (old && res->verdict == LC_VERDICT_LEAK) {
        /* A leak the baseline did not know: name its site as new. */
        for (size_t i = 0; i < res->nfindings; i++) {
            char site[1024];
            lc__bl_site_key(&res->findings[i], site, sizeof site);
            if (lc__bl_has_site(old, site))
                continue;
            struct lc_buf m;
            lc__buf_init(&m, lc__xrealloc, lc__xfree);
            lc__buf_printf(&m, "new leak site (not in the baseline): %s", site);
            lc__clause(&note, m.data);
            lc__xfree(m.data);
        }
    }
    lc__json_leave();

    if (fail.len || note.len) {
        struct lc_buf m;
        lc__buf_init(&m, lc__xrealloc, lc__xfree);
        if (res->verdict == LC_VERDICT_CLEAN && fail.len) {
            res->verdict = LC_VERDICT_FAILED;
            res->failure_type = budget_len ? "budget" : "baseline";
            lc__buf_printf(&m, "%s", fail.data);
        } else {
            lc__buf_printf(&m, "%s", res->message ? res->message : "");
            if (fail.len)
                lc__clause(&m, fail.data);
        }
        if (note.len)
            lc__clause(&m, note.data);
        res->message = m.data;
    }
    lc__xfree(fail.data);
    lc__xfree(note.data);
    lc__guard_leave();
}

void lc__baseline_summary(void) {
    const char *prefix;
    FILE *out = lc__console(&prefix);
    if (lc__baseline_active()) {
        if (bl.update)
            fprintf(out,
                    "%s[leakcheck] baseline '%s' updated: %u entr%s written (%u new, %u more "
                    "allocation, %u less)\n",
                    prefix, bl.path, bl.written, bl.written == 1 ? "y" : "ies", bl.added,
                    bl.regressions, bl.improvements);
        else
            fprintf(out,
                    "%s[leakcheck] baseline '%s': %u regression%s, %u improvement%s, %u new "
                    "entr%s\n",
                    prefix, bl.path, bl.regressions, bl.regressions == 1 ? "" : "s",
                    bl.improvements, bl.improvements == 1 ? "" : "s", bl.added,
                    bl.added == 1 ? "y" : "ies");
    }
    fflush(out);
}
