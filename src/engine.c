/* engine.c: the iteration engine. lc__engine_run reads as its phases, each a
 * function over one struct engine: prepare, warm up, measure, attribute,
 * single run, settle threads, findings, close scope, judge, sweep, report. Calls the
 * scope API, verdict.c, attribution.c, findings.c, reach.c, gate.c and the
 * session; knows nothing of cmocka. Not on the hook path. */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "attribution.h"
#include "children.h"
#include "console.h"
#include "engine.h"
#include "fds.h"
#include "findings.h"
#include "gate.h"
#include "internal.h"
#include "maps.h"
#include "options.h"
#include "own_frees.h"
#include "pretest_frees.h"
#include "reach.h"
#include "reach_early.h"
#include "reach_pretest.h"
#include "sanitizer.h"
#include "session.h"
#include "sweep.h"
#include "thread_registry.h"
#include "unwind.h"
#include "verdict.h"
#include "xml.h"

/* A test runs warm-up iterations, then measured ones, counting only (no
 * stacks). The end of every iteration snapshots the live blocks and bytes of
 * the test's threads ("attributed") and of threads that were running before
 * ("background"), the test's unfinished threads and the open fds. verdict.c
 * judges each series; ambiguous series get more iterations, up to a bound.
 * When memory grows, extra attribution iterations run with allocation stacks
 * and the growth is judged per allocation site (attribution.c): the message
 * names the stacks that grow, not the whole heap. A test whose first run
 * passed and a later iteration failed is judged from that first run alone
 * (engine_single_run). */

struct engine {
    const struct lc_engine_test *t;
    uintptr_t frame; /* lc__engine_run's frame: our own words, no root of a scan */
    const struct lc_options_values *o;
    struct lc_test_result *res;
    struct lc_rules rules;
    /* resolved options */
    unsigned warmup, measured, max_total, checks;
    int64_t tolerance;
    /* progress */
    unsigned iter;            /* next iteration number */
    uint32_t gen;             /* the scope's generation */
    double t0;
    struct lc_snapshot *snaps; /* one per iteration */
    size_t nsnaps, capsnaps;
    /* counting-pass series, index 0 = end of warm-up */
    int64_t *blocks[2], *bytes[2], *threads, *fds, *maps, *map_bytes, *procs;
    unsigned nseries, capseries;
    int64_t pre_blocks[2], pre_bytes[2]; /* pretest_frees.c's totals at the start */
    struct lc_fdset fd_base, fd_end;
    /* the counting pass's judgements */
    struct lc_judge_info jb[2], jy[2], jt, jf, jm, jmy, jp;
    int mem_j, thr_j, fd_j, map_j, proc_j;
    unsigned judged;          /* iterations of the counting pass after warm-up */
    unsigned counting_end;    /* first iteration number after the counting pass */
    /* attribution pass */
    struct lc_attribution at;
    int attributed;
    /* findings */
    struct lc_growth growth;
    unsigned leaked_threads, leaked_fds, leaked_maps, leaked_procs;
    /* a per-test fixture failed: the iterations stop, the test fails */
    int stopped;
    const char *stop_message;
    const char *stop_type;     /* its failure_type: the fixture that failed */
    /* not repeatable: the first run passed, iteration not_repeatable
     * (1-based) failed; judged from the first run alone */
    unsigned not_repeatable;
    const char *nr_message;
    const char *unjudged;      /* why a check of the single run could not be made */
    sigjmp_buf landing;        /* where a failure in a later iteration lands */
    volatile int nr_signal;    /* that failure was a crash: its signal */
    int opts_open;             /* lc_test_options.setup ran, its teardown is due */
    struct lc_fdset fd_start, fd_first; /* before and after the first iteration */
    uint64_t limit_hits;       /* lc__fds_limit_hits at the test's start */
    int fds_at_limit;          /* fds left open by a test that ran into the limit */
    /* child processes: at the test's start, after its first run, after
     * warm-up, at the end of the counting pass */
    struct lc_childset ch_start, ch_first, ch_base, ch_end;
};

/* The engine running now (one test at a time, on cmocka's thread) and
 * whether a failure now abandons its iteration: set only while run_body's
 * frame is live, cleared by lc__engine_disarm when cmocka longjmped past. */
static struct engine *active;
static int armed;
static pthread_t armed_thread;
static const char *(*iteration_check)(unsigned iteration);

void lc__engine_on_iteration_end(const char *(*check)(unsigned iteration)) {
    iteration_check = check;
}

static void (*iteration_abandoned)(void);

/* Bumped as each per-test setup, body and teardown starts: what cmocka runs
 * as separate calls, each with mock queues of its own. */
static unsigned phase;

unsigned lc__engine_phase(void) { return __atomic_load_n(&phase, __ATOMIC_RELAXED); }

static void next_phase(void) { __atomic_add_fetch(&phase, 1, __ATOMIC_RELAXED); }

void lc__engine_on_iteration_abandoned(void (*fn)(void)) { iteration_abandoned = fn; }

/* ---- one iteration ---- */



/* The harness's call into the body. Stack capture stops at this frame, so
 * leakcheck and cmocka frames never appear below the test body. */
LC_BODY_TEXT static void call_body(void (*body)(void **), void **state) {
    body(state);
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
}

/* The harness's call into a per-test fixture: capture stops here too, so a
 * block a setup allocates ends at the setup (Pacemaker's setup_test), not
 * at cmocka's runner and main. */
LC_BODY_TEXT static int call_fixture(int (*fn)(void **), void **state) {
    int rc = fn(state);
    __asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
    return rc;
}

/* The processes check's count and snapshots: nothing when it is off. */
static uint32_t children_now(const struct engine *e) {
    return e->checks & LEAKCHECK_CHECK_PROCESSES ? lc__children_count() : 0;
}

static void children_snapshot(const struct engine *e, struct lc_childset *s) {
    if (e->checks & LEAKCHECK_CHECK_PROCESSES)
        lc__children_snapshot(s);
}

static int grow_series(struct engine *e) {
    if (e->nseries < e->capseries)
        return 0;
    unsigned ncap = e->capseries ? e->capseries * 2 : 64;
    int64_t **arrs[] = {&e->blocks[0], &e->blocks[1], &e->bytes[0], &e->bytes[1],
                        &e->threads, &e->fds, &e->maps, &e->map_bytes, &e->procs};
    for (size_t i = 0; i < sizeof arrs / sizeof arrs[0]; i++) {
        int64_t *n = lc__xrealloc(*arrs[i], ncap * sizeof(int64_t));
        if (!n)
            return -1;
        *arrs[i] = n;
    }
    e->capseries = ncap;
    return 0;
}

