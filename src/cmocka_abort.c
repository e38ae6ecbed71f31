/* cmocka_abort.c: CMOCKA_TEST_ABORT=1 while leakcheck fails a test itself.
 * With it set, cmocka's _fail aborts the process instead of longjmping to its
 * runner (suites set it so that an assertion failing in a worker thread stops
 * there). leakcheck's own failures (a leak, a budget) are raised on the test's
 * thread once the body has returned, where that longjmp is safe: for that one
 * call the value's first byte is changed in place ('1' to '0', nothing
 * allocated, no setenv racing other threads' getenv) and put back as soon as
 * cmocka runs leakcheck's code again. Called by cmocka_glue.c; not on the
 * hook path. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cmocka_glue.h"
#include "console.h"

extern char **environ;

#define NAME "CMOCKA_TEST_ABORT="

static char *hidden; /* the byte changed, while it is */

/* One byte written through the kernel, which fails (EFAULT) on memory that
 * is not writable (a string literal given to putenv) instead of crashing. */
static int poke(char *at, char c) {
    struct iovec local = {&c, 1}, remote = {at, 1};
    return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == 1 ? 0 : -1;
}

static char *abort_value(void) {
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, NAME, sizeof NAME - 1))
            return *e + sizeof NAME - 1;
    return NULL;
}

void lc__cmocka_abort_hide(void) {
    char *v = abort_value();
    if (hidden || !v || v[0] != '1')
        return;
    if (poke(v, '0') == 0) {
        hidden = v;
        return;
    }
    const char *prefix;
    FILE *out = lc__console(&prefix);
    fprintf(out, "%sleakcheck: CMOCKA_TEST_ABORT=1 and its value cannot be set aside: cmocka "
                 "aborts the process on this failure, and the tests after it do not run\n",
            prefix);
    fflush(out);
}

void lc__cmocka_abort_restore(void) {
    if (hidden && hidden[0] == '0')
        hidden[0] = '1'; /* written by poke: writable */
    hidden = NULL;
}
