/* cmocka_glue.c: leakcheck's seams into cmocka: failing a test through cmocka,
 * lc_test_run (LEAKCHECK_TEST), the interposed group runner with its
 * trampolines and teardown hooks (LEAKCHECK_CMOCKA), _fail, cm_print_error,
 * skip and cmocka's own longjmp (a mock error). Calls the engine, the session
 * and cmocka_alloc.c. Not on the hook path. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmocka_glue.h"
#include "console.h"
#include "engine.h"
#include "gate.h"
#include "internal.h"
#include "leakcheck/leakcheck.h"
#include "options.h"
#include "session.h"
#include "sweep.h"
#include "xml.h"

/* The group runner hands cmocka a copy of the group's tests whose functions
 * are trampolines from a static table indexed by position (a test function
 * receives only `state`), test i getting trampoline i % LC_TRAMPS. A
 * trampoline runs a macro test as itself and a plain one (LEAKCHECK_CMOCKA)
 * through the engine, the test's own per-test fixtures inside every
 * iteration and its teardown still run by cmocka when the body longjmps
 * out. */

#ifndef cm_print_error
/* exported by cmocka 1.1.x but not declared in 1.1.5's header */
void cm_print_error(const char *format, ...);
#define LC_PRINT_ERROR cm_print_error
#else
#define LC_PRINT_ERROR cmocka_print_error
#endif
#define LC_STR_(x) #x
#define LC_STR(x) LC_STR_(x)

void lc__cmocka_fail(const char *file, int line, const char *text) {
    /* the text lands in cmocka's per-test message, its XML and TAP; it must
     * end with a newline because cmocka appends "file:line: error: Failure!" */
    struct lc_buf fit;
    lc__guard_enter();
    lc__buf_init(&fit, lc__xrealloc, lc__xfree);
    text = lc__cmocka_fit(text, file, line, &fit);
    lc__guard_leave();
    LC_PRINT_ERROR("%s", text); /* fit's memory is ours: kept until _fail */
    lc__cmocka_abort_hide(); /* leakcheck's verdict, not an assertion: no abort */
    _fail(file, line);
    abort(); /* not reached: _fail longjmps to cmocka's runner */
}

/* ---- functions the macros generated ---- */

struct wrapper {
    void (*fn)(void **);
    int kind;
};
static struct wrapper *wrappers; /* one per macro test, registered by constructors */
static size_t nwrappers, capwrappers;

void lc_wrapper_register(void (*test_func)(void **state), int kind) {
    if (nwrappers == capwrappers) {
        size_t ncap = capwrappers ? capwrappers * 2 : 256;
        lc__guard_enter();
        struct wrapper *n = lc__xrealloc(wrappers, ncap * sizeof *n);
        lc__guard_leave();
        if (!n) {
            fprintf(stderr, "leakcheck: out of memory registering test functions: some "
                            "LEAKCHECK_TEST tests will run as plain cmocka tests\n");
            return;
        }
        wrappers = n;
        capwrappers = ncap;
    }
    wrappers[nwrappers++] = (struct wrapper){test_func, kind};
}

/* LEAKCHECK_WRAPPER_TEST, LEAKCHECK_WRAPPER_BENCH, or -1 for a plain cmocka test. */
static int wrapper_kind(void (*fn)(void **)) {
    for (size_t i = 0; i < nwrappers; i++)
        if (wrappers[i].fn == fn)
            return wrappers[i].kind;
    return -1;
}

/* ---- the group in progress ---- */

#define LC_TRAMPS 1024

struct entry {
    const char *name;
    CMUnitTestFunction fn;
    CMFixtureFunction setup, teardown; /* the test's own */
    int kind;                          /* wrapper_kind */
    int engine_fixtures;               /* its fixtures run inside each iteration */
    int fixture_open;                  /* a setup ran and its teardown is due */
    int noted;                         /* its one-line note was printed */
};

static struct {
    int depth;              /* groups in progress (a test may run a group) */
    size_t n;
    struct entry *e;        /* one per test of the group */
    const struct CMUnitTest *copy; /* what cmocka runs */
    size_t next;            /* the first test that has not started */
    struct entry *current;  /* the test whose function cmocka is running */
    int plain;              /* a plain test is being judged by the engine */
    /* the test to count once it is over (its body may longjmp out) */
    int pending;
    size_t results_before;
} grp;