static void add_snapshot(struct engine *e, const lc_counters *before, const lc_counters *after,
                         uint32_t threads, uint32_t fds, uint32_t procs) {
    if (e->nsnaps == e->capsnaps) {
        size_t ncap = e->capsnaps ? e->capsnaps * 2 : 32;
        struct lc_snapshot *n = lc__xrealloc(e->snaps, ncap * sizeof *n);
        if (n) {
            e->snaps = n;
            e->capsnaps = ncap;
        }
    }
    if (e->nsnaps < e->capsnaps) {
        struct lc_snapshot *s = &e->snaps[e->nsnaps++];
        s->allocs = after->allocs - before->allocs;
        s->frees = after->frees - before->frees;
        s->bytes_allocated = after->bytes_allocated - before->bytes_allocated;
        s->live_blocks = after->live_blocks;
        s->live_bytes = after->live_bytes;
        s->peak_bytes = after->peak_bytes;
        s->threads = threads;
        s->fds = fds;
        s->processes = procs;
    }
}

/* A cmocka fixture's failure stops the test; the message says which. */
static void fixture_failed(struct engine *e, const char *which, int rc) {
    lc__guard_enter();
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    if (e->iter > 0)
        lc__buf_printf(&m, "the test's %s returned %d", which, rc);
    else /* cmocka's words: an error, not a failure */
        lc__buf_printf(&m, "Test %s failed (returned %d in its first run)", which, rc);
    e->stopped = 1;
    if (e->iter > 0) {
        e->not_repeatable = e->iter + 1;
        e->nr_message = m.data ? m.data : "a per-test fixture failed";
    } else {
        e->stop_message = m.data ? m.data : "a per-test fixture failed";
        e->stop_type = which; /* "setup" or "teardown": cmocka's ERROR */
    }
    lc__guard_leave();
}

int lc__engine_active(void) { return active != NULL; }

int lc__engine_repeating(void) {
    return armed && active && pthread_equal(pthread_self(), armed_thread);
}

unsigned lc__engine_repeat_iteration(const char **name) {
    struct engine *e = active;
    if (!armed || !e)
        return 0;
    *name = e->t->name;
    return e->iter + 1;
}

void lc__engine_disarm(void) {
    armed = 0;
    active = NULL;
}

static void arm(void) {
    armed_thread = pthread_self();
    armed = 1;
}

void lc__engine_abandon(const char *message) {
    struct engine *e = active;
    if (!lc__engine_repeating())
        return;
    armed = 0;
    lc__guard_enter();
    e->nr_message = lc__xstrdup(message ? message : "failed");
    lc__guard_leave();
    e->not_repeatable = e->iter + 1;
    e->stopped = 1;
    siglongjmp(e->landing, 1);
}

/* A crash signal while a later iteration runs: like a failed assertion, the
 * iteration is abandoned (from the signal handler: nothing allocated here). */
static int engine_crash(int sig) {
    struct engine *e = active;
    /* A crash inside leakcheck's own code (guard up, a lock held) is not the
     * test's: cmocka takes it and the next test start ends the run
     * (session.c, lc__session_settle). */
    if (!lc__engine_repeating() || lc__tls.guard > 0 || lc__tls.locks > 0)
        return 0;
    armed = 0;
    e->nr_signal = sig;
    e->not_repeatable = e->iter + 1;
    e->stopped = 1;
    siglongjmp(e->landing, 1);
}

/* Back from the signal handler: the message names the signal. */
static void crash_message(struct engine *e) {
    lc__guard_enter();
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    lc__buf_printf(&m, "crashed: %s", strsignal(e->nr_signal));
    e->nr_message = m.data ? m.data : "crashed";
    lc__guard_leave();
}

/* After a failure abandoned an iteration: the teardowns still due run, as
 * cmocka runs a test's teardown after its body failed. They run armed: what
 * the abandoned body left may fail them (SSSD's test_copy_keytab_order: its
 * teardown's check_leaks_pop finds the name the body never got to free), and
 * that failure belongs to the abandoned iteration, whose first failure stays
 * the message. Before, it went to cmocka and failed the test, with the
 * teardown's complaint as the only message. */
static void abandoned_teardown(struct engine *e) {
    const struct lc_engine_test *t = e->t;
    const char *volatile why = e->nr_message;
    volatile int sig = e->nr_signal;
    if (sigsetjmp(e->landing, 1)) { /* a teardown failed or crashed */
        e->nr_message = why;
        e->nr_signal = sig;
        return;
    }
    arm();
    if (e->opts_open && t->opts && t->opts->teardown) {
        e->opts_open = 0;
        t->opts->teardown(t->state);
    }
    if (t->fixture_open && *t->fixture_open && t->teardown) {
        *t->fixture_open = 0;
        t->teardown(t->state);
    }
    armed = 0;
}

/* The iteration's fixtures, body and fixtures again; 0, or -1 when a fixture
 * failed (after a failed setup neither body nor teardown runs, as in cmocka). */
static int run_body(struct engine *e) {
    const struct lc_engine_test *t = e->t;
    if (t->reset_state)
        *t->state = t->initial_state;
    /* Once the first run passed, a failure says the test cannot be
     * repeated, not that it is broken: it lands here instead of cmocka. */
    if (e->iter > 0) {
        if (sigsetjmp(e->landing, 1)) { /* 1: a crash's handler left its signal blocked */
            if (e->nr_signal)
                crash_message(e);
            abandoned_teardown(e);
            if (iteration_abandoned)
                iteration_abandoned();
            return -1;
        }
        arm();
    }
    next_phase();
    lc__session_note_fixture(e->iter == 0 && t->setup ? "setup" : NULL);
    int rc = t->setup ? call_fixture(t->setup, t->state) : 0;
    lc__session_note_fixture(NULL);
    if (rc) {
        armed = 0;
        fixture_failed(e, "setup", rc);
        return -1;
    }
    if (t->fixture_open)
        *t->fixture_open = 1;
    if (t->opts && t->opts->setup) {
        t->opts->setup(t->state);
        e->opts_open = 1;
    }
    next_phase();
    call_body(t->body, t->state);
    if (t->opts && t->opts->teardown) {
        e->opts_open = 0;
        t->opts->teardown(t->state);
    }
    if (t->fixture_open)
        *t->fixture_open = 0;
    next_phase();
    lc__session_note_fixture(e->iter == 0 && t->teardown ? "teardown" : NULL);
    rc = t->teardown ? call_fixture(t->teardown, t->state) : 0;
    lc__session_note_fixture(NULL);
    armed = 0;
    if (rc) {
        fixture_failed(e, "teardown", rc);
        return -1;
    }
    const char *why = iteration_check ? iteration_check(e->iter) : NULL;
    if (why && e->iter > 0) { /* the iteration passed but left what cmocka fails */
        e->nr_message = why;
        e->not_repeatable = e->iter + 1;
        e->stopped = 1;
        return -1;
    }
    return 0;
}

/* Blocks from before the test that it freed (a full cache evicting an
 * earlier test's entries) are taken off its live series: the blocks that
 * replace them are turnover, not growth. */
