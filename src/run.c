/* run.c: the whole-process mode behind `leakcheck run -- CMD`. The tool
 * preloads this library with LEAKCHECK_RUN_MODE=1; the constructor opens one
 * scope for the process (every thread attributed) and a destructor, which runs
 * after main returned or exit() was called and after the program's own atexit
 * handlers and static destructors, reports every block still live: console text
 * on stderr, the JSON and JUnit reports when LEAKCHECK_JSON / LEAKCHECK_JUNIT
 * are set, and a one-line summary for the tool (LEAKCHECK_RUN_RESULT) which
 * turns it into the exit status.
 * Not on the hook path. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "options.h"
#include "report.h"
#include "run.h"
#include "sanitizer.h"
#include "xml.h"

static int run_active;
static char result_path[4096];
/* A copy of the program's stderr taken at start-up: programs often close
 * stdout and stderr in an atexit handler (coreutils' close_stdout), which runs
 * before our destructor. The copy has FD_CLOEXEC and a high number. */
static int report_fd = -1;
static FILE *report_out;

static FILE *report_stream(void) {
    if (report_out)
        return report_out;
    if (report_fd >= 0 && fcntl(report_fd, F_GETFD) != -1)
        report_out = fdopen(report_fd, "w");
    if (!report_out)
        report_out = stderr;
    return report_out;
}
static struct timespec run_t0; /* the process's start, for the report's duration */

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
    clock_gettime(CLOCK_MONOTONIC, &run_t0);
    report_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 100);
    const char *unobserved = lc__malloc_unobserved(); /* no report rather than CLEAN */
    if (unobserved) {
        fprintf(report_stream(), "%s\n", unobserved);
        return;
    }
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
        fprintf(report_stream(), "%s\n", err);
}

/* The JSON and JUnit reports of the process: one test, "process:PROGRAM", with
 * a memory finding per leaking site, written by the same writers as the
 * harness's reports (report_json.c, report_junit.c), so they follow the schema
 * and `leakcheck report` reads them. */
static void write_reports(const char *prog, const struct lc_report_site *rs, size_t nrep,
                          const struct lc_suppression *rules, size_t nrules,
                          unsigned long blocks, unsigned long long bytes) {
    const struct lc_options_values *o = lc__opts();
    int want_json = o->json && *o->json, want_junit = o->junit && *o->junit;
    if (!want_json && !want_junit)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct lc_finding *fs = lc__xcalloc(nrep ? nrep : 1, sizeof *fs);
    struct lc_suppression_hit *hits = lc__xcalloc(nrules ? nrules : 1, sizeof *hits);
    char **texts = lc__xcalloc(nrep + nrules + 1, sizeof *texts);
    struct lc_buf details;
    lc__buf_init(&details, lc__xrealloc, lc__xfree);
    size_t ntexts = 0, nhits = 0;
    char name[512], message[256];
    if (!fs || !hits || !texts)
        goto out;
    for (size_t i = 0; i < nrep; i++) {
        const struct lc_report_site *r = &rs[i];
        struct lc_buf line;
        lc__buf_init(&line, lc__xrealloc, lc__xfree);
        lc__buf_printf(&line, "%llu block%s, %llu B", (unsigned long long)r->site->blocks,
                       r->site->blocks == 1 ? "" : "s", (unsigned long long)r->site->bytes);
        for (int k = 0; k < r->nframes && k < 3; k++) {
            lc__buf_printf(&line, "%s%s", k ? " <- " : "  ",
                           r->frames[k].function ? r->frames[k].function : "??");
            if (k == 0 && r->frames[k].file)
                lc__buf_printf(&line, " (%s:%u)", r->frames[k].file, r->frames[k].line);
        }
        texts[ntexts++] = line.data;
        lc__buf_printf(&details, "%llu block%s, %llu bytes allocated at:\n",
                       (unsigned long long)r->site->blocks, r->site->blocks == 1 ? "" : "s",
                       (unsigned long long)r->site->bytes);
        for (int k = 0; k < r->nframes; k++) {
            const lc_frame *f = &r->frames[k];
            lc__buf_printf(&details, "  #%-2d %s", k, f->function ? f->function : "??");
            if (f->file)
                lc__buf_printf(&details, " (%s:%u)", f->file, f->line);
            else
                lc__buf_printf(&details, " (0x%lx)", (unsigned long)f->address);
            lc__buf_puts(&details, f->inlined ? " [inlined]\n" : "\n");
        }
        fs[i] = (struct lc_finding){.kind = LC_FINDING_MEMORY, .blocks = r->site->blocks,
                                    .bytes = r->site->bytes, .stack = (lc_frame *)r->frames,
                                    .nstack = r->nframes, .summary = line.data};
    }
    for (size_t i = 0; i < nrules; i++) {
        if (!rules[i].hits)
            continue;
        char *rule = lc__xmalloc(strlen(rules[i].kind) + strlen(rules[i].pattern) + 2);
        if (rule)
            sprintf(rule, "%s:%s", rules[i].kind, rules[i].pattern);
        texts[ntexts++] = rule;
        hits[nhits++] = (struct lc_suppression_hit){rule, rules[i].why, rules[i].hits};
    }
    snprintf(name, sizeof name, "process:%s", prog);
    if (nrep)
        snprintf(message, sizeof message, "%lu leaked block%s, %llu bytes, from %zu allocation "
                 "site%s (still live at exit)", blocks, blocks == 1 ? "" : "s", bytes, nrep,
                 nrep == 1 ? "" : "s");
    else
        snprintf(message, sizeof message, "no leaks");
    struct lc_test_result t = {
        .name = name, .group = prog, .verdict = nrep ? LC_VERDICT_LEAK : LC_VERDICT_CLEAN,
        .duration = (double)(now.tv_sec - run_t0.tv_sec) +
                    (double)(now.tv_nsec - run_t0.tv_nsec) / 1e9,
        .nfindings = nrep, .findings = fs, .nsuppressed = nhits, .suppressed = hits,
        .message = message, .details = details.failed ? NULL : details.data};
    struct lc_run run = {.binary = prog, .ntests = 1, .tests = &t};
    char err[4600];
    if (want_json && lc__report_write_json(&run, o->json, err, sizeof err))
        fprintf(report_stream(), "%s\n", err);
    if (want_junit && lc__report_write_junit(&run, o->junit, err, sizeof err))
        fprintf(report_stream(), "%s\n", err);
out:
    for (size_t i = 0; texts && i < ntexts; i++)
        lc__xfree(texts[i]);
    lc__xfree(texts);
    lc__xfree(hits);
    lc__xfree(fs);
    lc__buf_free(&details);
}

