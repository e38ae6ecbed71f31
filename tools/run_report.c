/* run_report.c: what `leakcheck run` makes of the records: symbols (libdw,
 * from each record's module map, in this clean process), suppressions, the
 * verdict by leak kind and fd, the console report on stderr, the JSON and
 * JUnit reports (one test per traced process) and the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/frames.h"
#include "../src/options.h"
#include "../src/reach.h"
#include "../src/report.h"
#include "../src/xml.h"
#include "run.h"

/* One judged process. */
struct judged {
    struct rr_proc *p;
    struct lc_symtab *syms;
    struct lc_finding *f; /* memory sites (every kind), fds, threads */
    size_t nf;
    uint64_t kind_blocks[4], kind_bytes[4];
    size_t kind_sites[4];
    uint64_t sup_blocks;
    size_t sup_sites;
    uint64_t unscanned_blocks, unscanned_bytes; /* the scan failed: no kind known */
    size_t unscanned_sites;
    size_t failing_sites, failing_fds;
    uint64_t failing_blocks, failing_bytes;
};

static const char *const kind_title[4] = {"definitely lost", "indirectly lost", "possibly lost",
                                          "still reachable"};

/* module+0xOFFSET for a frame without file:line, from the record's own module
 * map (the frames being printed belong to cur_syms' process). */
static struct lc_symtab *cur_syms;
static const char *where_in_record(const lc_frame *f, char *buf, size_t len) {
    const char *path;
    uintptr_t off;
    if (cur_syms && lc__symtab_module_of(cur_syms, f->address, UINT32_MAX, &path, &off) == 1 &&
        path) {
        const char *base = strrchr(path, '/');
        snprintf(buf, len, "%s+0x%lx", base ? base + 1 : path, (unsigned long)off);
    } else {
        snprintf(buf, len, "0x%lx", (unsigned long)f->address);
    }
    return buf;
}

static int kind_fails(int kind) { return (lc__opts()->leak_kinds >> kind) & 1; }

static lc_frame *resolve(struct judged *j, uint32_t id, int *n) {
    const struct rr_stack *s = lc_run_stack(j->p, id);
    *n = 0;
    if (!s || !j->syms)
        return NULL;
    lc_frame *fr = calloc(LC_MAX_DEPTH * 2, sizeof *fr);
    if (fr)
        *n = lc__cut_sanitizer_top(
            fr, lc__symtab_resolve(j->syms, s->pcs, s->n, s->epoch, fr, LC_MAX_DEPTH * 2));
    /* leakcheck's own frames are never shown: its main wrapper below the
     * program's frames, and the wrappers the program called through (opendir,
     * fopen, popen, tmpfile, operator new[]'s slow path) between them */
    int k = 0;
    for (int i = 0; fr && i < *n; i++)
        if (k + (*n - i) <= 1 || fr[i].address < j->p->self_lo || fr[i].address >= j->p->self_hi)
            fr[k++] = fr[i];
    *n = k;
    return fr;
}

/* "definitely lost: 3 blocks, 72 B  fn (file:line)"; title: the kind's words. */
static char *site_summary(const char *title, const struct rr_site *s, const lc_frame *fr, int n) {
    char *text = NULL, where[512] = "";
    const lc_frame *top = n ? &fr[0] : NULL;
    if (top && top->file)
        snprintf(where, sizeof where, " (%s:%u)", top->file, top->line);
    else if (top && !top->function) { /* a stripped library's frame: where it is */
        char mod[400];
        snprintf(where, sizeof where, " (%s)", where_in_record(top, mod, sizeof mod));
    }
    if (asprintf(&text, "%s: %llu block%s, %llu B  %s%s", title,
                 (unsigned long long)s->blocks, s->blocks == 1 ? "" : "s",
                 (unsigned long long)s->bytes, top && top->function ? top->function : "??",
                 where) < 0)
        return NULL;
    return text;
}

/* A site of a process whose scan at exit failed: its blocks are live, but
 * whether anything still points to them is not known. */