static void less_pretest_frees(struct engine *e, unsigned i) {
    for (int k = 0; k < 2; k++) {
        int64_t b, y;
        lc__pretest_frees(k, &b, &y);
        e->blocks[k][i] -= b - e->pre_blocks[k];
        e->bytes[k][i] -= y - e->pre_bytes[k];
    }
}

/* Runs the body once (inside its per-iteration fixtures) and snapshots the
 * counters; record_series adds the values to the judged series. */
static void run_iteration(struct engine *e, int record_series) {
    lc_counters before, after, bg;
    lc_scope_iteration(e->iter);
    lc_scope_peak_reset();
    lc_scope_counters(&before, LEAKCHECK_ATTRIBUTED);
    int first_stacks = e->iter == 0 && e->t->first_run_stacks && lc__st.stacks_allowed;
    if (first_stacks)
        lc_scope_set_stacks(1);
    int failed = run_body(e);
    lc__stack_scrub(); /* the body's dead frames: no stale pthread_t for the handle scan */
    if (first_stacks)
        lc_scope_set_stacks(0);
    if (failed)
        return;
    lc__deferred_drain(); /* what the run queued for deferred frees is freed */
    /* the test's threads that have work (a detached one the run started to
     * free its argument, a logger the run woke to free a message) get the CPU
     * until each exits or sleeps, up to 20 ms, before the run is counted: on
     * a loaded machine they may not have run yet */
    lc__guard_enter();
    lc__threads_run_out(e->gen, 0, e->iter + 1, e->o->settle_ms < 20 ? e->o->settle_ms : 20);
    lc__guard_leave();
    lc_scope_counters(&after, LEAKCHECK_ATTRIBUTED);
    lc_scope_counters(&bg, LEAKCHECK_BACKGROUND);
    if (e->iter++ == 0) {
        lc__guard_enter();
        lc__own_frees_release(); /* the first run is counted: its blocks have their addresses */
        lc__fds_snapshot(&e->fd_first); /* what the first run left open */
        children_snapshot(e, &e->ch_first);
        lc__guard_leave();
    }

    lc__guard_enter();
    uint32_t threads = lc__threads_unfinished(e->gen);
    uint32_t fds = lc__fds_count();
    uint32_t procs = children_now(e);
    add_snapshot(e, &before, &after, threads, fds, procs);
    if (record_series && grow_series(e) == 0) {
        unsigned i = e->nseries++;
        e->blocks[0][i] = (int64_t)after.live_blocks;
        e->bytes[0][i] = (int64_t)after.live_bytes;
        e->blocks[1][i] = (int64_t)bg.live_blocks;
        e->bytes[1][i] = (int64_t)bg.live_bytes;
        less_pretest_frees(e, i);
        e->threads[i] = threads;
        e->fds[i] = fds;
        e->procs[i] = procs;
        uint64_t mc, mb;
        lc__maps_totals(e->gen, 0, &mc, &mb);
        e->maps[i] = (int64_t)mc;
        e->map_bytes[i] = (int64_t)mb;
    }
    lc__guard_leave();
}

/* ---- phases ---- */

static unsigned resolve_int(int field, long deflt) {
    if (field == LEAKCHECK_NONE)
        return 0;
    return field > 0 ? (unsigned)field : (unsigned)deflt;
}

static void resolve_options(struct engine *e) {
    const lc_test_options *opts = e->t->opts;
    const struct lc_options_values *o = e->o;
    e->warmup = resolve_int(opts ? opts->warmup : 0, o->warmup);
    e->measured = resolve_int(opts ? opts->iterations : 0, o->iterations);
    if (e->measured < 2)
        e->measured = 2;
    e->max_total = (unsigned)o->max_iterations;
    if (e->max_total < e->measured)
        e->max_total = e->measured;
    e->checks = opts && opts->checks ? opts->checks : o->checks;
    e->tolerance = opts && opts->tolerance
                       ? (opts->tolerance == LEAKCHECK_NONE ? 0 : opts->tolerance)
                       : o->tolerance;
}

/* Records the test as started, reads its rules and options and opens a
 * counting scope. Returns 0, or a negative lc_error when the test cannot run. */
static int engine_prepare(struct engine *e) {
    lc__session_on_settle(lc__engine_disarm);
    lc__session_on_crash(engine_crash);
    lc__session_prepare();
    lc__own_frees_enable(); /* leakcheck's frees from now on keep away from first runs */
    e->o = lc__opts();
    e->res = lc__session_test_begin(e->t->name, e->t->file, e->t->line);
    if (!e->res)
        return LEAKCHECK_ENOMEM;
    lc__guard_enter();
    char err[1024];
    const char *expect = e->t->opts ? e->t->opts->expect : NULL;
    if (lc__rules_for_test(&e->rules, expect, err, sizeof err)) {
        lc__session_test_end();
        e->res->verdict = LC_VERDICT_FAILED;
        e->res->message = lc__intern(err);
        lc__session_write_reports();
        lc__guard_leave();
        return LEAKCHECK_EINVAL;
    }
    if (lc__malloc_unobserved()) { /* never CLEAN when blind (sanitizer.c) */
        lc__session_test_end();
        e->res->verdict = LC_VERDICT_FAILED;
        e->res->message = lc__malloc_unobserved();
        lc__session_write_reports();
        lc__guard_leave();
        return LEAKCHECK_EUNOBSERVED;
    }
    resolve_options(e);
    lc__deferred_resolve();
    if (lc__failsafe_begin(e->checks, err, sizeof err)) { /* never CLEAN unobserved */
        lc__session_test_end();
        e->res->verdict = LC_VERDICT_FAILED;
        e->res->failure_type = "tracker";
        e->res->message = lc__intern(err);
        lc__console_test(e->res);
        lc__session_write_reports();
        lc__guard_leave();
        return LEAKCHECK_EINVAL;
    }
    /* preloaded, nothing made before the test is in a table: the main heap's
     * chunks in use now are roots of its single-run scan while they stay so
     * (glibc's heap: not under a sanitizer's malloc, nor valgrind's) */
    if (!e->o->run_mode && !lc__malloc_via_sanitizer() && !lc__under_valgrind)
        lc__reach_early_rerecord();
    else if (e->o->run_mode) /* the process scope's blocks now, and their sums */
        lc__reach_pretest_record();
    lc__guard_leave();

    lc__session_signals_install();
    e->t0 = lc__now();
    lc__fds_reset();
    lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0) {
        lc_scope_end();
        lc_scope_begin(&cfg);
    }
    e->gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    for (int k = 0; k < 2; k++)
        lc__pretest_frees(k, &e->pre_blocks[k], &e->pre_bytes[k]);
    lc__guard_enter();
    lc__fds_snapshot(&e->fd_start);
    e->limit_hits = lc__fds_limit_hits();
    children_snapshot(e, &e->ch_start);
    lc__guard_leave();
    active = e;
    return 0;
}