static size_t results_now(void) {
    const struct lc_run *run = lc__session_run();
    return run->ntests + run->nbenchmarks;
}

/* Counts the test that ran last: judged when it added a result. */
static void captured_flush(void);

static void entry_settle(void) {
    captured_flush();
    if (!grp.pending)
        return;
    grp.pending = 0;
    grp.plain = 0;
    struct lc_cmocka_counts *c = &lc__session_run()->cmocka;
    c->ran++;
    if (results_now() > grp.results_before) {
        c->judged++;
        return;
    }
    lc__guard_enter();
    const char **n = lc__xrealloc(c->unjudged, (c->nunjudged + 1) * sizeof *n);
    if (n) {
        c->unjudged = n;
        n[c->nunjudged++] = lc__intern(grp.current ? grp.current->name : "?");
    }
    lc__guard_leave();
}

/* ---- failing a test through cmocka ---- */

/* A result that is not clean fails the current cmocka test. */
static void fail_unless_clean(const struct lc_test_result *res, const char *file,
                              unsigned line) {
    if (res->verdict == LC_VERDICT_CLEAN)
        return;
    lc__session_note_failure();
    lc__tm_release(0);
    struct lc_buf msg;
    lc__guard_enter();
    lc__buf_init(&msg, lc__xrealloc, lc__xfree);
    lc__buf_puts(&msg, "leakcheck: ");
    lc__buf_put_console(&msg, res->name); /* a name may hold any bytes */
    lc__buf_printf(&msg, ": %s\n%s", res->message, res->details ? res->details : "");
    lc__guard_leave();
    lc__cmocka_fail(file, (int)line, msg.data ? msg.data : "leakcheck: leak\n");
}

static void run_engine(struct lc_engine_test *t) {
    struct lc_test_result *res;
    lc__tm_reset();
    lc__mocks_reset();
    int rc = lc__engine_run(t, &res);
    lc__returns_finish();
    if (rc == 0 && res->not_repeatable)
        lc__tm_release(res->not_repeatable - 1); /* what the abandoned iteration left */
    if (rc == LEAKCHECK_ENOMEM) {
        lc__session_note_failure();
        fail_msg("leakcheck: out of memory for test results");
    } else if (rc) {
        lc__session_note_failure();
        fail_msg("%s", res->message);
    } else {
        fail_unless_clean(res, t->file, t->line);
    }
}

/* One line, once per test, on the console's stream. */
static void note(struct entry *en, const char *fmt, const char *name) {
    if (en && en->noted++)
        return;
    const char *prefix;
    FILE *out = lc__console(&prefix);
    fprintf(out, "%s[leakcheck] ", prefix);
    fprintf(out, fmt, name);
    fputc('\n', out);
    fflush(out);
}

/* ---- LEAKCHECK_TEST ---- */

void lc_test_run(const char *name, const char *file, unsigned line,
                 void (*body)(void **state), void **state, const lc_test_options *opts) {
    struct entry *en = grp.current;
    if (grp.plain) {
        /* called by a plain test the engine is already judging */
        note(en, "%s calls lc_test_run itself: judged as a plain cmocka test (its "
                 "lc_test_options are not used)", name);
        if (opts && opts->setup)
            opts->setup(state);
        body(state);
        if (opts && opts->teardown)
            opts->teardown(state);
        return;
    }
    struct lc_engine_test t = {.name = name, .file = file, .line = line, .body = body,
                               .state = state, .opts = opts};
    if (en && en->engine_fixtures) {
        t.setup = en->setup;
        t.teardown = en->teardown;
        t.reset_state = en->setup || en->teardown;
        t.initial_state = *state;
        t.fixture_open = &en->fixture_open;
    } else if (en && (en->setup || en->teardown)) {
        note(en, "%s: its cmocka per-test setup/teardown run once around all iterations, "
                 "not in each (lc_test_run is called from a plain test function)", name);
    }
    run_engine(&t);
}

int lc__cmocka_judging_plain(void) { return grp.plain; }

/* ---- a plain cmocka test, judged by the engine ---- */

/* The test function's own file and line, for the reports. */
static void function_location(CMUnitTestFunction fn, const char **file, unsigned *line) {
    lc_frame f[8];
    uintptr_t pc = (uintptr_t)fn + 1; /* symbolized as a return address: pc - 1 */
    int n = lc__symbolize_pcs(&pc, 1, f, 8);
    *file = n > 0 && f[n - 1].file ? f[n - 1].file : lc__session_run()->binary;
    *line = n > 0 && f[n - 1].file ? f[n - 1].line : 0;
}

