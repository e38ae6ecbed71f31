/* cmocka_glue.h: leakcheck's seams into cmocka (cmocka_glue.c). Not on the
 * hook path. */
#ifndef LC_CMOCKA_GLUE_H
#define LC_CMOCKA_GLUE_H

#include <stdint.h>

/* Fails the current cmocka test with text (ending in a newline) as its
 * message: cm_print_error on cmocka 1.1.x, cmocka_print_error on 2.x, then
 * _fail, which longjmps to cmocka's runner. */
void lc__cmocka_fail(const char *file, int line, const char *text)
    __attribute__((noreturn));

/* cmocka_fit.c: text, or text cut to whole lines in out (ending "... N more
 * in the reports"), so that cmocka 1.1 prints it with its location and final
 * newline within its 1024-byte line for a failure at file:line. */
struct lc_buf;
const char *lc__cmocka_fit(const char *text, const char *file, int line,
                           struct lc_buf *out);

/* cmocka_abort.c: CMOCKA_TEST_ABORT=1 set aside while lc__cmocka_fail fails
 * a test (cmocka then longjmps to its runner instead of aborting), and put
 * back when cmocka next runs leakcheck's code (a fixture, the next test, the
 * group's end). */
void lc__cmocka_abort_hide(void);
void lc__cmocka_abort_restore(void);

/* cmocka_foreign.c: a cmocka failure on another thread while a test is
 * repeated: one line naming the test, iteration and thread, and the text of
 * the crashed verdict if cmocka aborts. */
void lc__cmocka_foreign_failure(const char *file, int line);

/* 1 while the engine judges a plain cmocka test (LEAKCHECK_CMOCKA): an
 * lc_bench_run the test calls itself then runs its body once, unmeasured. */
int lc__cmocka_judging_plain(void);

/* cmocka_alloc.c: forgets the test_malloc blocks followed so far (a test
 * starts), and releases those allocated in iteration `from` or later through
 * cmocka's _test_free. */
void lc__tm_reset(void);
void lc__tm_release(unsigned from);

/* cmocka_mocks.c: forgets the mock values followed so far (a test starts:
 * cmocka freed what the previous test left queued). */
void lc__mocks_reset(void);

/* cmocka_mocks.c: 1 while it drains what an abandoned iteration left queued;
 * then _fail jumps back to it (lc__mocks_drain_jump) and cmocka's printed
 * complaint is dropped. */
int lc__mocks_draining(void);
void lc__mocks_drain_jump(void) __attribute__((noreturn));

/* cmocka_always.c: an entry queued with count (cmocka's -1 "always", -2
 * "maybe", or a finite count) for function and parameter ("" for a return
 * value, "()" for a call). LC_ALWAYS_SKIP: an earlier fixture or body of the
 * test being repeated queued one, do not queue it; LC_ALWAYS_HIDE: queue it
 * untracked, then call lc__always_leave; 0: queue it as usual. ok says cmocka
 * will not fail the call (a failure would leave the guard up).
 * lc__always_reset forgets them (a test starts; lc__mocks_reset calls it). */
#define LC_ALWAYS_SKIP (-1)
#define LC_ALWAYS_HIDE 1
int lc__always_enter(int count, const char *function, const char *parameter, int ok);
void lc__always_leave(int how);
void lc__always_reset(void);

/* cmocka_returns.c: a return value queued with will_return_always or _maybe
 * (count -1 or -2) while the engine runs is held there, never queued to
 * cmocka: lc__returns_queue returns 1 (pending: finite values of function
 * queued and not used yet), else 0 (queue it as usual). lc__returns_mock
 * returns 1 with *value when a held value answers this call, 0 when cmocka's
 * queue does. lc__returns_finish (the test's engine run is over) queues to
 * cmocka the always values cmocka fails without leakcheck (never used in the
 * first run, or a second one in the same call), so that it fails them. */
int lc__returns_queue(const char *function, const char *file, int line, uintmax_t value,
                      int count, long pending);
int lc__returns_mock(const char *function, long pending, uintmax_t *value);
void lc__returns_finish(void);
void lc__returns_reset(void);

/* cmocka_legacy.c: how many times the program called cmocka's deprecated
 * runners (_run_tests, _run_group_tests), which leakcheck does not judge. */
int lc__cmocka_legacy_runs(void);

#endif