/* Warm-up iterations (not judged); the last one's values open the window. */
static void engine_warm_up(struct engine *e) {
    /* no warm-up: the window starts from the empty scope */
    if (e->warmup == 0 && grow_series(e) == 0) {
        e->blocks[0][0] = e->blocks[1][0] = e->bytes[0][0] = e->bytes[1][0] = 0;
        e->threads[0] = e->maps[0] = e->map_bytes[0] = 0;
        lc__guard_enter();
        e->fds[0] = lc__fds_count();
        e->procs[0] = children_now(e);
        lc__guard_leave();
        e->nseries = 1;
    }
    for (unsigned i = 0; i < e->warmup && !e->stopped; i++)
        run_iteration(e, i + 1 == e->warmup);
    lc__guard_enter();
    lc__fds_snapshot(&e->fd_base);
    children_snapshot(e, &e->ch_base);
    lc__guard_leave();
}

/* Judges the counting pass's series so far. Returns 1 when it is decided. */
static int judge_counting(struct engine *e) {
    unsigned n = e->nseries - 1;
    int final = e->judged >= e->max_total;
    e->mem_j = LC_J_CLEAN;
    if (e->checks & LEAKCHECK_CHECK_MEMORY) {
        for (int k = 0; k < 2; k++) {
            int j = lc__judge_pair(e->blocks[k], e->bytes[k], n, e->tolerance, final, &e->jb[k],
                                   &e->jy[k]);
            if (j == LC_J_LEAK || (j == LC_J_AMBIGUOUS && e->mem_j == LC_J_CLEAN))
                e->mem_j = j;
        }
    }
    e->thr_j = e->checks & LEAKCHECK_CHECK_THREADS
                   ? lc__judge_resource(e->threads, n, final, &e->jt)
                   : LC_J_CLEAN;
    e->fd_j = e->checks & LEAKCHECK_CHECK_FDS ? lc__judge_resource(e->fds, n, final, &e->jf)
                                              : LC_J_CLEAN;
    e->map_j = e->checks & LEAKCHECK_CHECK_MAPPINGS
                   ? lc__judge_pair(e->maps, e->map_bytes, n, e->tolerance, final, &e->jm, &e->jmy)
                   : LC_J_CLEAN;
    e->proc_j = e->checks & LEAKCHECK_CHECK_PROCESSES
                    ? lc__judge_resource(e->procs, n, final, &e->jp)
                    : LC_J_CLEAN;
    return final || (e->mem_j != LC_J_AMBIGUOUS && e->thr_j != LC_J_AMBIGUOUS &&
                     e->fd_j != LC_J_AMBIGUOUS && e->map_j != LC_J_AMBIGUOUS &&
                     e->proc_j != LC_J_AMBIGUOUS);
}

/* A call of the test's that makes an fd failed with EMFILE or ENFILE. */
static int ran_into_limit(const struct engine *e) {
    return lc__fds_limit_hits() != e->limit_hits;
}

/* The measured iterations, counting only, extended while a series is
 * ambiguous, up to LEAKCHECK_MAX_ITERATIONS. */
static void engine_measure(struct engine *e) {
    while (!e->stopped) {
        run_iteration(e, 1);
        if (e->stopped)
            break;
        e->judged++;
        if (e->judged >= e->measured && judge_counting(e))
            break;
    }
    e->res->warmup = e->warmup;
    e->res->measured = e->measured;
    e->res->extended = e->judged > e->measured ? e->judged - e->measured : 0;
    /* Threads and fds are judged on the counting pass only: attribution
     * iterations (run when memory grows) would add their own copies. */
    e->counting_end = e->iter;
    if ((e->checks & LEAKCHECK_CHECK_FDS) &&
        (e->fd_j == LC_J_LEAK || ran_into_limit(e))) {
        lc__guard_enter();
        lc__fds_snapshot(&e->fd_end);
        lc__guard_leave();
    }
    if (e->proc_j == LC_J_LEAK) {
        lc__guard_enter();
        children_snapshot(e, &e->ch_end);
        lc__guard_leave();
    }
}

/* When memory grew: extra iterations with stacks, judged per site. */
static void engine_attribute(struct engine *e) {
    if (e->stopped || e->mem_j != LC_J_LEAK || !lc__st.stacks_allowed)
        return;
    e->attributed = 1;
    lc__attr_init(&e->at, e->max_total + 2);
    lc_scope_set_stacks(1);
    lc__attr_sample(&e->at);
    /* At least as many iterations as the counting pass needed to see the
     * growth: a site that grows every 3rd iteration must not look stopped
     * after LEAKCHECK_ITERATIONS=2 attribution iterations. */
    unsigned min_extra = e->judged > e->measured ? e->judged : e->measured;
    for (unsigned extra = 1; !e->stopped; extra++) {
        run_iteration(e, 0);
        if (e->stopped)
            break;
        lc__attr_sample(&e->at);
        if (extra < min_extra)
            continue;
        int final = extra >= e->max_total;
        if (!lc__attr_judge(&e->at, e->tolerance, final) || final)
            break;
    }
    lc_scope_set_stacks(0);
    lc__attr_spread(&e->at, e->tolerance);
}

/* Threads started during measured iterations that are still running get a
 * settle period, ended by their exit (thread_settle.c): one that is exiting
 * must not count as running, and a detached one that exits is no leak. */
static void settle_threads(struct engine *e, unsigned first, unsigned end) {
    lc__guard_enter();
    lc__threads_settle(e->gen, first, end, e->o->settle_ms);
    lc__guard_leave();
}

static void engine_settle_threads(struct engine *e) {
    if (!e->stopped && (e->checks & LEAKCHECK_CHECK_THREADS))
        settle_threads(e, e->warmup, ~0u); /* warm-up's are judged by their handle
                                             * first; only a dropped one settles */
}

/* fds of `first` still open in `now`: what a run left open and kept. */
static void fds_kept(const struct lc_fdset *first, const struct lc_fdset *now,
                     struct lc_fdset *out) {
    out->n = 0;
    out->fds = lc__xmalloc((first->n ? first->n : 1) * sizeof *out->fds);
    for (size_t i = 0; out->fds && i < first->n; i++)
        for (size_t j = 0; j < now->n; j++)
            if (now->fds[j].fd == first->fds[i].fd && now->fds[j].target &&
                first->fds[i].target && strcmp(now->fds[j].target, first->fds[i].target) == 0) {
                out->fds[out->n++] = first->fds[i];
                break;
            }
}

/* Every block the test's runs left: the later, failed iteration's too (user
 * 1), scanned for pointers but never judged. A first-run block that only a
 * later one points to is reachable: SSSD's test_copy_keytab_order adds keytab
 * entries to krb5's MEMORY keytab, a list a global holds, and the failed
 * iteration's entries were put before the first run's, which read as lost
 * ("4 blocks, 128 B indirectly lost in the single run krb5_copy_principal"). */