static void note_unscanned(struct judged *j, const struct rr_site *s, lc_frame *fr, int n) {
    j->unscanned_blocks += s->blocks;
    j->unscanned_bytes += s->bytes;
    j->unscanned_sites++;
    j->f[j->nf++] = (struct lc_finding){.kind = LC_FINDING_MEMORY, .blocks = s->blocks,
                                        .bytes = s->bytes, .stack = fr, .nstack = n,
                                        .summary = site_summary("not classified", s, fr, n),
                                        .informational = 1};
}

static void judge_sites(struct judged *j, struct lc_suppression *rules, size_t nrules) {
    cur_syms = j->syms; /* for the summaries' module+offset */
    for (size_t i = 0; i < j->p->nsites; i++) {
        const struct rr_site *s = &j->p->sites[i];
        int n;
        lc_frame *fr = resolve(j, s->stack, &n);
        struct lc_suppression *sup = lc__suppressed("leak", NULL, fr, n, rules, nrules);
        if (sup && s->kind != LC_REACH_REACHABLE) {
            sup->hits++;
            j->sup_sites++;
            j->sup_blocks += s->blocks;
            free(fr);
            continue;
        }
        if (j->p->unscanned) { /* listed, with no kind and never failing */
            note_unscanned(j, s, fr, n);
            continue;
        }
        j->kind_blocks[s->kind] += s->blocks;
        j->kind_bytes[s->kind] += s->bytes;
        j->kind_sites[s->kind]++;
        /* --sample: only sampled blocks have records, and the others were not
         * scanned, so no kind is known for sure: listed, never failing */
        int fails = kind_fails(s->kind) && !j->p->sample_rate;
        if (fails) {
            j->failing_sites++;
            j->failing_blocks += s->blocks;
            j->failing_bytes += s->bytes;
        }
        j->f[j->nf++] = (struct lc_finding){
            .kind = LC_FINDING_MEMORY, .blocks = s->blocks, .bytes = s->bytes, .stack = fr,
            .nstack = n, .summary = site_summary(kind_title[s->kind], s, fr, n),
            .leak_kind = lc__reach_kind_name(s->kind), .informational = !fails};
    }
}

static void judge_fds(struct judged *j, struct lc_suppression *rules, size_t nrules) {
    for (size_t i = 0; i < j->p->nfds; i++) {
        const struct rr_fd *d = &j->p->fds[i];
        int n;
        lc_frame *fr = resolve(j, d->stack, &n);
        struct lc_suppression *sup = lc__suppressed("fd", d->target, fr, n, rules, nrules);
        if (sup) {
            sup->hits++;
            free(fr);
            continue;
        }
        /* the sanitizer runtime's own, listed in the JSON, never failing */
        int runtime = lc__sanitizer_exit_work(fr, n);
        int fails = lc__opts()->track_fds != 0 && !runtime;
        j->failing_fds += fails;
        char *text = NULL;
        if (asprintf(&text, "fd %d open at exit: %s%s", d->fd, d->target ? d->target : "?",
                     runtime ? " (the sanitizer runtime's, opened by its exit-time report)"
                             : "") < 0)
            text = NULL;
        j->f[j->nf++] = (struct lc_finding){.kind = LC_FINDING_FD, .fd = d->fd,
                                            .fd_target = d->target, .stack = fr, .nstack = n,
                                            .summary = text, .informational = !fails};
    }
}

/* The state of a thread whose handle the scan found nowhere, else NULL. */
static const char *dropped_state(const struct rr_proc *p, int tid) {
    for (size_t i = 0; i < p->ndropped; i++)
        if (p->dropped[i].tid == tid)
            return p->dropped[i].name ? p->dropped[i].name : "running";
    return NULL;
}

