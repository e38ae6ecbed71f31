/* session.c: the run of a test binary: every test's and benchmark's result,
 * the test in progress and what a longjmp out of it leaves to settle, crash and
 * abort signals, the reports rewritten after every test, and the harness's
 * one-time warm-up. Calls the report writers and the console; knows nothing of
 * cmocka. Not on the hook path. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "fds.h"
#include "gate.h"
#include "glib_slice.h"
#include "internal.h"
#include "options.h"
#include "pprof.h"
#include "report.h"
#include "session.h"

/* A body that fails an assertion or crashes longjmps past its engine: the next
 * test (or the end of the group, or exit) settles it as failed, crashed or
 * skipped and resets tracking. Reports are rewritten before each test (naming
 * it as unfinished) and after it, atomically, so a crash keeps everything
 * measured so far. */

static struct lc_run run;
static size_t tests_cap;
static const char *group_name;
static int ready;
static unsigned failures;

/* The test in progress. `pending` stays set when its body longjmps out. */
static struct {
    int pending;
    size_t index;           /* in run.tests */
    volatile sig_atomic_t crash_sig;
    volatile sig_atomic_t skipped;
    volatile sig_atomic_t inside; /* the crash hit leakcheck's own code (guard up or a lock held) */
    int exited;                   /* the body called exit(): the process ends inside the test */
    int exit_status;
    int died; /* a sanitizer runtime ended the process inside the test (its error report) */
    const char *fixture; /* "setup" or "teardown" while the first run's fixture runs */
} cur;

static void (*settle_hooks[4])(void);
static int (*crash_hook)(int sig);

void lc__session_on_crash(int (*fn)(int sig)) { crash_hook = fn; }

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])
static struct sigaction saved_crash[NCRASH];
static struct sigaction saved_abrt;

double lc__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct lc_run *lc__session_run(void) { return &run; }
const char *lc__session_group(void) { return group_name; }
void lc__session_set_group(const char *name) { group_name = name ? lc__intern(name) : NULL; }

/* The reports whose last write failed (bit 0 JSON, 1 JUnit, 2 pprof): a
 * report the user asked for and did not get fails the exit status. */
static unsigned reports_bad;

/* Notes a write's outcome; its first failure is said, once per report. */
static void report_outcome(unsigned bit, int failed, const char *err) {
    static unsigned said;
    if (!failed) {
        reports_bad &= ~bit;
        return;
    }
    reports_bad |= bit;
    if (!(said & bit))
        fprintf(stderr, "%s\n", err);
    said |= bit;
}

unsigned lc__session_reports_failed(void) { return (unsigned)__builtin_popcount(reports_bad); }

void lc__session_write_reports(void) {
    const struct lc_options_values *o = lc__opts();
    char err[4600];
    if (getpid() != lc__st.owner_pid)
        return;
    lc__guard_enter();
    if (o->json && *o->json)
        report_outcome(1, lc__report_stream_json(&run, o->json, err, sizeof err) != 0, err);
    if (o->junit && *o->junit)
        report_outcome(2, lc__report_stream_junit(&run, o->junit, err, sizeof err) != 0, err);
    lc__guard_leave();
}

/* LEAKCHECK_PPROF: the heap profile of every test so far. Not from a signal
 * handler (the abort path writes only the JSON and JUnit reports). */
void lc__session_write_profile(void) {
    const struct lc_options_values *o = lc__opts();
    char err[4600];
    if (!o->pprof || !*o->pprof || getpid() != lc__st.owner_pid || !run.ntests)
        return;
    lc__guard_enter();
    report_outcome(4, lc__pprof_write_run(&run, o->pprof, err, sizeof err) != 0, err);
    lc__guard_leave();
}

/* ---- crash and abort signals ---- */

void lc__session_signals_restore(void) {
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &saved_crash[i], NULL);
    sigaction(SIGABRT, &saved_abrt, NULL);
}