static void collect_runs(const struct lc_rec_info *r, void *arg) {
    struct lc_buf *b = arg;
    if (r->cls != LEAKCHECK_ATTRIBUTED)
        return;
    /* user 1: classified (the scan follows it) but not the first run's: a
     * later iteration's, or, nested in `leakcheck run`, the process scope's
     * (an earlier test's block, demoted when that test ended, also has
     * iteration 0: every later single run reported it again) */
    int other = r->iteration != 0 || (lc__st.nested && !r->inner);
    struct lc_reach_block blk = {r->ptr, r->size, r->stack, (uint32_t)other,
                                 LC_REACH_DEFINITE};
    lc__buf_putn(b, (const char *)&blk, sizeof blk);
}

/* The first run's blocks, classified: the later iteration's are dropped. */
static size_t first_run_only(struct lc_reach_block *blocks, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (!blocks[i].user)
            blocks[w++] = blocks[i];
    return w;
}

/* Below the engine's frame, from a little under the caller's stack pointer:
 * the frames the engine and the scan's entry make. Their slots hold copies of
 * the block addresses the engine handled (the table's records, the last
 * iteration's): taken as roots they made a block the test lost in its single
 * run read as reachable. The scan's own frames below are never roots. */
static __attribute__((noinline)) uintptr_t engine_stack_low(void) {
    return (uintptr_t)__builtin_frame_address(0) - 4096;
}

/* The single run's children: those there after its first run and still
 * there now (as fds_kept), less those there at the test's start, as a
 * finding each. */
static unsigned children_left(struct engine *e, const int64_t one[2]) {
    struct lc_childset now = {0}, kept = {0};
    const struct lc_childset *first = &e->ch_first;
    unsigned left = 0;
    if (lc__children_snapshot(&now) == 0 &&
        (kept.c = lc__xmalloc((now.n ? now.n : 1) * sizeof *kept.c))) {
        for (size_t i = 0, j = 0; i < now.n; i++) {
            while (j < first->n && first->c[j].pid < now.c[i].pid)
                j++;
            if (j < first->n && first->c[j].pid == now.c[i].pid)
                kept.c[kept.n++] = now.c[i];
        }
        left = lc__findings_children(e->res, &e->rules, &e->ch_start, &kept, one, 1);
    }
    lc__childset_free(&kept);
    lc__childset_free(&now);
    return left;
}

/* A test that is not repeatable is judged from its first run alone: the
 * blocks it left (classified by the reachability scan: definitely or
 * indirectly lost is a leak), the threads it left running or unjoined and
 * the fds it left open. Its later, failed iteration counts for nothing. */
static void engine_single_run(struct engine *e) {
    if (!e->not_repeatable)
        return;
    struct lc_test_result *res = e->res;
    if (e->checks & LEAKCHECK_CHECK_THREADS)
        settle_threads(e, 0, 1);
    lc__guard_enter();
    lc__rules_add_builtin(&e->rules); /* what glibc keeps for good is no leak here */
    int64_t one[2] = {0, 0};
    if (e->checks & LEAKCHECK_CHECK_MEMORY) {
        struct lc_buf b;
        lc__buf_init(&b, lc__xrealloc, lc__xfree);
        lc__table_foreach(collect_runs, &b);
        size_t n = b.failed ? 0 : b.len / sizeof(struct lc_reach_block);
        struct lc_reach_block *blocks = (struct lc_reach_block *)b.data;
        uintptr_t own[1][2] = {{engine_stack_low(), e->frame}};
        struct lc_reach_opts ro = {.early_roots = 1, /* what was made before the test */
                                   .exclude = own, .nexclude = own[0][0] < own[0][1],
                                   .pretest_blocks = e->o->run_mode && lc__reach_pretest_ready()};
        struct lc_reach_stats st;
        int rc = b.failed ? LEAKCHECK_ENOMEM : n ? lc__reach_classify(blocks, n, &ro, &st) : 0;
        if (rc != 0) {
            char why[192];
            e->unjudged = lc__intern(lc__reach_error(rc, why, sizeof why));
        } else if ((n = first_run_only(blocks, n)) > 0) {
            lc__findings_single_run(res, &e->rules, blocks, n, e->t->first_run_stacks,
                                    &e->growth);
        }
        lc__buf_free(&b);
    }
    if (e->checks & LEAKCHECK_CHECK_THREADS) {
        /* the first run's threads, as warm-up threads are judged: one still
         * running is kept (a library's worker started on first use, liburcu's
         * call_rcu thread) while its pthread_t is stored somewhere reachable,
         * and left behind when the handle is dropped */
        e->leaked_threads = lc__findings_thread_handles(res, &e->rules, e->gen, 1, 1,
                                                        (int)e->o->stack_signal,
                                                        (long)e->o->settle_ms, 0);
        lc__findings_drop_thread_cache(res, e->leaked_threads, &e->growth);
    }
    if (e->checks & LEAKCHECK_CHECK_FDS) {
        struct lc_fdset now = {0}, kept = {0};
        lc__fds_snapshot(&now);
        fds_kept(&e->fd_first, &now, &kept);
        e->leaked_fds = lc__findings_fds(res, &e->rules, &e->fd_start, &kept, one, 1);
        lc__xfree(kept.fds); /* its entries belong to fd_first */
        lc__fdset_free(&now);
    }
    if (e->checks & LEAKCHECK_CHECK_MAPPINGS)
        e->leaked_maps = lc__findings_maps(res, &e->rules, e->gen, 0, 1, NULL, NULL, 1);
    if (e->checks & LEAKCHECK_CHECK_PROCESSES)
        e->leaked_procs = children_left(e, one);
    lc__guard_leave();
}

/* Threads that replace one another: as many of the test's threads were
 * unfinished at the end as after warm-up (GLib's GThreadPool keeps up to two
 * unused workers for the whole process; the next pool wakes one or starts
 * another, so the one left may have started in any iteration). A thread
 * left per iteration, or once, raises the count. */
static int thread_turnover(const struct engine *e) {
    return e->nseries > 1 && e->threads[e->nseries - 1] <= e->threads[0];
}

/* The test's calls ran out of fds (EMFILE or ENFILE) and its count could not
 * grow any more: an fd leak that reached the limit within the warm-up reads
 * flat. Every fd it opened that is still open is a finding. */
static void fds_at_limit(struct engine *e) {
    e->leaked_fds = lc__findings_fds(e->res, &e->rules, &e->fd_start, &e->fd_end, e->fds,
                                     e->nseries - 1);
    e->fds_at_limit = e->leaked_fds > 0;
}

/* Findings, with tracking still on: the registry and fd attributions belong
 * to this scope. A stopped test has none. */