static void list_threads(struct judged *j) {
    const char *dropped = ", its pthread_t stored nowhere reachable";
    for (size_t i = 0; i < j->p->nthreads; i++) {
        char *text = NULL;
        int drop = dropped_state(j->p, j->p->threads[i].tid) != NULL;
        if (asprintf(&text, "thread %d (%s) still running at exit%s", j->p->threads[i].tid,
                     j->p->threads[i].name ? j->p->threads[i].name : "?",
                     drop ? dropped : "") < 0)
            text = NULL;
        j->f[j->nf++] = (struct lc_finding){
            .kind = LC_FINDING_THREAD, .thread_tid = j->p->threads[i].tid,
            .thread_name = j->p->threads[i].name, .thread_state = "running",
            .summary = text, .informational = 1};
    }
    /* exited, never joined nor detached: gone from /proc, its stack kept */
    for (size_t i = 0; i < j->p->ndropped; i++) {
        const struct rr_thread *d = &j->p->dropped[i];
        if (!d->name || strcmp(d->name, "exited-unjoined") != 0)
            continue;
        char *text = NULL;
        if (asprintf(&text, "thread %d exited and was never joined%s", d->tid, dropped) < 0)
            text = NULL;
        j->f[j->nf++] = (struct lc_finding){
            .kind = LC_FINDING_THREAD, .thread_tid = d->tid, .thread_state = "exited-unjoined",
            .summary = text, .informational = 1};
    }
}

/* Threads that exited and were never joined nor detached (listed apart). */
static size_t exited_unjoined(const struct rr_proc *p) {
    size_t n = 0;
    for (size_t i = 0; i < p->ndropped; i++)
        n += p->dropped[i].name && strcmp(p->dropped[i].name, "exited-unjoined") == 0;
    return n;
}

/* Mappings left at exit: information, never a failure. */
static void list_mappings(struct judged *j) {
    for (size_t i = 0; i < j->p->nmaps; i++) {
        const struct rr_map *m = &j->p->maps[i];
        int n;
        lc_frame *fr = resolve(j, m->stack, &n);
        char prot[5] = {m->prot & 1 ? 'r' : '-', m->prot & 2 ? 'w' : '-', m->prot & 4 ? 'x' : '-',
                        m->flags & 1 ? 's' : 'p', 0}; /* PROT_READ/WRITE/EXEC, MAP_SHARED */
        char *text = NULL;
        if (asprintf(&text, "mapping of %llu bytes %s %s still mapped at exit",
                     (unsigned long long)m->len, prot,
                     m->shm ? "shm segment" : m->file ? m->file : "anonymous") < 0)
            text = NULL;
        j->f[j->nf++] = (struct lc_finding){
            .kind = LC_FINDING_MAPPING, .blocks = 1, .bytes = m->len, .map_addr = m->start,
            .map_len = m->len, .map_prot = lc__intern(prot), .map_file = m->file,
            .map_shm = m->shm, .stack = fr, .nstack = n, .summary = text, .informational = 1};
    }
}

static int judge(struct judged *j, struct rr_proc *p, struct lc_suppression *rules,
                 size_t nrules) {
    memset(j, 0, sizeof *j);
    j->p = p;
    j->syms = lc__symtab_new(p->mods, p->nmods);
    if (j->syms)
        lc__symtab_set_wrapper_range(j->syms, p->wrap_lo, p->wrap_hi);
    j->f = calloc(p->nsites + p->nfds + p->nthreads + p->nmaps + p->ndropped + 1,
                  sizeof *j->f);
    if (!j->f)
        return -1;
    judge_sites(j, rules, nrules);
    judge_fds(j, rules, nrules);
    list_threads(j);
    list_mappings(j);
    return 0;
}

static int failing(const struct judged *j) { return j->failing_sites || j->failing_fds; }

/* "2 leaked blocks, 72 bytes, from 2 allocation sites, lost at exit; 1 fd left open" */
static void headline(const struct judged *j, char *buf, size_t len) {
    size_t o = 0;
    buf[0] = 0;
    if (j->failing_sites)
        o += (size_t)snprintf(buf, len, "%llu leaked block%s, %llu bytes, from %zu allocation "
                              "site%s, lost at exit", (unsigned long long)j->failing_blocks,
                              j->failing_blocks == 1 ? "" : "s",
                              (unsigned long long)j->failing_bytes, j->failing_sites,
                              j->failing_sites == 1 ? "" : "s");
    if (j->failing_fds && o < len)
        snprintf(buf + o, len - o, "%s%zu fd%s left open", o ? "; " : "", j->failing_fds,
                 j->failing_fds == 1 ? "" : "s");
}

static const char *kind_words(const char *leak_kind) {
    for (int k = 0; k < 4; k++)
        if (leak_kind && strcmp(leak_kind, lc__reach_kind_name(k)) == 0)
            return kind_title[k];
    return "lost";
}