/* A fork child of the test (Pacemaker's pcmk__assert_asserts forks and
 * expects the child to die of SIGABRT) is not the test: its signals take their
 * course as without leakcheck, with no engine jump and no line of ours. */
static int in_fork_child(void) { return getpid() != lc__st.owner_pid; }

static void crash_handler(int sig) {
    /* Read before the engine's hook runs: a crash with the guard up or one of
     * our locks held left leakcheck's state half updated (lc__session_settle). */
    int child = in_fork_child();
    if (!child && cur.pending && (lc__tls.guard > 0 || lc__tls.locks > 0))
        cur.inside = 1;
    if (crash_hook && !child)
        crash_hook(sig); /* returns unless it took the crash over */
    if (!child)
        cur.crash_sig = sig;
    /* hand over to cmocka's handler (it longjmps to its runner) or default */
    for (size_t i = 0; i < NCRASH; i++) {
        if (crash_signals[i] != sig)
            continue;
        sigaction(sig, &saved_crash[i], NULL);
        if (!(saved_crash[i].sa_flags & SA_SIGINFO) && saved_crash[i].sa_handler != SIG_DFL &&
            saved_crash[i].sa_handler != SIG_IGN) {
            saved_crash[i].sa_handler(sig);
            return;
        }
    }
    raise(sig);
}

static const char *abort_reason;

void lc__session_abort_reason(const char *message) { abort_reason = message; }

static size_t put(char *b, size_t n, size_t cap, const char *s) {
    while (s && *s && n + 1 < cap)
        b[n++] = *s++;
    return n;
}

/* One line on stderr for the test the process aborted in, written with
 * write(2) alone (a signal handler). A test before it that was not
 * repeatable is named: its abandoned run's state (a half-used object, queued
 * work) stays for the tests after it, and may be what this one tripped on. */
static void abort_line(const struct lc_test_result *r, size_t index) {
    char b[768];
    size_t n = put(b, 0, sizeof b, "[leakcheck] ");
    n = put(b, n, sizeof b, r->name);
    n = put(b, n, sizeof b, ": aborted (SIGABRT) while it ran: reported as crashed");
    for (size_t i = index; i-- > 0;)
        if (run.tests[i].not_repeatable) {
            n = put(b, n, sizeof b, " (after ");
            n = put(b, n, sizeof b, run.tests[i].name);
            n = put(b, n, sizeof b, ", which was not repeatable: what its abandoned run left "
                                    "stays for the tests after it; run this test alone to tell)");
            break;
        }
    b[n++] = '\n';
    ssize_t w = write(2, b, n);
    (void)w;
}

static void abort_handler(int sig) {
    /* abort() on the test's thread in an iteration after the first (a
     * library's REQUIRE on state the first run left): the engine abandons
     * that iteration, as it does on a crash; glibc's abort has dropped its
     * lock before raising, so jumping out of here is safe */
    if (in_fork_child()) {
        sigaction(SIGABRT, &saved_abrt, NULL);
        raise(sig);
        return;
    }
    if (crash_hook)
        crash_hook(sig); /* returns unless it took the abort over */
    if (cur.pending) {
        cur.pending = 0;
        struct lc_test_result *r = &run.tests[cur.index];
        r->verdict = LC_VERDICT_CRASHED;
        r->message = abort_reason ? abort_reason : "crashed: aborted (SIGABRT)";
        lc__st.tracking = 0;
        lc__tls.guard++;
        abort_line(r, cur.index);
        lc__session_write_reports(); /* best effort; the report already names this test */
    }
    sigaction(SIGABRT, &saved_abrt, NULL);
    raise(sig);
}

void lc__session_signals_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = crash_handler;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &sa, &saved_crash[i]);
    sa.sa_handler = abort_handler;
    sigaction(SIGABRT, &sa, &saved_abrt);
    if (saved_abrt.sa_handler == abort_handler) /* never chain to ourselves */
        saved_abrt.sa_handler = SIG_DFL;
    for (size_t i = 0; i < NCRASH; i++)
        if (saved_crash[i].sa_handler == crash_handler)
            saved_crash[i].sa_handler = SIG_DFL;
}