static void engine_findings(struct engine *e) {
    struct lc_test_result *res = e->res;
    lc__guard_enter();
    if (!e->stopped) {
        if (e->attributed)
            lc__findings_sites(res, &e->rules, &e->at, &e->growth);
        else if (e->mem_j == LC_J_LEAK) /* stacks are off: the aggregate growth */
            lc__findings_totals(res, e->blocks, e->bytes, e->nseries - 1, e->jb, e->jy,
                                &e->growth);
        if (e->checks & LEAKCHECK_CHECK_THREADS) {
            if (!thread_turnover(e))
                e->leaked_threads = lc__findings_threads(
                    res, &e->rules, e->gen, e->warmup, e->counting_end, e->threads,
                    e->nseries - 1, (int)e->o->stack_signal);
            /* warm-up threads still unfinished: a leak when the handle is dropped */
            e->leaked_threads += lc__findings_thread_handles(
                res, &e->rules, e->gen, e->warmup, e->nseries - 1, (int)e->o->stack_signal,
                (long)e->o->settle_ms, 1);
        }
        lc__findings_drop_thread_cache(res, e->leaked_threads, &e->growth);
        /* fds: the series grew; report what was opened since the end of warm-up */
        if ((e->checks & LEAKCHECK_CHECK_FDS) && e->fd_j == LC_J_LEAK)
            e->leaked_fds = lc__findings_fds(res, &e->rules, &e->fd_base, &e->fd_end, e->fds,
                                             e->nseries - 1);
        else if ((e->checks & LEAKCHECK_CHECK_FDS) && ran_into_limit(e))
            fds_at_limit(e);
        /* mappings: the series grew; each stack whose mappings made since
         * the end of warm-up are still mapped */
        if ((e->checks & LEAKCHECK_CHECK_MAPPINGS) && e->map_j == LC_J_LEAK)
            e->leaked_maps = lc__findings_maps(res, &e->rules, e->gen, e->warmup,
                                               e->counting_end, e->maps, e->map_bytes,
                                               e->nseries - 1);
        /* child processes: the count grew; those started since warm-up */
        if ((e->checks & LEAKCHECK_CHECK_PROCESSES) && e->proc_j == LC_J_LEAK)
            e->leaked_procs = lc__findings_children(res, &e->rules, &e->ch_base, &e->ch_end,
                                                    e->procs, e->nseries - 1);
    }
    lc__childset_free(&e->ch_end);
    lc__childset_free(&e->ch_base);
    lc__childset_free(&e->ch_start);
    lc__fdset_free(&e->fd_end);
    lc__fdset_free(&e->fd_base);
    lc__fdset_free(&e->fd_start);
    lc__guard_leave(); /* fd_first: engine_close_scope, after forget_repeats */
}

static void collect_repeats(const struct lc_rec_info *r, void *arg) {
    if (r->iteration != 0 && r->cls == LEAKCHECK_ATTRIBUTED && r->inner)
        lc__buf_putn(arg, (const char *)&r->ptr, sizeof r->ptr);
}

/* A test that is not repeatable, inside `leakcheck run`'s process scope:
 * what its later iterations left live (the failed one ended mid-way) exists
 * only because leakcheck repeated it, so those blocks leave the table, and
 * the fds opened since the first run ended are marked leakcheck's (until the
 * program closes them): the check at exit sees what the program's own
 * single run left. */
static void forget_repeats(const struct engine *e) {
    if (!e->not_repeatable || !__atomic_load_n(&lc__st.nested, __ATOMIC_ACQUIRE))
        return;
    lc__guard_enter();
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__table_foreach(collect_repeats, &b);
    const uintptr_t *v = (const uintptr_t *)b.data;
    for (size_t i = 0; !b.failed && i < b.len / sizeof *v; i++)
        if (lc__hooks_untrack((void *)v[i]))
            lc__reach_early_keep(v[i]); /* not judged, still scanned: a root */
    lc__buf_free(&b);
    struct lc_fdset now = {0};
    struct lc_fd_entry *added = NULL;
    size_t n = lc__fds_snapshot(&now) == 0 ? lc__fds_added(&e->fd_first, &now, &added) : 0;
    for (size_t i = 0; added && i < n; i++)
        lc__fd_mark_ours(added[i].fd);
    lc__xfree(added);
    lc__fdset_free(&now);
    lc__guard_leave();
}

static void engine_close_scope(struct engine *e) {
    forget_repeats(e); /* reads fd_first: freed only after it */
    lc__guard_enter();
    lc__fdset_free(&e->fd_first);
    lc__childset_free(&e->ch_first);
    lc__guard_leave();
    lc__engine_disarm();
    lc_scope_end();
    lc__fds_reset();
    lc__session_signals_restore();
}

/* "; 2 threads left running or unjoined; 1 fd left open; ..." after what sep
 * follows (the memory part, or nothing). */
static void resources_left(const struct engine *e, struct lc_buf *m, const char *sep) {
    if (e->leaked_threads) {
        lc__buf_printf(m, "%s%u thread%s left running or unjoined", sep, e->leaked_threads,
                       e->leaked_threads == 1 ? "" : "s");
        sep = "; ";
    }
    if (e->leaked_fds) {
        lc__buf_printf(m, "%s%u fd%s left open%s", sep, e->leaked_fds,
                       e->leaked_fds == 1 ? "" : "s",
                       e->fds_at_limit ? " (the test ran into the open-file limit: EMFILE)" : "");
        sep = "; ";
    }
    if (e->leaked_maps) {
        lc__buf_printf(m, "%s%u mapping%s left mapped", sep, e->leaked_maps,
                       e->leaked_maps == 1 ? "" : "s");
        sep = "; ";
    }
    if (e->leaked_procs)
        lc__buf_printf(m, "%s%u child process%s left running or never waited for", sep,
                       e->leaked_procs, e->leaked_procs == 1 ? "" : "es");
}

/* The growth the counting pass judged, over its window: what the sites of
 * the attribution pass add up to, unless a block of an earlier iteration moved
 * into them (realloc moves a block and its new record has a stack: a buffer
 * that grows by 64 B per run is one block all along, never "1 block every 8
 * iterations"). */
static struct lc_growth judged_growth(const struct engine *e) {
    struct lc_growth c = {0, 0, e->nseries - 1};
    for (int k = 0; k < 2 && e->nseries; k++) {
        if (e->jb[k].judgement != LC_J_LEAK && e->jy[k].judgement != LC_J_LEAK)
            continue;
        int64_t db = e->blocks[k][c.n] - e->blocks[k][0], dy = e->bytes[k][c.n] - e->bytes[k][0];
        c.blocks += db > 0 ? (uint64_t)db : 0;
        c.bytes += dy > 0 ? (uint64_t)dy : 0;
    }
    if (!e->attributed || e->mem_j != LC_J_LEAK || c.blocks || !e->growth.blocks)
        return e->growth;
    return c; /* no block more in the judged window: the sites' one is a moved block */
}

/* The one-line message of a leak: the growth, threads and fds. */
static void leak_message(struct engine *e, struct lc_buf *m) {
    const char *sep = "";
    struct lc_growth jg = judged_growth(e);
    const struct lc_growth *g = &jg;
    if (g->blocks || g->bytes) {
        lc__growth_phrase(m, g->blocks, g->bytes, g->n, 0);
        sep = "; ";
    }
    resources_left(e, m, sep);
    lc__buf_printf(m, " (%u measured iteration%s%s)", e->judged, e->judged == 1 ? "" : "s",
                   e->attributed ? ", growth attributed with stacks" : "");
}