/* The failing findings with their whole stacks, for JUnit bodies. */
static char *details_text(const struct judged *j) {
    struct lc_buf b;
    lc__buf_init(&b, realloc, free);
    for (size_t i = 0; i < j->nf; i++) {
        const struct lc_finding *f = &j->f[i];
        if (f->informational || f->kind == LC_FINDING_THREAD)
            continue;
        if (f->kind == LC_FINDING_MEMORY)
            lc__buf_printf(&b, "%llu block%s, %llu bytes %s, allocated at:\n",
                           (unsigned long long)f->blocks, f->blocks == 1 ? "" : "s",
                           (unsigned long long)f->bytes, kind_words(f->leak_kind));
        else
            lc__buf_printf(&b, "fd %d (%s) open at exit, opened at:\n", f->fd,
                           f->fd_target ? f->fd_target : "?");
        for (int k = 0; k < f->nstack; k++) {
            const lc_frame *fr = &f->stack[k];
            lc__buf_printf(&b, "  #%-2d %s", k, fr->function ? fr->function : "??");
            if (fr->file)
                lc__buf_printf(&b, " (%s:%u)", fr->file, fr->line);
            lc__buf_puts(&b, fr->inlined ? " [inlined]\n" : "\n");
        }
    }
    return b.failed ? NULL : b.data;
}

/* ---- console ---- */

static void print_summary(FILE *out, const struct judged *j) {
    if (j->p->unscanned && j->unscanned_sites)
        fprintf(out, "leakcheck:   %15s: %llu block%s, %llu bytes in %zu site%s (live at exit; "
                "no reachability scan)\n", "not classified",
                (unsigned long long)j->unscanned_blocks, j->unscanned_blocks == 1 ? "" : "s",
                (unsigned long long)j->unscanned_bytes, j->unscanned_sites,
                j->unscanned_sites == 1 ? "" : "s");
    for (int k = 0; k < 4 && !j->p->unscanned; k++)
        if (j->kind_sites[k] || k < 2)
            fprintf(out, "leakcheck:   %15s: %llu block%s, %llu bytes in %zu site%s%s\n",
                    kind_title[k], (unsigned long long)j->kind_blocks[k],
                    j->kind_blocks[k] == 1 ? "" : "s", (unsigned long long)j->kind_bytes[k],
                    j->kind_sites[k], j->kind_sites[k] == 1 ? "" : "s",
                    kind_fails(k) ? "" : " (not failing: --leak-kinds)");
    if (j->sup_sites)
        fprintf(out, "leakcheck:   %15s: %llu block%s from %zu site%s (built-in and "
                "--suppressions rules)\n", "suppressed", (unsigned long long)j->sup_blocks,
                j->sup_blocks == 1 ? "" : "s", j->sup_sites, j->sup_sites == 1 ? "" : "s");
    size_t unjoined = exited_unjoined(j->p);
    if (j->p->nthreads && !unjoined)
        fprintf(out, "leakcheck:   %15s: %zu (information)\n", "threads at exit",
                j->p->nthreads);
    else if (unjoined) /* gone from /proc, but never joined nor detached */
        fprintf(out, "leakcheck:   %15s: %zu (information: %zu running, %zu exited and never "
                "joined)\n", "threads at exit", j->p->nthreads + unjoined, j->p->nthreads,
                unjoined);
    if (j->p->nmaps)
        fprintf(out, "leakcheck:   %15s: %zu (information)\n", "mappings at exit",
                j->p->nmaps);
}

/* Failing findings, largest sites first as the record lists them, at most
 * LC_RUN_SHOWN of them on the console (the JSON has all). */