/* ---- the test in progress ---- */


struct lc_test_result *lc__session_test_begin(const char *name, const char *file,
                                              unsigned line) {
    lc__guard_enter();
    if (run.ntests == tests_cap) {
        size_t ncap = tests_cap ? tests_cap * 2 : 16;
        struct lc_test_result *n = lc__xrealloc(run.tests, ncap * sizeof *n);
        if (!n) {
            lc__guard_leave();
            return NULL;
        }
        run.tests = n;
        tests_cap = ncap;
    }
    if (!run.binary)
        run.binary = lc__intern(program_invocation_short_name);
    struct lc_test_result *res = &run.tests[run.ntests];
    memset(res, 0, sizeof *res);
    res->name = lc__intern(name);
    res->group = group_name ? group_name : run.binary;
    res->file = lc__intern(file);
    res->line = line;
    res->verdict = LC_VERDICT_CRASHED;
    res->message = "did not finish (crashed, aborted or killed)";
    cur.index = run.ntests++;
    abort_reason = NULL;
    cur.pending = 1;
    cur.crash_sig = 0;
    cur.skipped = 0;
    cur.inside = 0;
    cur.exited = 0;
    cur.died = 0;
    cur.fixture = NULL;
    lc__session_write_reports(); /* if the process dies now, the report names this test */
    lc__guard_leave();
    return res;
}

void lc__session_test_end(void) { cur.pending = 0; }

void lc__session_note_failure(void) { failures++; }
unsigned lc__session_failures(void) { return failures; }

void lc__session_note_exit(int status) {
    if (!cur.pending || cur.exited)
        return;
    cur.exited = 1;
    cur.exit_status = status;
    failures++; /* so that exit(0) from a test body still fails the run */
}

void lc__session_note_skip(void) {
    if (cur.pending)
        cur.skipped = 1;
}

void lc__session_note_fixture(const char *which) { cur.fixture = which; }

void lc__session_on_settle(void (*fn)(void)) {
    for (size_t i = 0; i < sizeof settle_hooks / sizeof settle_hooks[0]; i++) {
        if (settle_hooks[i] == fn)
            return;
        if (!settle_hooks[i]) {
            settle_hooks[i] = fn;
            return;
        }
    }
}

/* The test in progress crashed inside leakcheck's own critical section (the
 * hook guard was up or a lock of ours held) and cmocka longjmped past it. The
 * lock stays held and the structure it guards may be half updated, so the
 * next hook or scope would spin forever or read garbage. Instead: tracking
 * stops for good (the guard stays up on this thread), the test is recorded as
 * crashed with a message naming it, the reports are finished, and the process
 * ends with status LC_EXIT_POISONED. Nothing here takes a lock of ours. */
#define LC_EXIT_POISONED 70
static void session_poisoned(void) {
    static char msg[320];
    __atomic_store_n(&lc__st.tracking, 0, __ATOMIC_RELAXED);
    int locks = lc__tls.locks;
    lc__tls.guard = 1;
    cur.pending = 0;
    struct lc_test_result *r = &run.tests[cur.index];
    snprintf(msg, sizeof msg,
             "crashed inside leakcheck's own code (%s, %s): the run stops here",
             cur.crash_sig ? strsignal(cur.crash_sig) : "left by a longjmp",
             locks ? "one of its locks held" : "its hook guard up");
    r->verdict = LC_VERDICT_CRASHED;
    r->message = msg;
    r->details = NULL;
    r->duration = 0;
    lc__console_test(r);
    fprintf(stderr,
            "leakcheck: test '%s' crashed inside leakcheck's own critical section; "
            "ending the process (exit status %d) instead of deadlocking in the next "
            "test; the reports hold every test up to this one\n",
            r->name, LC_EXIT_POISONED);
    lc__report_stream_finish();
    lc__session_write_reports();
    lc__console_summary(&run);
    fflush(stdout);
    _exit(LC_EXIT_POISONED);
}

