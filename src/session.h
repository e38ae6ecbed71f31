/* session.h: the run of a test binary (session.c): every test's and
 * benchmark's result, the test in progress, the reports written from them, and
 * the harness's one-time preparation. Shared by the engine, the benchmarks and
 * the cmocka glue. Not on the hook path. */
#ifndef LC_SESSION_H
#define LC_SESSION_H

#include "results.h"

/* The run every test and benchmark result is added to (the reports' source).
 * Its arrays are lc__xmalloc'd; grow run->benchmarks with lc__xrealloc. */
struct lc_run *lc__session_run(void);
/* The cmocka group in progress (NULL outside cmocka_run_group_tests). */
const char *lc__session_group(void);
void lc__session_set_group(const char *name);
/* Rewrites the JSON and JUnit reports (when configured), atomically. */
void lc__session_write_reports(void);
/* LEAKCHECK_PPROF's profile of every test so far (pprof_session.c); guard
 * taken inside. Never from a signal handler. */
void lc__session_write_profile(void);
/* The harness's one-time set-up (its own first-use costs never count), then
 * the settling of whatever a longjmp left unfinished. Before every test and
 * benchmark. */
void lc__session_prepare(void);
/* Settles an unfinished test or benchmark: a body that failed an assertion,
 * crashed or skipped longjmped past the end of its engine. */
void lc__session_settle(void);
/* The end of the session (settle, reports, summary), once: the library's
 * destructor, or a sanitizer ending the process first (sanitizer_exit.c). */
void lc__session_finish(void);
/* The same when a sanitizer runtime ends the process: a test still running
 * is recorded as crashed, ended by the runtime. */
void lc__session_finish_dying(void);
/* Adds fn to what lc__session_settle runs first (benchmarks, allocation-free
 * regions). Idempotent. */
void lc__session_on_settle(void (*fn)(void));

/* Appends a result for a test that starts now and names it in the reports as
 * unfinished (so a crash keeps it). NULL when out of memory. */
struct lc_test_result *lc__session_test_begin(const char *name, const char *file,
                                              unsigned line);
/* The test began by lc__session_test_begin finished normally. */
void lc__session_test_end(void);
/* cmocka's skip() was called in the test in progress. */
void lc__session_note_skip(void);
/* The first run's per-test "setup" or "teardown" runs (NULL: it returned): an
 * assertion that longjmps out of it is settled as that fixture's error. */
void lc__session_note_fixture(const char *which);
/* exit() was called (exit_status.c): while a test runs, it is settled as
 * "called exit(STATUS)" and counts as a failure. */
void lc__session_note_exit(int status);
/* While a test runs: crash signals are noted (then handed to cmocka) and
 * SIGABRT names the test as crashed in the reports before the process dies. */
void lc__session_signals_install(void);
void lc__session_signals_restore(void);
/* What the verdict of the test in progress says if the process aborts now
 * (instead of "crashed: aborted (SIGABRT)"); NULL puts the plain one back. */
void lc__session_abort_reason(const char *message);

/* leakcheck failed a test or benchmark (a leak, a budget, the baseline, bad
 * options); lc__session_failures counts them for the exit status. */
void lc__session_note_failure(void);
unsigned lc__session_failures(void);
/* The reports (JSON, JUnit, pprof) whose last write failed: said once each
 * on stderr; the exit status fails for them (exit_status.c). */
unsigned lc__session_reports_failed(void);

/* fn(sig) runs first when a crash signal arrives while a test runs; it may
 * longjmp away (the engine abandoning an iteration) or return 0 to let the
 * crash go on to cmocka. */
void lc__session_on_crash(int (*fn)(int sig));

/* CLOCK_MONOTONIC in seconds. */
double lc__now(void);

#endif
