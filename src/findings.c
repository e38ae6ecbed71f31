/* findings.c: a test's findings from what grew: leaking allocation sites (or
 * the aggregate growth without stacks), threads left running or unjoined, fds
 * left open. Symbolizes stacks (lc_stack_symbolize), applies the test's
 * expected-leak rules and the suppressions (suppress.c), writes each summary
 * line. Report time, guard up, never on the hook path. */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "children.h"
#include "console.h"
#include "findings.h"
#include "frames.h"
#include "internal.h"
#include "maps.h"
#include "reach.h"
#include "thread_registry.h"
#include "xml.h"


/* ---- rules ---- */

int lc__rules_for_test(struct lc_rules *rules, const char *expect, char *err, size_t errlen) {
    memset(rules, 0, sizeof *rules);
    if (expect && lc__rules_parse(expect, "expect", &rules->r, &rules->n, err, errlen))
        return -1;
    rules->nexpect = rules->n;
    /* The built-in rules describe what glibc keeps until exit (leakcheck run);
     * a test is judged on growth, and growth inside glibc per iteration (a
     * thread's TLS block, setenv strings) comes from the code under test. */
    size_t nsup;
    struct lc_suppression *sup = lc__suppressions_user(&nsup);
    struct lc_suppression *all = lc__xrealloc(rules->r, (rules->n + nsup) * sizeof *all);
    if (all) {
        memcpy(all + rules->n, sup, nsup * sizeof *all);
        rules->r = all;
        rules->n += nsup;
    }
    return 0;
}

void lc__rules_free(struct lc_rules *rules) {
    lc__xfree(rules->r);
    memset(rules, 0, sizeof *rules);
}

void lc__rules_add_builtin(struct lc_rules *rules) {
    size_t nb;
    struct lc_suppression *b = lc__builtin_suppressions(&nb);
    struct lc_suppression *all = lc__xrealloc(rules->r, (rules->n + nb) * sizeof *all);
    if (!all)
        return;
    memcpy(all + rules->n, b, nb * sizeof *all);
    rules->r = all;
    rules->n += nb;
}

/* Applies the rules to a finding, then the built-in test-time rules; returns
 * 1 when it is suppressed or expected. */
static int filter_finding(struct lc_test_result *res, struct lc_rules *rules, const char *kind,
                          const char *subject, const lc_frame *frames, int n) {
    struct lc_suppression *s = lc__suppressed(kind, subject, frames, n, rules->r, rules->n);
    int expected = s && s < rules->r + rules->nexpect;
    /* then what a library keeps by design (suppress_test.c) */
    if (!s && strcmp(kind, "leak") == 0)
        s = lc__test_rule_match(frames, n);
    if (!s)
        return 0;
    s->hits++;
    char *rule = lc__xsprintf("%s:%s", s->kind, s->pattern);
    for (size_t i = 0; i < res->nsuppressed; i++) {
        if (rule && strcmp(res->suppressed[i].rule, rule) == 0) {
            res->suppressed[i].hits++;
            lc__xfree(rule);
            return 1;
        }
    }
    struct lc_suppression_hit *h =
        lc__xrealloc(res->suppressed, (res->nsuppressed + 1) * sizeof *h);
    if (h) {
        res->suppressed = h;
        h[res->nsuppressed++] = (struct lc_suppression_hit){
            rule, expected ? "expected by the test" : s->why, 1};
    }
    return 1;
}

/* ---- helpers ---- */