#define LC_RUN_SHOWN 20
static void print_findings(FILE *out, const struct judged *j) {
    size_t shown = 0, total = j->failing_sites + j->failing_fds;
    for (size_t i = 0; i < j->nf; i++) {
        const struct lc_finding *f = &j->f[i];
        if (f->informational || f->kind == LC_FINDING_THREAD)
            continue;
        if (shown++ == LC_RUN_SHOWN) {
            const char *json = lc__opts()->json;
            if (json && *json)
                fprintf(out, "  ... and %zu more (every one is in the JSON report, %s)\n",
                        total - LC_RUN_SHOWN, json);
            else
                fprintf(out, "  ... and %zu more (--json FILE lists every one)\n",
                        total - LC_RUN_SHOWN);
            break;
        }
        if (f->kind == LC_FINDING_MEMORY)
            fprintf(out, "  %llu block%s, %llu bytes %s, allocated at:\n",
                    (unsigned long long)f->blocks, f->blocks == 1 ? "" : "s",
                    (unsigned long long)f->bytes, kind_words(f->leak_kind));
        else
            fprintf(out, "  fd %d (%s) open at exit, not at start-up; opened at:\n", f->fd,
                    f->fd_target ? f->fd_target : "?");
        if (f->nstack)
            lc__print_frames(out, f->stack, f->nstack, 16, "    ");
        else
            fprintf(out, "    (no stack%s)\n",
                    f->kind == LC_FINDING_FD ? ": opened by a call leakcheck does not wrap: "
                                                "inside glibc, a raw syscall, or a library "
                                                "calling libc through its own dlsym"
                                             : ": LEAKCHECK_STACKS=0");
    }
}

static const char *unscanned_why(const struct rr_proc *p) {
    if (!strcmp(p->unscanned, "out-of-memory"))
        return "the reachability scan at exit failed: out of memory; an address-space limit, "
               "ulimit -v?";
    if (!strcmp(p->unscanned, "no-memory-to-list"))
        return "no memory to list the live blocks at exit; an address-space limit, ulimit -v?";
    return p->unscanned;
}

static void print_process(FILE *out, const struct judged *j) {
    const struct rr_proc *p = j->p;
    cur_syms = j->syms;
    lc__frame_where_hook = where_in_record;
    const char *prog = p->prog ? p->prog : "?";
    if (failing(j)) {
        char line[512];
        headline(j, line, sizeof line);
        fprintf(out, "leakcheck: %s (pid %d): %s\n", prog, p->pid, line);
        print_findings(out, j);
    } else if (p->unscanned) {
        fprintf(out, "leakcheck: %s (pid %d): memory not judged (%s); %llu block%s, %llu bytes "
                "live at exit\n", prog, p->pid, unscanned_why(p),
                (unsigned long long)p->counters[4], p->counters[4] == 1 ? "" : "s",
                (unsigned long long)p->counters[5]);
    } else if (p->sample_rate) {
        fprintf(out, "leakcheck: %s (pid %d): memory not judged (--sample=%llu: only sampled "
                "blocks have records); %llu blocks, %llu bytes live at exit\n", prog, p->pid,
                (unsigned long long)p->sample_rate, (unsigned long long)p->counters[4],
                (unsigned long long)p->counters[5]);
    } else {
        fprintf(out, "leakcheck: %s (pid %d): no leaks\n", prog, p->pid);
    }
    print_summary(out, j);
    for (size_t i = 0; i < p->nnotes; i++)
        fprintf(out, "leakcheck: %s (pid %d): %s\n", prog, p->pid, p->notes[i]);
    const char *first = NULL;
    size_t bad = j->syms ? lc__symtab_mismatches(j->syms, &first) : 0;
    if (bad)
        fprintf(out, "leakcheck: %s (pid %d): %zu module%s changed on disk since the program "
                "loaded %s (build-id differs; first: %s): their frames have no symbols\n",
                prog, p->pid, bad, bad == 1 ? "" : "s", bad == 1 ? "it" : "them",
                first ? first : "?");
}

/* ---- JSON and JUnit ---- */

