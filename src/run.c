/* run.c: the whole-process mode behind `leakcheck run -- CMD`. The tool
 * preloads this library with LEAKCHECK_RUN_MODE=1; the constructor opens one
 * scope for the process (every thread attributed) and a destructor, which runs
 * after main returned or exit() was called and after the program's own atexit
 * handlers and static destructors, reports every block still live: console text
 * on stderr, the JSON report when LEAKCHECK_JSON is set, and a one-line summary
 * for the tool (LEAKCHECK_RUN_RESULT) which turns it into the exit status.
 * Not on the hook path. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "report.h"

static int run_active;
static char result_path[4096];

void lc__run_start(void) {
    const struct lc_options_values *o = lc__opts();
    lc__guard_enter();
    if (o->run_result && *o->run_result)
        snprintf(result_path, sizeof result_path, "%s", o->run_result);
    /* Only this process reports to the tool; children that follow write their
     * own console and JSON reports. */
    unsetenv("LEAKCHECK_RUN_RESULT");
    if (!o->follow_children) {
        unsetenv("LD_PRELOAD");
        unsetenv("LEAKCHECK_RUN_MODE");
    }
    lc__guard_leave();
    lc_scope_config cfg = {.stacks = -1, .depth = 0, .all_threads = 1};
    if (lc_scope_begin(&cfg) == 0)
        run_active = 1;
}

static void write_result(unsigned long sites, unsigned long blocks, unsigned long long bytes) {
    if (!*result_path)
        return;
    char line[128], err[512];
    int n = snprintf(line, sizeof line, "leaks %lu %lu %llu\n", sites, blocks, bytes);
    if (lc__write_atomic(result_path, line, (size_t)n, err, sizeof err))
        fprintf(stderr, "%s\n", err);
}

__attribute__((destructor)) static void lc_run_finish(void) {
    if (!run_active || getpid() != lc__st.owner_pid)
        return; /* a fork child never writes the parent's reports */
    run_active = 0;
    lc__guard_enter();
    lc_survivors *s = NULL;
    if (lc_scope_survivors(&s) != 0) {
        fprintf(stderr, "leakcheck: out of memory collecting the leak report\n");
        lc_scope_end();
        lc__guard_leave();
        return;
    }
    lc_scope_end();
    size_t nrules;
    struct lc_suppression *rules = lc__builtin_suppressions(&nrules);
    struct lc_report_site *rs = lc__xcalloc(s->nsites ? s->nsites : 1, sizeof *rs);
    size_t nrep = 0;
    unsigned long blocks = 0, sup_blocks = 0, sup_sites = 0;
    unsigned long long bytes = 0;
    for (size_t i = 0; rs && i < s->nsites; i++) {
        struct lc_report_site *r = &rs[nrep];
        r->site = &s->sites[i];
        r->nframes = lc_stack_symbolize(s->sites[i].stack, r->frames, LC_MAX_DEPTH * 2);
        struct lc_suppression *sup = lc__suppressed("leak", r->frames, r->nframes, rules, nrules);
        if (sup) {
            sup->hits++;
            sup_sites++;
            sup_blocks += s->sites[i].blocks;
            continue;
        }
        blocks += s->sites[i].blocks;
        bytes += s->sites[i].bytes;
        nrep++;
    }
    const char *prog = program_invocation_short_name;
    if (nrep) {
        fprintf(stderr,
                "leakcheck: %s (pid %d): %lu leaked block%s, %llu bytes, from %zu allocation "
                "site%s\n",
                prog, (int)getpid(), blocks, blocks == 1 ? "" : "s", bytes, nrep,
                nrep == 1 ? "" : "s");
        for (size_t i = 0; i < nrep; i++) {
            fprintf(stderr, "  %lu block%s, %lu bytes allocated at:\n",
                    (unsigned long)rs[i].site->blocks, rs[i].site->blocks == 1 ? "" : "s",
                    (unsigned long)rs[i].site->bytes);
            if (rs[i].nframes)
                lc__print_frames(stderr, rs[i].frames, rs[i].nframes, 16, "    ");
            else
                fprintf(stderr, "    (no stack: LEAKCHECK_STACKS=0)\n");
        }
    } else {
        fprintf(stderr, "leakcheck: %s (pid %d): no leaks\n", prog, (int)getpid());
    }
    if (sup_sites)
        fprintf(stderr,
                "leakcheck: %lu block%s from %lu site%s suppressed (one-time allocations "
                "of glibc/libunwind kept for the life of the process)\n",
                sup_blocks, sup_blocks == 1 ? "" : "s", sup_sites, sup_sites == 1 ? "" : "s");

    const char *json_path = lc__opts()->json;
    if (json_path && *json_path) {
        char path[4096], err[4600];
        lc__expand_path(json_path, path, sizeof path);
        lc__json_enter();
        json_t *doc = lc__json_document();
        json_t *test = json_object();
        char name[512];
        snprintf(name, sizeof name, "process:%s", prog);
        json_object_set_new(test, "name", json_string(name));
        json_object_set_new(test, "verdict", json_string(nrep ? "leak" : "clean"));
        json_t *findings = json_array();
        for (size_t i = 0; i < nrep; i++) {
            json_t *f = json_object();
            json_object_set_new(f, "kind", json_string("memory"));
            json_object_set_new(f, "blocks", json_integer((json_int_t)rs[i].site->blocks));
            json_object_set_new(f, "bytes", json_integer((json_int_t)rs[i].site->bytes));
            json_object_set_new(f, "stack", lc__json_frames(rs[i].frames, rs[i].nframes));
            json_array_append_new(findings, f);
        }
        json_object_set_new(test, "findings", findings);
        json_t *sups = json_array();
        for (size_t i = 0; i < nrules; i++) {
            if (!rules[i].hits)
                continue;
            json_t *o = json_object();
            json_object_set_new(o, "rule", json_sprintf("%s:%s", rules[i].kind, rules[i].pattern));
            json_object_set_new(o, "why", json_string(rules[i].why));
            json_object_set_new(o, "hits", json_integer((json_int_t)rules[i].hits));
            json_array_append_new(sups, o);
        }
        json_object_set_new(test, "suppressions", sups);
        json_array_append_new(json_object_get(doc, "tests"), test);
        if (lc__json_write(doc, path, err, sizeof err))
            fprintf(stderr, "%s\n", err);
        json_decref(doc);
        lc__json_leave();
    }
    write_result(nrep, blocks, bytes);
    lc__xfree(rs);
    lc_survivors_free(s);
    lc__guard_leave();
}