void lc__session_settle(void) {
    /* First, before any settle hook or scope call could take a lock: a test
     * still pending with the guard up or a lock held cannot be settled. */
    if (cur.pending && (cur.inside || lc__tls.guard > 0 || lc__tls.locks > 0))
        session_poisoned();
    for (size_t i = 0; i < sizeof settle_hooks / sizeof settle_hooks[0] && settle_hooks[i]; i++)
        settle_hooks[i]();
    if (!cur.pending)
        return;
    cur.pending = 0;
    lc__tls.guard = 0; /* a crash inside a hook may have left it up */
    lc_scope_end();
    lc__fds_reset();
    lc__session_signals_restore();
    struct lc_test_result *r = &run.tests[cur.index];
    r->duration = 0;
    if (cur.died) {
        r->verdict = LC_VERDICT_CRASHED;
        r->message = "ended by the sanitizer runtime (its report is above)";
    } else if (cur.crash_sig) {
        r->verdict = LC_VERDICT_CRASHED;
        r->message = lc__xsprintf("crashed: %s", strsignal(cur.crash_sig));
    } else if (cur.exited) {
        r->verdict = LC_VERDICT_FAILED;
        r->message = lc__xsprintf("called exit(%d): the process ended inside the test, "
                                  "so it was not judged",
                                  cur.exit_status);
    } else if (cur.skipped) {
        r->verdict = LC_VERDICT_SKIPPED;
        r->message = "skipped";
    } else if (cur.fixture) { /* cmocka's words: an error, not a failure */
        r->verdict = LC_VERDICT_FAILED;
        r->failure_type = cur.fixture;
        r->message = lc__xsprintf("Test %s failed (an assertion in it, in its first run: "
                                  "see cmocka's message)", cur.fixture);
    } else {
        r->verdict = LC_VERDICT_FAILED;
        r->message = "failed (see cmocka's message)";
    }
    r->details = NULL;
    lc__console_test(r);
    lc__session_write_reports();
}

/* ---- one-time set-up: the harness's own first-use costs never count ---- */

static void *noop_thread(void *arg) { return arg; }

static void session_init(void) {
    if (ready)
        return;
    ready = 1;
    lc__init();
    lc__guard_enter();
    /* libunwind: first trace on this thread (per-thread cache, pipe fds) */
    lc_scope_config cfg = {.stacks = 1, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) == 0) /* never end a scope of someone else's */
        lc_scope_end();
    lc__stacks_warm(); /* the walker took that trace: libunwind's pipe now */
    /* glibc: the first pthread_create allocates a DTV kept with the cached stack */
    pthread_t t;
    if (pthread_create(&t, NULL, noop_thread, NULL) == 0)
        pthread_join(t, NULL);
    /* /proc listing and stdio buffers used by the console */
    struct lc_fdset s;
    if (lc__fds_snapshot(&s) == 0)
        lc__fdset_free(&s);
    fflush(stdout);
    lc__console_keep(); /* the console outlives a program that closes fd 1 */
    char note[512];
    if (lc__glib_slice_note(note, sizeof note)) /* nothing silent: slices we cannot see */
        fprintf(stderr, "%s\n", note);
    lc__guard_leave();
    lc__baseline_load();
}

void lc__session_prepare(void) {
    session_init();
    lc__session_settle();
}

void lc__session_finish_dying(void) {
    cur.died = cur.pending;
    lc__session_finish();
}

void lc__session_finish(void) {
    static int done;
    if (!ready || getpid() != lc__st.owner_pid || done)
        return;
    done = 1;
    lc__session_settle();
    if (run.ntests || run.nbenchmarks || run.cmocka.groups) {
        lc__report_stream_finish(); /* devices and FIFOs get the document now */
        lc__session_write_reports();
        lc__session_write_profile();
        lc__console_summary(&run);
        lc__baseline_summary();
    }
}

__attribute__((destructor)) static void session_fini(void) { lc__session_finish(); }