static struct lc_finding *add_finding(struct lc_test_result *r, int kind) {
    struct lc_finding *n = lc__xrealloc(r->findings, (r->nfindings + 1) * sizeof *n);
    if (!n)
        return NULL;
    r->findings = n;
    struct lc_finding *f = &n[r->nfindings++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->fd = -1;
    return f;
}

static lc_frame *frames_copy(uint32_t stack, int *n) {
    lc_frame tmp[LC_MAX_DEPTH * 2];
    *n = stack ? lc_stack_symbolize(stack, tmp, LC_MAX_DEPTH * 2) : 0;
    *n = lc__frames_drop_own(tmp, *n); /* never leakcheck's own frames */
    if (!*n)
        return NULL;
    lc_frame *f = lc__xmalloc((size_t)*n * sizeof *f);
    if (f)
        memcpy(f, tmp, (size_t)*n * sizeof *f);
    else
        *n = 0;
    return f;
}

/* A finding of this kind for a depot stack, unless a rule of rule_kind
 * (matching subject or a frame) suppresses it. NULL when suppressed
 * (*suppressed = 1) or out of memory (*suppressed = 0). */
static struct lc_finding *stack_finding(struct lc_test_result *res, struct lc_rules *rules,
                                        int kind, const char *rule_kind, const char *subject,
                                        uint32_t stack, int *suppressed) {
    int nf;
    lc_frame *fr = frames_copy(stack, &nf);
    *suppressed = filter_finding(res, rules, rule_kind, subject, fr, nf);
    struct lc_finding *f = *suppressed ? NULL : add_finding(res, kind);
    if (!f) {
        lc__xfree(fr);
        return NULL;
    }
    f->stack = fr;
    f->nstack = nf;
    return f;
}

static int64_t *growth_vector(const int64_t *v, unsigned n) {
    int64_t *g = lc__xmalloc((n ? n : 1) * sizeof *g);
    for (unsigned i = 0; g && i < n; i++)
        g[i] = v[i + 1] - v[i];
    return g;
}

static void growth_add(struct lc_growth *g, int64_t db, int64_t dy, unsigned n) {
    if (db > 0)
        g->blocks += (uint64_t)db;
    if (dy > 0)
        g->bytes += (uint64_t)dy;
    g->n = n;
}

/* ---- memory ---- */

/* A block of an earlier iteration that realloc moved into the site in the
 * first attribution run (its new record has this stack) and that only grows
 * from then on: one step up in blocks at the first sample, flat after, the
 * bytes still growing. Its growth counts from sample 1. */
static int moved_in(const struct lc_site_group *s, unsigned n) {
    if (n < 2 || s->blocks[1] <= s->blocks[0] || s->bytes[n] <= s->bytes[1])
        return 0;
    for (unsigned k = 2; k <= n; k++)
        if (s->blocks[k] != s->blocks[1])
            return 0;
    return 1;
}

void lc__findings_sites(struct lc_test_result *res, struct lc_rules *rules,
                        const struct lc_attribution *at, struct lc_growth *g) {
    size_t first = res->nfindings;
    for (size_t k = 0; k < at->ngroups; k++) {
        const struct lc_site_group *s = &at->groups[k];
        if (!s->leak)
            continue;
        int sup;
        struct lc_finding *f =
            stack_finding(res, rules, LC_FINDING_MEMORY, "leak", NULL, s->stack, &sup);
        if (!f) {
            if (sup)
                continue;
            break;
        }
        unsigned n = at->niter - 1;
        f->ngrowth = n;
        f->growth_blocks = growth_vector(s->blocks, n);
        f->growth_bytes = growth_vector(s->bytes, n);
        f->blocks = (uint64_t)s->blocks[n];
        f->bytes = (uint64_t)s->bytes[n];
        unsigned from = moved_in(s, n);
        int64_t db = s->blocks[n] - s->blocks[from];
        int64_t dy = s->bytes[n] - s->bytes[from];
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__growth_phrase(&b, db, dy, n - from, 1);
        lc__buf_printf(&b, "%s  ", s->cls == LEAKCHECK_BACKGROUND ? " (background thread)" : "");
        lc__stack_line(&b, f->stack, f->nstack, 4);
        f->summary = b.data;
        growth_add(g, db, dy, n - from);
    }
    lc__findings_tell_apart(res, first);
}

void lc__findings_totals(struct lc_test_result *res, int64_t *const blocks[2],
                         int64_t *const bytes[2], unsigned n, const struct lc_judge_info jb[2],
                         const struct lc_judge_info jy[2], struct lc_growth *g) {
    for (int k = 0; k < 2; k++) {
        int64_t db = blocks[k][n] - blocks[k][0], dy = bytes[k][n] - bytes[k][0];
        if (jb[k].judgement != LC_J_LEAK && jy[k].judgement != LC_J_LEAK)
            continue;
        struct lc_finding *f = add_finding(res, LC_FINDING_MEMORY);
        if (!f)
            break;
        f->ngrowth = n;
        f->growth_blocks = growth_vector(blocks[k], n);
        f->growth_bytes = growth_vector(bytes[k], n);
        f->blocks = (uint64_t)(db > 0 ? db : 0);
        f->bytes = (uint64_t)(dy > 0 ? dy : 0);
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__growth_phrase(&b, db, dy, n, 1);
        lc__buf_printf(&b, "%s (no stacks: LEAKCHECK_STACKS=0)",
                       k ? " on background threads" : "");
        f->summary = b.data;
        growth_add(g, db, dy, n);
    }
}

/* ---- a single run ---- */

static int lost(int kind) { return kind == LC_REACH_DEFINITE || kind == LC_REACH_INDIRECT; }

void lc__findings_single_run(struct lc_test_result *res, struct lc_rules *rules,
                             const struct lc_reach_block *blocks, size_t n, int have_stacks,
                             struct lc_growth *g) {
    size_t first = res->nfindings;
    for (size_t i = 0; i < n; i++) {
        if (!lost(blocks[i].kind))
            continue;
        size_t k = 0;
        while (k < i && !(lost(blocks[k].kind) && blocks[k].stack == blocks[i].stack))
            k++;
        if (k < i)
            continue; /* this stack's finding was made at its first block */
        uint64_t nb = 0, bytes = 0;
        int definite = 0;
        for (size_t j = i; j < n; j++) {
            if (!lost(blocks[j].kind) || blocks[j].stack != blocks[i].stack)
                continue;
            nb++;
            bytes += blocks[j].size;
            definite |= blocks[j].kind == LC_REACH_DEFINITE;
        }
        int sup;
        struct lc_finding *f =
            stack_finding(res, rules, LC_FINDING_MEMORY, "leak", NULL, blocks[i].stack, &sup);
        if (!f) {
            if (sup)
                continue;
            break;
        }
        int64_t v[2] = {0, (int64_t)nb}, y[2] = {0, (int64_t)bytes};
        f->ngrowth = 1;
        f->growth_blocks = growth_vector(v, 1);
        f->growth_bytes = growth_vector(y, 1);
        f->blocks = nb;
        f->bytes = bytes;
        f->leak_kind = lc__reach_kind_name(definite ? LC_REACH_DEFINITE : LC_REACH_INDIRECT);
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__buf_printf(&b, "%llu block%s, %llu B %s lost in the single run  ",
                       (unsigned long long)nb, nb == 1 ? "" : "s", (unsigned long long)bytes,
                       definite ? "definitely" : "indirectly");
        if (have_stacks)
            lc__stack_line(&b, f->stack, f->nstack, 4);
        else
            lc__buf_printf(&b, "(no stack: the first run counts only)");
        f->summary = b.data;
        growth_add(g, (int64_t)nb, (int64_t)bytes, 1);
    }
    if (have_stacks)
        lc__findings_tell_apart(res, first);
}

/* A block glibc allocates for a new thread (its stack's TLS and DTV): part of
 * a thread leak when the test leaks threads, not a memory finding of its own. */
static int thread_creation_cost(const lc_frame *f, int n) {
    for (int i = 0; i < n; i++)
        if (f[i].function && (strcmp(f[i].function, "_dl_allocate_tls") == 0 ||
                              strcmp(f[i].function, "allocate_stack") == 0))
            return 1;
    return 0;
}

/* A thread's stack, TLS block and DTV come from glibc's thread stack cache
 * (up to 40 MiB is kept for reuse, so they grow while threads exit late).
 * For a leaked thread they are the thread leak, reported above; otherwise
 * they are the cache, not the code under test. */
void lc__findings_drop_thread_cache(struct lc_test_result *res, unsigned leaked_threads,
                                    struct lc_growth *g) {
    size_t w = 0;
    for (size_t i = 0; i < res->nfindings; i++) {
        struct lc_finding *f = &res->findings[i];
        if (f->kind == LC_FINDING_MEMORY && thread_creation_cost(f->stack, f->nstack)) {
            if (!leaked_threads) {
                struct lc_suppression_hit *h = lc__xrealloc(
                    res->suppressed, (res->nsuppressed + 1) * sizeof *h);
                if (h) {
                    res->suppressed = h;
                    h[res->nsuppressed++] = (struct lc_suppression_hit){
                        "leak:_dl_allocate_tls",
                        "glibc's thread stack cache (stacks, TLS, DTV kept for reuse)", 1};
                }
            }
            int64_t db = 0, dy = 0;
            for (unsigned k = 0; k < f->ngrowth; k++) {
                db += f->growth_blocks ? f->growth_blocks[k] : 0;
                dy += f->growth_bytes ? f->growth_bytes[k] : 0;
            }
            g->blocks -= db > 0 && (uint64_t)db <= g->blocks ? (uint64_t)db : 0;
            g->bytes -= dy > 0 && (uint64_t)dy <= g->bytes ? (uint64_t)dy : 0;
            lc__xfree(f->growth_blocks);
            lc__xfree(f->growth_bytes);
            lc__xfree(f->stack);
            continue;
        }
        res->findings[w++] = *f;
    }
    res->nfindings = w;
}

/* ---- threads ---- */

/* The thread's name: from /proc while it runs, as it was when it ended. */
static void thread_name(const struct lc_thread_rec *t, int exited, char *comm, size_t len) {
    comm[0] = 0;
    if (exited) {
        snprintf(comm, len, "%s", t->name);
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", t->tid);
    FILE *fp = fopen(path, "r");
    if (fp) {
        if (fgets(comm, (int)len, fp))
            comm[strcspn(comm, "\n")] = 0;
        fclose(fp);
    }
}

/* Where a leaked thread is now; returns why it was not sampled, or NULL. */
static const char *thread_current_stack(struct lc_finding *f, const struct lc_thread_rec *t,
                                        int sig, double *budget) {
    uintptr_t pcs[LC_MAX_DEPTH];
    int np = lc__thread_current_stack(t->th, t->tid, sig, pcs, LC_MAX_DEPTH, budget);
    if (np == LC_SAMPLE_BLOCKED)
        return "it blocks the sampling signal";
    if (np == LC_SAMPLE_NO_BUDGET)
        return "this test's sampling budget is spent";
    if (np == LC_SAMPLE_STARTING)
        return "it never reached leakcheck's start trampoline (still in a pthread_create "
               "wrapper's start-up)";
    if (np <= 0)
        return np == 0 ? "it did not answer in time" : NULL;
    lc_frame tmp[LC_MAX_DEPTH * 2];
    int nt = lc__frames_drop_own(tmp, lc__symbolize_pcs(pcs, np, tmp, LC_MAX_DEPTH * 2));
    if (nt <= 0)
        return NULL;
    f->current_stack = lc__xmalloc((size_t)nt * sizeof(lc_frame));
    if (f->current_stack) {
        memcpy(f->current_stack, tmp, (size_t)nt * sizeof(lc_frame));
        f->ncurrent = nt;
    }
    return NULL;
}

/* The finding of thread t (state_name: "running" or "exited-unjoined");
 * why is added to the summary (NULL: nothing). Returns 1 when reported. */
static int thread_finding(struct lc_test_result *res, struct lc_rules *rules,
                          const struct lc_thread_rec *t, int exited, const char *state_name,
                          const int64_t *series, unsigned n, int stack_signal, const char *why,
                          double *budget) {
    char comm[64];
    thread_name(t, exited, comm, sizeof comm);
    int sup;
    struct lc_finding *f = stack_finding(res, rules, LC_FINDING_THREAD, "thread",
                                         comm[0] ? comm : NULL, t->stack, &sup);
    if (!f)
        return 0;
    f->thread_name = comm[0] ? lc__intern(comm) : NULL;
    f->thread_tid = t->tid;
    f->thread_state = state_name;
    f->ngrowth = n;
    f->growth_blocks = series ? growth_vector(series, n) : lc__xcalloc(n ? n : 1, sizeof(int64_t));
    const char *unsampled = exited ? NULL : thread_current_stack(f, t, stack_signal, budget);
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__buf_printf(&b, "thread ");
    if (f->thread_name)
        lc__buf_printf(&b, "'%s' ", f->thread_name);
    lc__buf_printf(&b, "(tid %d, %s, started in iteration %u%s%s) created at ", t->tid,
                   state_name, t->iteration, why ? ", " : "", why ? why : "");
    lc__stack_line(&b, f->stack, f->nstack, 4);
    if (unsampled)
        lc__buf_printf(&b, " (current stack not sampled: %s)", unsampled);
    f->summary = b.data;
    return 1;
}

unsigned lc__findings_threads(struct lc_test_result *res, struct lc_rules *rules, uint32_t gen,
                              unsigned first, unsigned end, const int64_t *series, unsigned n,
                              int stack_signal) {
    unsigned leaked = 0;
    double budget = LC_SAMPLE_BUDGET; /* one for all of this test's threads */
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    for (size_t i = 0; i < nr; i++) {
        struct lc_thread_rec *t = &tr[i];
        if (!t->used || t->gen != gen || !t->attributed || t->iteration < first ||
            t->iteration >= end)
            continue;
        int exited = __atomic_load_n(&t->exited, __ATOMIC_ACQUIRE);
        const char *state_name = lc__thread_unfinished(t);
        if (state_name)
            leaked += (unsigned)thread_finding(res, rules, t, exited, state_name, series, n,
                                               stack_signal, NULL, &budget);
    }
    return leaked;
}

/* ---- threads by handle ---- */

static void collect_block(const struct lc_rec_info *r, void *arg) {
    struct lc_buf *b = arg;
    struct lc_reach_block blk = {r->ptr, r->size, r->stack, 0, LC_REACH_DEFINITE};
    lc__buf_putn(b, (const char *)&blk, sizeof blk);
}

unsigned lc__findings_thread_handles(struct lc_test_result *res, struct lc_rules *rules,
                                     uint32_t gen, unsigned end, unsigned n, int stack_signal,
                                     long settle_ms, int skip_detached) {
    size_t nr;
    struct lc_thread_rec *tr = lc__registry(&nr);
    /* off the stack: the scan must not find the handles in this struct (a
     * heap block of glibc's, untracked, is never a root) */
    struct lc_thread_handles *h = lc__xcalloc(1, sizeof *h);
    if (!h || !tr) {
        lc__xfree(h);
        return 0;
    }
    lc__thread_handles_gather(h, gen, 0, end, skip_detached);
    lc__stack_scrub();
    if (!h->n) {
        lc__xfree(h);
        return 0;
    }
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__table_foreach(collect_block, &b);
    size_t nb = b.failed ? 0 : b.len / sizeof(struct lc_reach_block);
    struct lc_reach_opts ro = {.needles = h->needles, .nneedles = h->n, .needle_found = h->found,
                               .needle_ignore = (const uintptr_t(*)[2])h->ignore,
                               .nneedle_ignore = h->n + 1, .early_roots = 1};
    struct lc_reach_stats st;
    int rc = b.failed ? LEAKCHECK_ENOMEM
                      : lc__reach_classify((struct lc_reach_block *)b.data, nb, &ro, &st);
    lc__buf_free(&b);
    if (rc == 0) { /* a dropped thread on its way out: its state says which leak */
        size_t dropped[LC_MAX_HANDLES], nd = 0;
        for (size_t k = 0; k < h->n; k++)
            if (!h->found[k])
                dropped[nd++] = h->rec[k];
        lc__threads_settle_recs(gen, dropped, nd, settle_ms); /* a kept one is judged already */
    }
    unsigned leaked = 0;
    double budget = LC_SAMPLE_BUDGET;
    for (size_t k = 0; rc == 0 && k < h->n; k++) { /* no scan, no claim */
        const struct lc_thread_rec *t = &tr[h->rec[k]];
        const char *state_name = lc__thread_unfinished(t);
        if (h->found[k] || !state_name)
            continue;
        leaked += (unsigned)thread_finding(res, rules, t,
                                           __atomic_load_n(&t->exited, __ATOMIC_ACQUIRE),
                                           state_name, NULL, n, stack_signal,
                                           "its pthread_t is stored nowhere reachable", &budget);
    }
    lc__xfree(h);
    return leaked;
}

/* ---- fds and child processes ---- */

/* A finding for a resource added since the base (an fd, a child), with its
 * stack and its series' growth; NULL when a rule hid it (*stop 0) or when out
 * of memory (*stop 1: no more findings). */
static struct lc_finding *resource_finding(struct lc_test_result *res, struct lc_rules *rules,
                                           int kind, const char *rule_kind, const char *subject,
                                           uint32_t stack, const int64_t *series, unsigned n,
                                           int *stop) {
    int sup;
    struct lc_finding *f = stack_finding(res, rules, kind, rule_kind, subject, stack, &sup);
    *stop = !f && !sup;
    if (f) {
        f->ngrowth = n;
        f->growth_blocks = growth_vector(series, n);
    }
    return f;
}

/* Ends b with the finding's stack, or why it has none; returns the text. */
static const char *where_line(struct lc_buf *b, const struct lc_finding *f, const char *why) {
    if (f->nstack)
        lc__stack_line(b, f->stack, f->nstack, 4);
    else
        lc__buf_printf(b, "(not attributed: %s)", why);
    return b->data;
}

unsigned lc__findings_fds(struct lc_test_result *res, struct lc_rules *rules,
                          const struct lc_fdset *base, const struct lc_fdset *end,
                          const int64_t *series, unsigned n) {
    unsigned leaked = 0;
    struct lc_fd_entry *added = NULL;
    size_t nadded = lc__fds_added(base, end, &added);
    for (size_t i = 0; i < nadded; i++) {
        int stop;
        struct lc_finding *f = resource_finding(res, rules, LC_FINDING_FD, "fd", added[i].target,
                                                added[i].stack, series, n, &stop);
        if (stop)
            break;
        if (!f)
            continue;
        f->fd = added[i].fd;
        f->fd_target = added[i].target;
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__buf_printf(&b, "fd %d -> %s opened at ", added[i].fd,
                  added[i].target ? added[i].target : "?");
        f->summary = where_line(&b, f, "opened by a call leakcheck does not wrap: inside glibc, a "
                                       "raw syscall, or a library calling libc through its own dlsym");
        leaked++;
    }
    lc__xfree(added);
    return leaked;
}

static const char *child_state(char s) {
    switch (s) {
    case 'Z': return "zombie";
    case 'R': return "running";
    case 'S': case 'D': case 'I': return "sleeping";
    case 'T': case 't': return "stopped";
    default: return "alive";
    }
}

unsigned lc__findings_children(struct lc_test_result *res, struct lc_rules *rules,
                               const struct lc_childset *base, const struct lc_childset *end,
                               const int64_t *series, unsigned n) {
    unsigned leaked = 0;
    struct lc_child *added = NULL;
    size_t nadded = lc__children_added(base, end, &added);
    for (size_t i = 0; i < nadded; i++) {
        int stop;
        struct lc_finding *f = resource_finding(res, rules, LC_FINDING_PROCESS, "process",
                                                added[i].comm, added[i].stack, series, n, &stop);
        if (stop)
            break;
        if (!f)
            continue;
        f->proc_pid = added[i].pid;
        f->proc_command = added[i].comm;
        f->proc_state = child_state(added[i].state);
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__buf_printf(&b, "child process %d (%s, %s) started at ", (int)added[i].pid,
                       added[i].comm ? added[i].comm : "?",
                       added[i].state == 'Z' ? "exited, never waited for" : f->proc_state);
        f->summary = where_line(&b, f, "started by a call leakcheck does not wrap: vfork, clone "
                                       "or system inside glibc");
        leaked++;
    }
    lc__xfree(added);
    return leaked;
}

/* ---- mappings ---- */

/* "1 MiB", "64 KiB", "4096 B": mappings are page multiples, so whole units read best. */
static void size_text(struct lc_buf *b, uint64_t v) {
    if (v >= (1u << 20) && v % (1u << 20) == 0)
        lc__buf_printf(b, "%llu MiB", (unsigned long long)(v >> 20));
    else if (v >= 1024 && v % 1024 == 0)
        lc__buf_printf(b, "%llu KiB", (unsigned long long)(v >> 10));
    else
        lc__buf_printf(b, "%llu B", (unsigned long long)v);
}

static void map_summary(struct lc_finding *f, unsigned n, const lc_frame *fr, int nf,
                        int single) {
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    char r[32];
    int64_t sum = 0;
    for (unsigned k = 0; k < f->ngrowth; k++)
        sum += f->growth_blocks[k];
    if (single) /* no rate: one run */
        lc__buf_printf(&b, "%lld mapping%s, ", (long long)f->blocks, f->blocks == 1 ? "" : "s");
    else
        lc__buf_printf(&b, "%s mapping%s/iter, ", lc__rate(r, sizeof r, n ? (double)sum / n : 0),
                       sum == (int64_t)n ? "" : "s");
    size_text(&b, f->map_len);
    lc__buf_printf(&b, " %s %s%s %s at ", f->map_prot,
                   f->map_shm ? "shm segment" : f->map_file ? f->map_file : "anonymous",
                   f->blocks > 1 ? " (first of them)" : "",
                   single ? "left mapped in the single run, mapped" : "mapped");
    if (nf)
        lc__stack_line(&b, fr, nf, 4);
    else
        lc__buf_printf(&b, "(no stack: LEAKCHECK_STACKS=0)");
    f->summary = b.data;
}

/* One finding for the records of one stack (recs[0..k), all with that stack). */
static int map_finding(struct lc_test_result *res, struct lc_rules *rules,
                       const struct lc_map_rec *recs, size_t k, unsigned first, unsigned n,
                       int single) {
    char file[4096];
    lc__maps_file(recs[0].start, file, sizeof file);
    int sup;
    struct lc_finding *f = stack_finding(res, rules, LC_FINDING_MAPPING, "mapping",
                                         file[0] ? file : NULL, recs[0].stack, &sup);
    if (!f)
        return 0;
    f->ngrowth = n;
    f->growth_blocks = lc__xcalloc(n ? n : 1, sizeof(int64_t));
    f->growth_bytes = lc__xcalloc(n ? n : 1, sizeof(int64_t));
    for (size_t i = 0; i < k; i++) {
        f->blocks++;
        f->bytes += recs[i].len;
        unsigned at = recs[i].iteration - first;
        if (at < n && f->growth_blocks && f->growth_bytes) {
            f->growth_blocks[at]++;
            f->growth_bytes[at] += (int64_t)recs[i].len;
        }
    }
    f->map_addr = recs[0].start;
    f->map_len = recs[0].len;
    char prot[5];
    lc__maps_prot(recs[0].prot, recs[0].flags, prot);
    f->map_prot = lc__intern(prot);
    f->map_file = recs[0].shm || recs[0].fd < 0 || !file[0] ? NULL : lc__intern(file);
    f->map_shm = recs[0].shm;
    map_summary(f, n, f->stack, f->nstack, single);
    return (int)k;
}

static int by_stack(const void *a, const void *b) {
    const struct lc_map_rec *x = a, *y = b;
    if (x->stack != y->stack)
        return x->stack < y->stack ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

unsigned lc__findings_maps(struct lc_test_result *res, struct lc_rules *rules, uint32_t gen,
                           unsigned first, unsigned end, const int64_t *series,
                           const int64_t *bytes, unsigned n) {
    (void)series;
    (void)bytes;
    size_t total = lc__maps_list(gen, first, NULL, 0);
    struct lc_map_rec *recs = lc__xmalloc((total ? total : 1) * sizeof *recs);
    if (!recs)
        return 0;
    size_t got = lc__maps_list(gen, first, recs, total);
    size_t m = 0;
    for (size_t i = 0; i < got && i < total; i++) {
        if (recs[i].iteration >= end)
            continue;
        /* a single run's remap: the file was mapped before the test too */
        if (!series && recs[i].fd >= 0 && (recs[i].flags & MAP_SHARED) &&
            lc__maps_replaced(gen, end, recs[i].start, recs[i].len))
            continue;
        recs[m++] = recs[i];
    }
    qsort(recs, m, sizeof *recs, by_stack);
    unsigned leaked = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && recs[j].stack == recs[i].stack)
            j++;
        leaked += (unsigned)map_finding(res, rules, recs + i, j - i, first, n, !series);
        i = j;
    }
    lc__xfree(recs);
    return leaked;
}