static void run_plain(struct entry *en, void **state) {
    struct lc_engine_test t = {.name = en->name, .body = en->fn, .state = state,
                               .setup = en->setup, .teardown = en->teardown,
                               .reset_state = 1, .initial_state = *state,
                               .fixture_open = &en->fixture_open, .first_run_stacks = 1};
    if (!lc__session_run()->binary)
        lc__session_run()->binary = lc__intern(program_invocation_short_name);
    function_location(en->fn, &t.file, &t.line);
    grp.plain = 1;
    run_engine(&t);
    grp.plain = 0;
}

/* ---- trampolines: a static table, one per position in the group ---- */

/* Which test trampoline k was called for. cmocka (1.1 and 2.0) passes the
 * address of the state field of its record for the test, whose field before
 * it points at the test's element of the array it was given: taken when it
 * is an element of ours that k serves. Otherwise by order, as cmocka runs
 * the tests: the first not started that k serves (wrong only when a filter
 * skips LC_TRAMPS tests in a row). */
static size_t entry_index(size_t k, void **state) {
    const struct CMUnitTest *t = NULL;
    if (state && (uintptr_t)state % sizeof(void *) == 0)
        memcpy(&t, (const char *)state - sizeof t, sizeof t);
    uintptr_t off = (uintptr_t)t - (uintptr_t)grp.copy;
    if (t && off % sizeof *t == 0 && off / sizeof *t < grp.n && off / sizeof *t % LC_TRAMPS == k)
        return off / sizeof *t;
    size_t i = grp.next + (k + LC_TRAMPS - grp.next % LC_TRAMPS) % LC_TRAMPS;
    return i < grp.n ? i : k;
}

static void entry_run(size_t k, void **state) {
    lc__engine_disarm();
    lc__cmocka_abort_restore();
    entry_settle();
    size_t i = entry_index(k, state);
    grp.next = i + 1;
    struct entry *en = &grp.e[i];
    grp.current = en;
    grp.pending = 1;
    grp.results_before = results_now();
    lc__stack_scrub(); /* earlier tests' dead frames: no stale addresses */
    if (en->kind < 0 && lc__opts()->cmocka)
        run_plain(en, state);
    else
        en->fn(state); /* a macro test reads its fixtures from grp.current */
    entry_settle();
    grp.current = NULL;
    lc__stack_scrub(); /* nor for the next test, whose frames cmocka makes here */
}

/* cmocka runs a test's teardown even when its body failed: the engine's
 * iteration was cut short, so its teardown is still due. Every test the
 * engine runs gets this trampoline, with a teardown of its own or not: a
 * failed test is settled here, so that its leakcheck line is printed before
 * cmocka's "[  FAILED  ]", not after the next test's "[ RUN      ]". */
static int entry_teardown(size_t k, void **state) {
    lc__engine_disarm(); /* cmocka longjmped past the engine */
    lc__cmocka_abort_restore();
    size_t i = grp.next ? grp.next - 1 : k; /* the test that just ran */
    if (i % LC_TRAMPS != k)
        i = entry_index(k, state);
    struct entry *en = &grp.e[i];
    int rc = 0;
    if (en->fixture_open) {
        en->fixture_open = 0;
        rc = en->teardown ? en->teardown(state) : 0;
    }
    if (grp.pending) { /* its body longjmped out: settled now, not at the next test */
        lc__session_settle();
        entry_settle();
    }
    return rc;
}

#define LC_TRAMP(id, idx)                                                                \
    static void lc_tr##id(void **state) { entry_run((idx), state); }                     \
    static int lc_td##id(void **state) { return entry_teardown((idx), state); }