__attribute__((destructor)) static void lc_run_finish(void) {
    if (!run_active || getpid() != lc__st.owner_pid)
        return; /* a fork child never writes the parent's reports */
    run_active = 0;
    lc__guard_enter();
    lc_survivors *s = NULL;
    if (lc_scope_survivors(&s) != 0) {
        fprintf(report_stream(), "leakcheck: out of memory collecting the leak report\n");
        lc_scope_end();
        lc__guard_leave();
        return;
    }
    lc_scope_end();
    size_t nrules;
    struct lc_suppression *rules = lc__suppressions(&nrules);
    struct lc_report_site *rs = lc__xcalloc(s->nsites ? s->nsites : 1, sizeof *rs);
    size_t nrep = 0;
    unsigned long blocks = 0, sup_blocks = 0, sup_sites = 0;
    unsigned long long bytes = 0;
    for (size_t i = 0; rs && i < s->nsites; i++) {
        struct lc_report_site *r = &rs[nrep];
        r->site = &s->sites[i];
        r->nframes = lc_stack_symbolize(s->sites[i].stack, r->frames, LC_MAX_DEPTH * 2);
        struct lc_suppression *sup = lc__suppressed("leak", NULL, r->frames, r->nframes, rules, nrules);
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
        fprintf(report_stream(),
                "leakcheck: %s (pid %d): %lu leaked block%s, %llu bytes, from %zu allocation "
                "site%s\n",
                prog, (int)getpid(), blocks, blocks == 1 ? "" : "s", bytes, nrep,
                nrep == 1 ? "" : "s");
        for (size_t i = 0; i < nrep; i++) {
            fprintf(report_stream(), "  %lu block%s, %lu bytes allocated at:\n",
                    (unsigned long)rs[i].site->blocks, rs[i].site->blocks == 1 ? "" : "s",
                    (unsigned long)rs[i].site->bytes);
            if (rs[i].nframes)
                lc__print_frames(report_stream(), rs[i].frames, rs[i].nframes, 16, "    ");
            else
                fprintf(report_stream(), "    (no stack: LEAKCHECK_STACKS=0)\n");
        }
    } else {
        fprintf(report_stream(), "leakcheck: %s (pid %d): no leaks\n", prog, (int)getpid());
    }
    if (sup_sites)
        fprintf(report_stream(),
                "leakcheck: %lu block%s from %lu site%s suppressed (one-time allocations "
                "of glibc/libunwind kept for the life of the process)\n",
                sup_blocks, sup_blocks == 1 ? "" : "s", sup_sites, sup_sites == 1 ? "" : "s");

    write_reports(prog, rs, nrep, rules, nrules, blocks, bytes);
    write_result(nrep, blocks, bytes);
    fflush(report_stream());
    lc__xfree(rs);
    lc_survivors_free(s);
    lc__guard_leave();
}
