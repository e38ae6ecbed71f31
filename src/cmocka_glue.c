/* cmocka_glue.c: leakcheck's seams into cmocka: failing a test through cmocka
 * so the text reaches its XML and TAP, lc_test_run (the entry point of
 * LEAKCHECK_TEST) on top of the engine, and the interposed group runner and
 * skip(). Calls the engine and the session. Not on the hook path. */
#include <dlfcn.h>
#include <stdlib.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "gate.h"
#include "internal.h"
#include "leakcheck/leakcheck.h"
#include "session.h"
#include "xml.h"

#ifndef cm_print_error
/* exported by cmocka 1.1.x but not declared in 1.1.5's header */
void cm_print_error(const char *format, ...);
#define LC_PRINT_ERROR cm_print_error
#else
#define LC_PRINT_ERROR cmocka_print_error
#endif

void lc__cmocka_fail(const char *file, int line, const char *text) {
    /* the text lands in cmocka's per-test message, its XML and TAP; it must
     * end with a newline because cmocka appends "file:line: error: Failure!" */
    LC_PRINT_ERROR("%s", text);
    _fail(file, line);
    abort(); /* not reached: _fail longjmps to cmocka's runner */
}

/* A result that is not clean fails the current cmocka test. */
static void fail_unless_clean(const struct lc_test_result *res, const char *file,
                              unsigned line) {
    if (res->verdict == LC_VERDICT_CLEAN)
        return;
    struct lc_buf msg;
    lc__guard_enter();
    lc__buf_init(&msg, lc__xrealloc, lc__xfree);
    lc__buf_printf(&msg, "leakcheck: %s: %s\n%s", res->name, res->message,
                   res->details ? res->details : "");
    lc__guard_leave();
    lc__cmocka_fail(file, (int)line, msg.data ? msg.data : "leakcheck: leak\n");
}

void lc_test_run(const char *name, const char *file, unsigned line,
                 void (*body)(void **state), void **state, const lc_test_options *opts) {
    struct lc_engine_test t = {name, file, line, body, state, opts};
    struct lc_test_result *res;
    int rc = lc__engine_run(&t, &res);
    if (rc == LC_ENOMEM)
        fail_msg("leakcheck: out of memory for test results");
    else if (rc)
        fail_msg("%s", res->message);
    else
        fail_unless_clean(res, file, line);
}

/* ---- cmocka seams ---- */

typedef int (*group_fn)(const char *, const struct CMUnitTest *const, const size_t,
                        CMFixtureFunction, CMFixtureFunction);

/* Interposes cmocka's group runner to learn the group's name and to settle the
 * group's last test, even when it failed. */
__attribute__((visibility("default"))) int
_cmocka_run_group_tests(const char *name, const struct CMUnitTest *const tests,
                        const size_t n, CMFixtureFunction setup, CMFixtureFunction teardown) {
    static group_fn real;
    if (!real)
        real = (group_fn)dlsym(RTLD_NEXT, "_cmocka_run_group_tests");
    lc__session_set_group(name);
    int rc = real(name, tests, n, setup, teardown);
    lc__session_settle();
    struct lc_run *run = lc__session_run();
    if (run->ntests || run->nbenchmarks)
        lc__session_write_reports();
    /* A corrupt or foreign baseline fails the run, every result kept. */
    if (rc == 0 && lc__baseline_broken())
        rc = 1;
    return rc;
}

typedef void (*skip_fn)(const char *, int);

/* cmocka's skip() longjmps like a failure; remember it was a skip. */
__attribute__((visibility("default"))) void _skip(const char *const file, const int line) {
    static skip_fn real;
    if (!real)
        real = (skip_fn)dlsym(RTLD_NEXT, "_skip");
    lc__session_note_skip();
    real(file, line);
    abort(); /* not reached: _skip longjmps */
}
