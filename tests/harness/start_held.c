/* start_held.c: a thread held in a pthread_create wrapper's start-up
 * (start_shim.c) while the scope's counters are read, as ASan's threads were
 * under load; built with the shim ahead of and behind libleakcheck. Neither
 * class counts its blocks; a start routine's kept block counts. Prints
 * ok/FAIL lines, exit 1 on a failure. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <leakcheck/core.h>

#include "start_shim.h"

extern void *volatile lc_test_sink;

static int failures;
static unsigned held; /* threads held so far, over the whole run */

static void check(const char *what, int ok, long got, long want) {
    printf("%s %s (%ld, expected %ld)\n", ok ? "ok  " : "FAIL", what, got, want);
    failures += !ok;
}

static void *quick(void *arg) { return arg; }

__attribute__((noinline)) static void *keeping_routine(void *arg) {
    lc_test_sink = malloc(64);
    return arg;
}

static long live(int cls) {
    lc_counters c;
    lc_scope_counters(&c, cls);
    return (long)c.live_blocks;
}

/* One scope: a thread held in its start-up while the counters are read,
 * then let go and joined, then a thread whose routine keeps a block. */
static void one_scope(int stacks, const char *label) {
    lc_scope_config cfg = {.stacks = stacks, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0) {
        check("lc_scope_begin", 0, 1, 0);
        return;
    }
    lc_scope_iteration(1);
    long a0 = live(LEAKCHECK_ATTRIBUTED), b0 = live(LEAKCHECK_BACKGROUND);
    start_shim_mode(START_SHIM_HOLD);
    pthread_t t;
    if (pthread_create(&t, NULL, quick, NULL) != 0) {
        check("pthread_create", 0, 1, 0);
        lc_scope_end();
        return;
    }
    start_shim_wait_holding(++held); /* its two start-up blocks are live now */
    char what[160];
    snprintf(what, sizeof what, "%s: a thread held in start-up adds no test block", label);
    check(what, live(LEAKCHECK_ATTRIBUTED) == a0, live(LEAKCHECK_ATTRIBUTED), a0);
    snprintf(what, sizeof what, "%s: ... and no background block", label);
    check(what, live(LEAKCHECK_BACKGROUND) == b0, live(LEAKCHECK_BACKGROUND), b0);
    start_shim_let_go(held);
    pthread_join(t, NULL);
    snprintf(what, sizeof what, "%s: let go and joined, still none", label);
    check(what, live(LEAKCHECK_ATTRIBUTED) == a0, live(LEAKCHECK_ATTRIBUTED), a0);
    start_shim_mode(START_SHIM_KEEP);
    if (pthread_create(&t, NULL, keeping_routine, NULL) == 0)
        pthread_join(t, NULL);
    snprintf(what, sizeof what, "%s: the start routine's kept block is the test's", label);
    check(what, live(LEAKCHECK_ATTRIBUTED) == a0 + 1, live(LEAKCHECK_ATTRIBUTED), a0 + 1);
    lc_scope_end();
    start_shim_release();
    free(lc_test_sink);
    lc_test_sink = NULL;
}

int main(void) {
    /* one-time blocks outside the scopes: glibc's first pthread_create keeps
     * a DTV block, the first printf stdout's buffer */
    pthread_t t;
    if (pthread_create(&t, NULL, quick, NULL) == 0)
        pthread_join(t, NULL);
    start_shim_release();
    printf("a thread held in a pthread_create wrapper's start-up\n"); /* stdout's buffer */
    one_scope(1, "stacks");
    one_scope(0, "counting");
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
