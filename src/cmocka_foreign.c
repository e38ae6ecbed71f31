/* cmocka_foreign.c: a cmocka assertion that fails on a thread other than the
 * test's while leakcheck repeats the test (a callback in a library's worker
 * thread, sysrepo's subscriptions: the callback counts its calls in group
 * state and asserts the count). The engine cannot abandon that iteration
 * from another thread, and cmocka then aborts the process (CMOCKA_TEST_ABORT=1)
 * or longjmps across threads; owns the one line that says which test,
 * iteration and thread it was, and the crashed verdict's text. Called by
 * cmocka_glue.c's _fail; not on the hook path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "internal.h"
#include "session.h"

/* 1 when cmocka's exit_test will abort: CMOCKA_TEST_ABORT's value starts
 * with '1' (cmocka reads it with getenv on every failure). */
static int cmocka_aborts(void) {
    const char *v = getenv("CMOCKA_TEST_ABORT");
    return v && v[0] == '1';
}

void lc__cmocka_foreign_failure(const char *file, int line) {
    const char *name = NULL;
    unsigned iteration = lc__engine_repeat_iteration(&name);
    if (!iteration)
        return;
    lc__guard_enter();
    char *msg = lc__xsprintf(
        "an assertion failed at %s:%d in a thread other than the test's (tid %ld) in "
        "iteration %u of %s, which leakcheck repeats (its first run passed): the test is "
        "probably not repeatable, and cmocka %s",
        file ? file : "?", line, (long)syscall(SYS_gettid), iteration, name ? name : "?",
        cmocka_aborts() ? "aborts the run (CMOCKA_TEST_ABORT=1)"
                        : "now jumps to the test's thread from this one (undefined behaviour)");
    lc__guard_leave();
    if (!msg)
        return;
    fprintf(stderr, "leakcheck: %s\n", msg);
    fflush(stderr);
    lc__session_abort_reason(msg);
}