/* "not repeatable: iteration 2 failed (...); single run: ..." */
static void single_run_message(struct engine *e, struct lc_buf *m) {
    const struct lc_growth *g = &e->growth;
    lc__buf_printf(m, "not repeatable: iteration %u failed (%s); judged from a single run: ",
                   e->not_repeatable, e->nr_message);
    if (e->unjudged) { /* no claim: the test fails */
        lc__buf_printf(m, "memory not judged (the reachability scan failed: %s)", e->unjudged);
        resources_left(e, m, "; ");
        return;
    }
    if (!e->res->nfindings) {
        lc__buf_printf(m, "nothing left behind");
        return;
    }
    const char *sep = "";
    if (g->blocks) {
        lc__buf_printf(m, "%llu block%s, %llu B lost", (unsigned long long)g->blocks,
                       g->blocks == 1 ? "" : "s", (unsigned long long)g->bytes);
        /* preloaded, nothing allocated before the scope is in the table: the
         * main heap's chunks at the test's start are roots (reach_early.c)
         * unless that walk could not be made or stopped short */
        size_t dropped = 0;
        if (!e->o->run_mode && (!lc__reach_early_count(&dropped) || dropped))
            lc__buf_printf(m, " (not all seen preloaded: blocks allocated before the test, "
                              "such as a group fixture's, are roots only where a walk of "
                              "glibc's main heap at the test's start found them; leakcheck "
                              "run --cmocka sees them all)");
        sep = "; ";
    }
    resources_left(e, m, sep);
}

/* The counting pass's series, named for messages. */
struct named_series {
    const char *what;
    const int64_t *v;
    int64_t tolerance;
    const struct lc_judge_info *j;
    unsigned check;
};