#define LC_TRAMP_ROW(id, idx) {lc_tr##id, lc_td##id},
#define LC_X4(M, p, v) M(p##0, (v)*4) M(p##1, (v)*4 + 1) M(p##2, (v)*4 + 2) M(p##3, (v)*4 + 3)
#define LC_X16(M, p, v)                                                                  \
    LC_X4(M, p##0, (v)*4) LC_X4(M, p##1, (v)*4 + 1) LC_X4(M, p##2, (v)*4 + 2)           \
        LC_X4(M, p##3, (v)*4 + 3)
#define LC_X64(M, p, v)                                                                  \
    LC_X16(M, p##0, (v)*4) LC_X16(M, p##1, (v)*4 + 1) LC_X16(M, p##2, (v)*4 + 2)        \
        LC_X16(M, p##3, (v)*4 + 3)
#define LC_X256(M, p, v)                                                                 \
    LC_X64(M, p##0, (v)*4) LC_X64(M, p##1, (v)*4 + 1) LC_X64(M, p##2, (v)*4 + 2)        \
        LC_X64(M, p##3, (v)*4 + 3)
#define LC_X1024(M, p, v)                                                                \
    LC_X256(M, p##0, (v)*4) LC_X256(M, p##1, (v)*4 + 1) LC_X256(M, p##2, (v)*4 + 2)     \
        LC_X256(M, p##3, (v)*4 + 3)

LC_X1024(LC_TRAMP, _, 0)
static const struct {
    CMUnitTestFunction test;
    CMFixtureFunction teardown;
} tramps[LC_TRAMPS] = {LC_X1024(LC_TRAMP_ROW, _, 0)};

/* The array cmocka runs instead of tests: each function a trampoline; a test
 * whose fixtures run inside the engine's iterations keeps only a teardown
 * trampoline (for a body that longjmps out), even when it has no teardown. */
static struct CMUnitTest *group_copy(const char *name, const struct CMUnitTest *tests,
                                     size_t n) {
    struct CMUnitTest *copy = lc__xmalloc((n ? n : 1) * sizeof *copy);
    struct entry *e = lc__xmalloc((n ? n : 1) * sizeof *e);
    if (!copy || !e) {
        fprintf(stderr, "leakcheck: group '%s': out of memory for its %zu tests: they run "
                "unjudged\n", name ? name : "?", n);
        lc__session_note_failure(); /* never a pass unobserved */
        lc__xfree(copy);
        lc__xfree(e);
        return NULL;
    }
    grp.e = e;
    int plain_mode = lc__opts()->cmocka;
    for (size_t i = 0; i < n; i++) {
        struct entry *en = &grp.e[i];
        copy[i] = tests[i];
        memset(en, 0, sizeof *en);
        if (!tests[i].test_func)
            continue;
        en->name = tests[i].name ? tests[i].name : "?";
        en->fn = tests[i].test_func;
        en->setup = tests[i].setup_func;
        en->teardown = tests[i].teardown_func;
        en->kind = wrapper_kind(tests[i].test_func);
        en->engine_fixtures = en->kind == LEAKCHECK_WRAPPER_TEST || (en->kind < 0 && plain_mode);
        copy[i].test_func = tramps[i % LC_TRAMPS].test;
        if (en->engine_fixtures) {
            copy[i].setup_func = NULL;
            copy[i].teardown_func = tramps[i % LC_TRAMPS].teardown;
        }
    }
    grp.n = n;
    grp.next = 0;
    grp.copy = copy;
    return copy;
}

/* ---- cmocka seams ---- */

static CMFixtureFunction group_teardown;

/* The group's teardown, once cmocka is done with the tests (the last one may
 * have longjmped past the engine). */
static int group_teardown_tramp(void **state) {
    lc__engine_disarm();
    lc__cmocka_abort_restore();
    return group_teardown(state);
}

/* cmocka's expect_assert_failure(call): the test's own setjmp on
 * global_expect_assert_env, which mock_assert (in libcmocka) longjmps to when
 * the call asserts. That jump is the test going as planned, not a mock error.
 * Looked up through the program (RTLD_DEFAULT): a test that names the
 * variable holds the copy in use (a copy relocation), not libcmocka's. Set
 * by the group runner, outside any signal handler. */
static const void *expect_assert_env;

static void expect_assert_lookup(void) {
    if (!expect_assert_env)
        expect_assert_env = dlsym(RTLD_DEFAULT, "global_expect_assert_env");
}

typedef int (*group_fn)(const char *, const struct CMUnitTest *const, const size_t,
                        CMFixtureFunction, CMFixtureFunction);

/* Learns the group's name, runs the group's tests through the trampolines,
 * and settles the group's last test, even when it failed. Group fixtures are
 * cmocka's, run once. */
static __attribute__((noinline)) int run_group(const char *name,
                                               const struct CMUnitTest *const tests,
                                               const size_t n, CMFixtureFunction setup,
                                               CMFixtureFunction teardown) {
    static group_fn real;
    if (!real)
        real = (group_fn)dlsym(RTLD_NEXT, "_cmocka_run_group_tests");
    /* Under `leakcheck run` the process is the one scope and writes the one
     * report: tests are judged only when asked (LEAKCHECK_CMOCKA). */
    if (lc__opts()->run_mode && !lc__opts()->cmocka)
        return real(name, tests, n, setup, teardown);
    lc__session_prepare();
    expect_assert_lookup();
    lc__session_set_group(name);
    lc__session_run()->cmocka.groups++;
    lc__guard_enter();
    struct CMUnitTest *copy = grp.depth ? NULL : group_copy(name, tests, n);
    lc__guard_leave();
    grp.depth++;
    if (copy)
        group_teardown = teardown;
    lc__stack_scrub(); /* what our preparation left where cmocka's frame goes */
    int rc = real(name, copy ? copy : tests, n, setup,
                  copy && teardown ? group_teardown_tramp : teardown);
    grp.depth--;
    lc__engine_disarm();
    lc__cmocka_abort_restore();
    if (copy) {
        entry_settle();
        grp.current = NULL;
        grp.n = grp.next = 0;
        grp.copy = NULL;
        lc__guard_enter();
        lc__xfree(copy);
        lc__xfree(grp.e);
        grp.e = NULL;
        lc__guard_leave();
    }
    lc__session_settle();
    lc__session_write_reports();
    /* A corrupt or foreign baseline fails the run, every result kept. */
    if (rc == 0 && lc__baseline_broken())
        rc = 1;
    return rc;
}

/* Interposes cmocka's group runner. The dead stack below the program's frame
 * is zeroed first: the frames made over it (ours, cmocka's runner, the
 * engine's) keep in their unwritten slots whatever earlier code left there,
 * and a copy of the address of a chunk glibc hands out again made a block a
 * test lost in its single run read as reachable. */
__attribute__((visibility("default"))) int
_cmocka_run_group_tests(const char *name, const struct CMUnitTest *const tests,
                        const size_t n, CMFixtureFunction setup, CMFixtureFunction teardown) {
    lc__stack_scrub();
    return run_group(name, tests, n, setup, teardown);
}

typedef void (*skip_fn)(const char *, int);

/* cmocka's skip() longjmps like a failure; remember it was a skip. */
__attribute__((visibility("default"))) void _skip(const char *const file, const int line) {
    static skip_fn real;
    if (!real)
        real = (skip_fn)dlsym(RTLD_NEXT, "_skip");
    if (lc__engine_repeating()) {
        /* skipped when repeated, after a first run that passed */
        char m[600];
        snprintf(m, sizeof m, "skip() at %s:%d", file, line);
        lc__engine_abandon(m);
    }
    lc__session_note_skip();
    real(file, line);
    abort(); /* not reached: _skip longjmps */
}

/* ---- the exit status: nothing silent ---- */

/* ---- a failure in an iteration after the first: not repeatable ---- */

/* The text cmocka's assertions print before they call _fail, kept while an
 * iteration after the first runs: if the iteration fails, it is the test's
 * "not repeatable" message, not a cmocka failure. */
static struct lc_buf captured;

/* Text captured but never followed by _fail (a mock error longjmps by
 * itself): printed, so nothing is lost. */
static void captured_flush(void) {
    if (!captured.len)
        return;
    fprintf(stderr, "%s", captured.data);
    lc__guard_enter();
    lc__buf_free(&captured);
    lc__guard_leave();
}

typedef void (*print_fn)(const char *, ...);

__attribute__((visibility("default"))) void LC_PRINT_ERROR(const char *format, ...) {
    static print_fn real;
    if (lc__mocks_draining())
        return; /* cmocka complaining about a value leakcheck drains */
    if (!real)
        real = (print_fn)dlsym(RTLD_NEXT, LC_STR(LC_PRINT_ERROR));
    struct lc_buf b;
    lc__guard_enter();
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    va_list ap;
    va_start(ap, format);
    char small[1024];
    int n = vsnprintf(small, sizeof small, format, ap);
    va_end(ap);
    if (n >= (int)sizeof small) {
        char *big = lc__xmalloc((size_t)n + 1);
        va_start(ap, format);
        if (big)
            vsnprintf(big, (size_t)n + 1, format, ap);
        va_end(ap);
        lc__buf_puts(&b, big ? big : small);
        lc__xfree(big);
    } else if (n > 0) {
        lc__buf_puts(&b, small);
    }
    if (lc__engine_repeating()) {
        if (!captured.realloc_fn)
            lc__buf_init(&captured, lc__xrealloc, lc__xfree);
        lc__buf_puts(&captured, b.data ? b.data : "");
        lc__buf_free(&b);
        lc__guard_leave();
        return;
    }
    lc__guard_leave();
    if (real)
        real("%s", b.data ? b.data : "");
    lc__guard_enter();
    lc__buf_free(&b);
    lc__guard_leave();
}

typedef void (*fail_fn)(const char *, int);

/* The captured text on one line, with where it failed (file may be NULL). */
static const char *captured_message(const char *file, int line) {
    struct lc_buf m;
    lc__guard_enter();
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    const char *t = captured.data ? captured.data : "";
    size_t len = strlen(t);
    while (len && (t[len - 1] == '\n' || t[len - 1] == ' '))
        len--;
    for (size_t i = 0; i < len; i++)
        lc__buf_putc(&m, t[i] == '\n' ? ' ' : t[i]);
    if (file)
        lc__buf_printf(&m, "%s%s:%d", len ? " at " : "failure at ", file, line);
    else if (!len)
        lc__buf_puts(&m, "cmocka failed the test");
    lc__buf_free(&captured);
    lc__guard_leave();
    return m.data ? m.data : "failed";
}

/* An assertion that fails in an iteration after the first abandons that
 * iteration (the engine judges the test from its first run) instead of
 * failing the cmocka test. */
__attribute__((visibility("default"))) void _fail(const char *const file, const int line) {
    volatile uintptr_t regs[6];
    LC_SWEEP_REGS(regs);
    static fail_fn real;
    if (lc__mocks_draining())
        lc__mocks_drain_jump(); /* a drained check that fails: not the test's */
    if (!real)
        real = (fail_fn)dlsym(RTLD_NEXT, "_fail");
    lc__sweep_held_note((const uintptr_t *)regs); /* a fail-sweep child's */
    if (lc__engine_repeating())
        lc__engine_abandon(captured_message(file, line));
    lc__cmocka_foreign_failure(file, line); /* a callback thread's, in a repeat */
    real(file, line);
    abort(); /* not reached: _fail longjmps to cmocka's runner */
}

/* ---- cmocka failing a test without _fail ---- */

typedef void (*jump_fn)(sigjmp_buf, int);

/* 1 when pc lies in libcmocka (found from its _fail). */
static int in_cmocka(const void *pc) {
    static void *base;
    Dl_info di;
    if (!base) {
        void *f = dlsym(RTLD_NEXT, "_fail");
        if (!f || !dladdr(f, &di))
            return 0;
        base = di.dli_fbase;
    }
    return dladdr(pc, &di) && di.dli_fbase == base;
}

/* A mock error (mock() with no value queued, check_expected with nothing
 * expected) makes cmocka longjmp to its runner without _fail. In an
 * iteration after the first it abandons the iteration instead: the test is
 * not repeatable, judged from its first run. cmocka's own longjmp is
 * __longjmp_chk (a fortified build) or longjmp. */
__attribute__((noreturn)) static void cmocka_jump(jump_fn *real, const char *which,
                                                  sigjmp_buf env, int val, const void *caller) {
    /* not a crash inside leakcheck's own code (guard up, a lock held): that
     * one is the session's to end (lc__session_settle), never a single run
     * that would wait on the lock the crash left held */
    if (lc__mocks_draining() && in_cmocka(caller))
        lc__mocks_drain_jump(); /* nothing left to drain after all: not the test's */
    if (lc__engine_repeating() && (const void *)env != expect_assert_env &&
        in_cmocka(caller) && lc__tls.guard == 0 && lc__tls.locks == 0)
        lc__engine_abandon(captured_message(NULL, 0));
    if (!*real) /* looked up once: a later jump may come from a signal handler */
        *real = (jump_fn)dlsym(RTLD_NEXT, which);
    (*real)(env, val);
    abort(); /* not reached */
}

static jump_fn real_longjmp_chk, real_longjmp;

__attribute__((visibility("default"), noreturn)) void __longjmp_chk(sigjmp_buf env, int val) {
    cmocka_jump(&real_longjmp_chk, "__longjmp_chk", env, val, __builtin_return_address(0));
}

__attribute__((visibility("default"), noreturn)) void longjmp(jmp_buf env, int val) {
    cmocka_jump(&real_longjmp, "longjmp", env, val, __builtin_return_address(0));
}
