/* engine.h: the iteration engine (engine.c) that judges one test: any body
 * with optional per-iteration fixtures, whether a LEAKCHECK_TEST macro or a
 * test of an unmodified cmocka suite brought it. Knows nothing of cmocka: the
 * glue (cmocka_glue.c) turns a non-clean result into a cmocka failure. Not on
 * the hook path. */
#ifndef LC_ENGINE_H
#define LC_ENGINE_H

#include <stddef.h>

#include "leakcheck/leakcheck.h"
#include "results.h"

struct lc_engine_test {
    const char *name, *file; /* for reports */
    unsigned line;
    void (*body)(void **state);
    void **state;
    const lc_test_options *opts; /* may be NULL: options from the environment */
    /* A cmocka test's own per-test fixtures, run inside every iteration
     * around the body (may be NULL). A non-zero return stops the test. */
    int (*setup)(void **state);
    int (*teardown)(void **state);
    /* 1: *state is reset to initial_state before every iteration's setup, as
     * cmocka does before a test */
    int reset_state;
    void *initial_state;
    /* may be NULL: set to 1 from a successful setup until its teardown ran,
     * so the glue can run the teardown when the body longjmps out */
    int *fixture_open;
    /* 1: the first iteration captures allocation stacks, so that a test
     * found not repeatable names the stacks of what its one run left */
    int first_run_stacks;
};

/* Runs the test through every phase. *out is its result (owned by the
 * session's run). Returns 0 when the test was judged, LEAKCHECK_EINVAL when its
 * options are bad (the result is "failed" with a one-line message naming the
 * problem), LEAKCHECK_ENOMEM when no result could be recorded (*out is NULL). */
int lc__engine_run(const struct lc_engine_test *t, struct lc_test_result **out);

/* 1 while a test runs through the engine (its scope is open). */
int lc__engine_active(void);
/* 1 while an iteration after the first (which passed) is running: a failure
 * now means the test is not repeatable, and lc__engine_abandon handles it. */
int lc__engine_repeating(void);
/* Abandons that iteration (longjmps back into the engine, which judges the
 * test from its first run alone); message is the failure's text. Returns
 * only when no such iteration is running. */
void lc__engine_abandon(const char *message);

/* Sets the check run at the end of every iteration, after its teardown
 * (the cmocka glue: mock values an iteration queued and never used). It
 * returns NULL, or why the iteration cannot be repeated; iteration is 0-based
 * and a message for iteration 0 is ignored (cmocka judges the first run). */
void lc__engine_on_iteration_end(const char *(*check)(unsigned iteration));
/* Sets what runs after a failure abandoned a later iteration, once its
 * teardowns ran (the cmocka glue: the mock values it queued and never used
 * are used up, as at a passing iteration's end). */
void lc__engine_on_iteration_abandoned(void (*fn)(void));
/* A number that changes as each iteration's per-test setup, body and
 * teardown starts (cmocka runs them as separate calls, each with its own
 * mock queues); constant while no engine runs. */
unsigned lc__engine_phase(void);

/* Forgets the running engine: cmocka longjmped past it (a crash, a mock
 * error), or the test is over. */
void lc__engine_disarm(void);

/* While an iteration after the first runs (on any thread): its number (2 for
 * the second run) and the test's name; 0 otherwise. */
unsigned lc__engine_repeat_iteration(const char **name);

/* slow_note.c: after a test's verdict line, one line when its runs took at
 * least slow_ms together (LEAKCHECK_SLOW_MS; -1: never), with the options
 * that shorten it. */
struct lc_test_result;
void lc__slow_note(const struct lc_test_result *r, long slow_ms);

/* deferred_free.c: liburcu's barriers, looked up once per test (resolve),
 * and called after each run before it is counted (drain; LEAKCHECK_RCU_BARRIER). */
void lc__deferred_resolve(void);
void lc__deferred_drain(void);

/* Where the findings a failure message leaves out are: "in the reports" when
 * LEAKCHECK_JSON or LEAKCHECK_JUNIT writes one, else how to have them. */
const char *lc__details_more_where(void);

#endif