static size_t counting_series(struct engine *e, struct named_series out[8]) {
    struct named_series all[] = {
        {"live blocks", e->blocks[0], 0, &e->jb[0], LEAKCHECK_CHECK_MEMORY},
        {"live bytes", e->bytes[0], e->tolerance, &e->jy[0], LEAKCHECK_CHECK_MEMORY},
        {"background blocks", e->blocks[1], 0, &e->jb[1], LEAKCHECK_CHECK_MEMORY},
        {"background bytes", e->bytes[1], e->tolerance, &e->jy[1], LEAKCHECK_CHECK_MEMORY},
        {"threads", e->threads, 0, &e->jt, LEAKCHECK_CHECK_THREADS},
        {"fds", e->fds, 0, &e->jf, LEAKCHECK_CHECK_FDS},
        {"child processes", e->procs, 0, &e->jp, LEAKCHECK_CHECK_PROCESSES},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((e->checks & all[i].check) && all[i].v && all[i].j->growths)
            out[n++] = all[i];
    return n;
}

/* "fds grew in measured iterations 2, 5 (+2), then stayed flat for 12" */
static void grew_phrase(struct lc_buf *m, const struct named_series *s, unsigned n) {
    lc__buf_printf(m, "%s grew in measured iteration%s ", s->what, s->j->growths == 1 ? "" : "s");
    unsigned listed = 0;
    for (unsigned i = 1; i <= n; i++) {
        if (s->v[i] - s->v[i - 1] <= s->tolerance)
            continue;
        if (listed++ == 6) {
            lc__buf_puts(m, ", ...");
            break;
        }
        lc__buf_printf(m, "%s%u", listed > 1 ? ", " : "", i);
    }
    lc__buf_printf(m, " (%+lld in all)", (long long)s->j->net);
}

/* A clean test whose counting pass was not flat says what grew, and why
 * that is no leak (a cap it reached, or turnover): "no growth" only when
 * every series was flat. */
static void clean_message(struct engine *e, struct lc_buf *m) {
    struct named_series s[8];
    size_t ns = counting_series(e, s);
    unsigned n = e->nseries - 1;
    if (!ns) {
        lc__buf_printf(m, "no growth over %u measured iteration%s", e->judged,
                       e->judged == 1 ? "" : "s");
        e->res->reason = "no_growth";
        return;
    }
    int turnover = 1;
    for (size_t i = 0; i < ns; i++)
        turnover &= s[i].j->rule == LC_R_TURNOVER;
    lc__buf_puts(m, turnover ? "turnover, no leak: " : "growth that stopped: ");
    for (size_t i = 0; i < ns; i++) {
        if (i)
            lc__buf_puts(m, "; ");
        grew_phrase(m, &s[i], n);
        if (s[i].j->rule == LC_R_TURNOVER)
            lc__buf_printf(m, " and gave back more than half of the %lld it gained",
                           (long long)s[i].j->gained);
        else
            lc__buf_printf(m, ", then stayed at that cap for %u iteration%s", s[i].j->tail,
                           s[i].j->tail == 1 ? "" : "s");
    }
    lc__buf_printf(m, " (%u measured iterations)", e->judged);
    e->res->reason = turnover ? "turnover" : "growth_stopped";
}

/* A leak's reason: the rule that decided its series. */
static const char *leak_reason(struct engine *e) {
    if (e->attributed && e->growth.blocks + e->growth.bytes)
        return "site_grows";
    struct named_series s[8];
    size_t ns = counting_series(e, s);
    const char *r = "left_behind"; /* threads a measured iteration left running */
    for (size_t i = 0; i < ns; i++) {
        if (s[i].j->rule == LC_R_STEADY)
            return "steady_growth";
        if (s[i].j->rule == LC_R_KEPT)
            r = "kept_growth";
        else if (s[i].j->rule == LC_R_TREND && strcmp(r, "left_behind") == 0)
            r = "growth_at_limit";
    }
    return r;
}

/* The one-line message of a judged test. */
static void verdict_message(struct engine *e, struct lc_buf *m) {
    struct lc_test_result *res = e->res;
    int leak = res->nfindings > 0;
    if (e->not_repeatable) {
        single_run_message(e, m);
        res->reason = "single_run";
    } else if (!leak && res->nsuppressed) {
        size_t hits = 0;
        for (size_t i = 0; i < res->nsuppressed; i++)
            hits += res->suppressed[i].hits;
        lc__buf_printf(m, "growth only at expected or suppressed sites (%zu finding%s, rule %s)",
                       hits, hits == 1 ? "" : "s", res->suppressed[0].rule);
        res->reason = "expected";
    } else if (!leak && e->attributed) {
        lc__buf_printf(m, "no site keeps growing (the growth seen over %u measured iterations "
                       "stopped within %u attribution iterations)",
                       e->judged, e->at.niter ? e->at.niter - 1 : 0);
        res->reason = "no_site_grows";
    } else if (!leak) {
        clean_message(e, m);
    } else {
        leak_message(e, m);
        res->reason = leak_reason(e);
    }
}

/* Where the findings a message leaves out are: the reports, when one is
 * written; else how to have one. */
const char *lc__details_more_where(void) {
    const struct lc_options_values *o = lc__opts();
    if ((o->json && *o->json) || (o->junit && *o->junit))
        return "in the reports";
    return "(LEAKCHECK_JSON=FILE lists every one)";
}

/* The top findings' summaries, one per line (the cmocka failure's body). */
static const char *details(const struct lc_test_result *res, long top) {
    struct lc_buf d;
    lc__buf_init(&d, lc__xrealloc, lc__xfree);
    size_t shown = 0;
    for (size_t i = 0; i < res->nfindings && shown < (size_t)top; i++, shown++)
        lc__buf_printf(&d, "    %s\n", res->findings[i].summary);
    if (res->nfindings > shown)
        lc__buf_printf(&d, "    ... %zu more %s\n", res->nfindings - shown,
                       lc__details_more_where());
    return d.data;
}

/* Verdict, message, the budget and baseline gates, the details. */
static void engine_judge(struct engine *e) {
    struct lc_test_result *res = e->res;
    lc__guard_enter();
    res->duration = lc__now() - e->t0;
    res->series = e->snaps;
    res->nseries = e->nsnaps;
    /* extended: the extra judged iterations plus the attribution iterations */
    unsigned counting_extra = e->judged > e->measured ? e->judged - e->measured : 0;
    if (e->nsnaps > (size_t)e->warmup + e->measured)
        res->extended = (unsigned)(e->nsnaps - e->warmup - e->measured);
    res->attribution = res->extended > counting_extra ? res->extended - counting_extra : 0;
    if (e->stopped && !e->not_repeatable) {
        res->verdict = LC_VERDICT_FAILED;
        res->message = e->stop_message;
        res->failure_type = e->stop_type;
        res->reason = "failed";
        lc__guard_leave();
        return;
    }
    int leak = res->nfindings > 0;
    res->verdict = e->unjudged ? LC_VERDICT_FAILED : leak ? LC_VERDICT_LEAK : LC_VERDICT_CLEAN;
    if (e->unjudged)
        res->failure_type = "tracker";
    res->not_repeatable = e->not_repeatable;
    res->not_repeatable_message = e->nr_message;
    struct lc_buf m;
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    verdict_message(e, &m);
    res->message = m.data;
    lc__gate_test(res, e->t->opts ? &e->t->opts->budget : NULL);
    if (res->verdict == LC_VERDICT_FAILED)
        res->reason = "failed"; /* a budget or baseline gate */
    if (leak)
        res->details = details(res, e->o->top);
    lc__guard_leave();
}

/* ---- the fail sweep (sweep.c) ---- */

/* One more run of the test (its fixtures, body and fixtures) for the sweep:
 * a failure lands here as in a later iteration. 0 passed, 1 failed. */
static int sweep_run_once(void *arg) {
    struct engine *e = arg;
    e->stopped = 0;
    e->not_repeatable = 0;
    e->nr_signal = 0;
    e->iter = e->iter ? e->iter : 1; /* arms the landing */
    active = e;
    int rc = run_body(e);
    lc__stack_scrub();
    lc__engine_disarm();
    return rc ? 1 : 0;
}

/* The sweep's modes: the test's option, else LEAKCHECK_FAIL_SWEEP
 * (0|1|transient|persistent|both; 1 is both). */
static int sweep_modes(const struct engine *e) {
    int m = e->t->opts ? e->t->opts->fail_sweep : 0;
    if (m == LEAKCHECK_NONE)
        return 0;
    if (m)
        return m & LEAKCHECK_FAIL_SWEEP_BOTH;
    static const int from_env[] = {0, LEAKCHECK_FAIL_SWEEP_BOTH, LEAKCHECK_FAIL_SWEEP_TRANSIENT,
                                   LEAKCHECK_FAIL_SWEEP_PERSISTENT, LEAKCHECK_FAIL_SWEEP_BOTH};
    int o = e->o->fail_sweep;
    return o >= 0 && o < 5 ? from_env[o] : 0;
}

/* After the verdict: each allocation site of the test failed in turn. */
static void engine_sweep(struct engine *e) {
    int modes = sweep_modes(e);
    if (!modes || (e->stopped && !e->not_repeatable))
        return; /* a test that failed or could not run has nothing to sweep */
    struct lc_sweep_test st = {.run = sweep_run_once, .arg = e, .modes = modes,
                               .max_sites = e->o->fail_sweep_max, .checks = e->checks,
                               .rules = &e->rules, .strict = e->o->fail_sweep_strict,
                               .test_code = e->o->fail_sweep_test_code};
    unsigned saved_nr = e->not_repeatable;
    const char *saved_msg = e->nr_message;
    if (e->not_repeatable)
        st.skip = "not repeatable: a failing run could not be told from the test's own failure";
    else if (e->res->verdict == LC_VERDICT_FAILED)
        st.skip = "the test failed its normal run";
    lc__session_signals_install();
    lc__sweep_test(&st, e->res);
    lc__session_signals_restore();
    e->res->duration = lc__now() - e->t0; /* the sweep's runs are the test's time too */
    e->not_repeatable = saved_nr;
    e->nr_message = saved_msg;
}

/* A test during which allocations went unrecorded (the table could not grow)
 * cannot be judged: an error, whatever the verdict said (failsafe.c). */
static void engine_check_observed(struct engine *e) {
    char why[512];
    if (!lc__failsafe_end(why, sizeof why))
        return;
    lc__guard_enter();
    e->res->verdict = LC_VERDICT_FAILED;
    e->res->failure_type = "tracker";
    e->res->message = lc__intern(why);
    lc__guard_leave();
}

/* Frees the engine's working state; prints the line and rewrites the reports. */
static void engine_report(struct engine *e) {
    lc__guard_enter();
    lc__rules_free(&e->rules);
    lc__attr_free(&e->at);
    for (int k = 0; k < 2; k++) {
        lc__xfree(e->blocks[k]);
        lc__xfree(e->bytes[k]);
    }
    lc__xfree(e->threads);
    lc__xfree(e->fds);
    lc__xfree(e->maps);
    lc__xfree(e->procs);
    lc__xfree(e->map_bytes);
    lc__session_test_end();
    lc__console_test(e->res);
    lc__slow_note(e->res, e->o->slow_ms);
    lc__session_write_reports();
    lc__session_write_profile();
    lc__guard_leave();
}

int lc__engine_run(const struct lc_engine_test *t, struct lc_test_result **out) {
    struct engine e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.frame = (uintptr_t)__builtin_frame_address(0);
    int rc = engine_prepare(&e);
    *out = e.res;
    if (rc)
        return rc;
    engine_warm_up(&e);
    engine_measure(&e);
    engine_attribute(&e);
    engine_single_run(&e);
    engine_settle_threads(&e);
    engine_findings(&e);
    engine_close_scope(&e);
    engine_judge(&e);
    engine_sweep(&e);
    engine_check_observed(&e);
    engine_report(&e);
    return 0;
}