static void fill_test(struct lc_test_result *t, const struct judged *j, int main_proc,
                      const struct run_outcome *o, struct lc_suppression *rules, size_t nrules,
                      struct lc_suppression_hit *hits) {
    char *name = NULL, *msg = NULL;
    const char *prog = j->p->prog ? j->p->prog : "?";
    if ((main_proc ? asprintf(&name, "process:%s", prog)
                   : asprintf(&name, "process:%s[%d]", prog, j->p->pid)) < 0)
        name = NULL;
    char line[512];
    headline(j, line, sizeof line);
    if (failing(j))
        msg = strdup(line);
    size_t nhits = 0;
    for (size_t i = 0; i < nrules; i++)
        if (rules[i].hits) {
            char *rule = NULL;
            if (asprintf(&rule, "%s:%s", rules[i].kind, rules[i].pattern) < 0)
                rule = NULL;
            hits[nhits++] = (struct lc_suppression_hit){rule, rules[i].why, rules[i].hits};
        }
    *t = (struct lc_test_result){
        .name = name, .group = j->p->prog,
        .verdict = failing(j)                           ? LC_VERDICT_LEAK
                   : j->p->sample_rate || j->p->unscanned ? LC_VERDICT_SKIPPED
                                                        : LC_VERDICT_CLEAN,
        .duration = o->seconds, .nfindings = j->nf, .findings = j->f,
        .nsuppressed = nhits, .suppressed = hits,
        .message = msg                ? msg
                   : j->p->unscanned   ? "memory not judged: no reachability scan at exit (out of memory)"
                   : j->p->sample_rate ? "memory not judged: --sample tracks only sampled blocks"
                                        : "no leaks",
        .details = failing(j) ? details_text(j) : NULL};
}

/* Returns how many of the reports asked for could not be written. */
static int write_reports(struct judged *js, size_t n, const struct run_outcome *o,
                         struct lc_suppression *rules, size_t nrules) {
    const struct lc_options_values *opt = lc__opts();
    int want_json = opt->json && *opt->json, want_junit = opt->junit && *opt->junit;
    if (!want_json && !want_junit)
        return 0;
    struct lc_test_result *t = calloc(n ? n : 1, sizeof *t);
    struct lc_suppression_hit *hits = calloc((nrules ? nrules : 1) * (n ? n : 1), sizeof *hits);
    if (!t || !hits) {
        fprintf(stderr, "leakcheck: run: out of memory writing the reports\n");
        free(t);
        free(hits);
        return want_json + want_junit;
    }
    for (size_t i = 0; i < n; i++)
        fill_test(&t[i], &js[i], i == 0, o, rules, nrules, hits + i * nrules);
    struct lc_run run = {.binary = js[0].p->prog, .ntests = n, .tests = t,
                         .pid = js[0].p->pid, .program = js[0].p->exe,
                         .series = js[0].p->series, .nseries = js[0].p->nseries,
                         .sampling_bytes = js[0].p->sample_rate};
    char err[4600];
    int bad = 0;
    if (want_json && lc__report_write_json(&run, opt->json, err, sizeof err) && ++bad)
        fprintf(stderr, "%s\n", err);
    if (want_junit && lc__report_write_junit(&run, opt->junit, err, sizeof err) && ++bad)
        fprintf(stderr, "%s\n", err);
    free(t);
    free(hits);
    return bad;
}

int lc_run_report(struct rr_proc *procs, size_t n, const struct run_outcome *o) {
    size_t nrules;
    struct lc_suppression *rules = lc__suppressions(&nrules);
    struct judged *js = calloc(n ? n : 1, sizeof *js);
    int any = 0;
    if (!js) {
        fprintf(stderr, "leakcheck: run: out of memory judging the report\n");
        return LC_RUN_EXIT_NO_REPORT;
    }
    for (size_t i = 0; i < n; i++) {
        if (judge(&js[i], &procs[i], rules, nrules)) {
            fprintf(stderr, "leakcheck: run: out of memory judging the report\n");
            return LC_RUN_EXIT_NO_REPORT;
        }
        print_process(stderr, &js[i]);
        any |= failing(&js[i]) ? 1 : js[i].p->unscanned ? 2 : 0;
    }
    int bad = write_reports(js, n, o, rules, nrules);
    const char *pprof = lc__opts()->pprof;
    char err[4600];
    if (pprof && *pprof && lc_pprof_write_records(procs, n, pprof, err, sizeof err) && ++bad)
        fprintf(stderr, "%s\n", err); /* the other reports are written already */
    if (bad)
        any |= 4;
    for (size_t i = 0; i < n; i++)
        lc__symtab_free(js[i].syms);
    free(js);
    return any;
}
