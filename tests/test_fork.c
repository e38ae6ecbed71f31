/* fork while another thread is inside the hooks. leakcheck holds every lock of
 * its own across fork (pthread_atfork); if it did not, a child forked while the
 * churning thread held a table shard or the stack depot lock would inherit that
 * lock locked and hang on its first tracked call. The main thread forks 200
 * times inside an active scope while a second thread mallocs and frees without
 * pause. Each child must find tracking off (the child never reports for the
 * parent), allocate, open a scope of its own and see exactly its own
 * allocation (so its inherited locks are usable), then exit(0). The parent
 * waits for each child with a bounded poll: a hung child is killed and fails
 * the test instead of hanging ctest. Finally the parent's own scope must still
 * balance exactly.
 *
 * A second test forks with fork handlers that free tracked blocks while
 * leakcheck holds its locks (tests/atfork_early.c, registered before
 * leakcheck's own handlers): fork must not hang, and the frees made in the
 * prepare and parent handlers must be counted once fork returns. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define NFORKS 200
/* Generous: a healthy child exits in about a millisecond. */
#define CHILD_WAIT_CAP_MS 30000

/* Child exit codes, one per thing that can go wrong, so the failure says which. */
enum {
    CHILD_OK = 0,
    CHILD_STILL_TRACKING = 10,
    CHILD_NO_MEMORY = 11,
    CHILD_SCOPE_FAILED = 12,
    CHILD_WRONG_COUNT = 13,
    CHILD_FORK_FAILED = 14,
    CHILD_HANDLER_DID_NOT_RUN = 15,
    CHILD_GRANDCHILD_FAILED = 16,
};

/* Slots of tests/atfork_early.c's handlers. */
extern void *volatile atfork_prepare_block;
extern void *volatile atfork_parent_block;
extern void *volatile atfork_child_block;

static atomic_int stop;

struct churn_tally {
    uint64_t allocs, frees;
};

static void *churn(void *arg) {
    struct churn_tally *t = arg;
    unsigned n = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        /* Vary size and call so that several shards and stacks are in play. */
        size_t size = 16 + (n++ % 61) * 8;
        void *p = (n & 1) ? malloc(size) : calloc(1, size);
        if (!p)
            abort(); /* no cmocka assertions off the main thread */
        lc_test_sink = p;
        t->allocs++;
        free(p);
        t->frees++;
    }
    return NULL;
}

static int child_main(void) {
    if (lc_scope_active())
        return CHILD_STILL_TRACKING;
    char *s = strdup("child");
    void *p = malloc(100);
    if (!s || !p)
        return CHILD_NO_MEMORY;
    lc_test_sink = p;
    free(s);
    free(p);
    /* The child's tracker must be usable: every lock it inherited is free. */
    if (lc_scope_begin(NULL) != 0)
        return CHILD_SCOPE_FAILED;
    void *q = malloc(48);
    if (!q)
        return CHILD_NO_MEMORY;
    lc_test_sink = q;
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    free(q);
    lc_scope_end();
    if (c.allocs != 1 || c.bytes_allocated != 48 || c.live_blocks != 1)
        return CHILD_WRONG_COUNT;
    return CHILD_OK;
}

/* Waits for pid for at most CHILD_WAIT_CAP_MS; returns 1 with *status filled,
 * or 0 after killing and reaping a child that did not finish. */
static int wait_bounded(pid_t pid, int *status) {
    struct timespec tick = {0, 1000000};
    for (int ms = 0; ms < CHILD_WAIT_CAP_MS; ms++) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0)
            return 0;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
    return 0;
}

static void *idle(void *arg) { return arg; }

static void t_fork_during_churn(void **state) {
    (void)state;
    /* The first thread on a fresh stack gets a DTV from calloc that glibc keeps
     * with the cached stack: do that before the scope so the counts are exact. */
    pthread_t warm;
    assert_int_equal(pthread_create(&warm, NULL, idle, NULL), 0);
    assert_int_equal(pthread_join(warm, NULL), 0);

    assert_int_equal(lc_scope_begin(NULL), 0);
    lc_counters before;
    lc_scope_counters(&before, LEAKCHECK_ATTRIBUTED);

    struct churn_tally tally = {0};
    pthread_t th;
    atomic_store(&stop, 0);
    assert_int_equal(pthread_create(&th, NULL, churn, &tally), 0);

    for (int i = 0; i < NFORKS; i++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            exit(child_main());
        int status = 0;
        if (!wait_bounded(pid, &status)) {
            atomic_store(&stop, 1);
            pthread_join(th, NULL);
            lc_scope_end();
            fail_msg("fork %d: child %d did not exit within %d ms (deadlock in the child)", i,
                     (int)pid, CHILD_WAIT_CAP_MS);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            atomic_store(&stop, 1);
            pthread_join(th, NULL);
            lc_scope_end();
            fail_msg("fork %d: child %d %s %d", i, (int)pid,
                     WIFEXITED(status) ? "exited with status" : "killed by signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        }
    }

    atomic_store(&stop, 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    lc_counters after;
    lc_scope_counters(&after, LEAKCHECK_ATTRIBUTED);
    lc_scope_end();

    /* The churner really ran across the forks, and the parent's tracking went
     * on: its counts are exact and it left nothing live. The main thread's own
     * calls (fork, thread creation) balance. */
    assert_true(tally.allocs > 0);
    assert_int_equal(after.allocs - before.allocs, tally.allocs);
    assert_int_equal(after.frees - before.frees, tally.frees);
    assert_int_equal(after.live_blocks, before.live_blocks);
    assert_int_equal(after.live_bytes, before.live_bytes);
}

/* Runs in a child of the test process, so that a fork that hangs costs a
 * bounded wait, not the whole test binary. */
static int handlers_main(void) {
    if (lc_scope_begin(NULL) != 0)
        return CHILD_SCOPE_FAILED;
    atfork_prepare_block = malloc(24);
    atfork_parent_block = malloc(40);
    atfork_child_block = malloc(56);
    if (!atfork_prepare_block || !atfork_parent_block || !atfork_child_block)
        return CHILD_NO_MEMORY;
    lc_counters a, b;
    lc_scope_counters(&a, LEAKCHECK_ATTRIBUTED);
    pid_t pid = fork();
    if (pid < 0)
        return CHILD_FORK_FAILED;
    if (pid == 0)
        _exit(atfork_child_block == NULL ? CHILD_OK : CHILD_HANDLER_DID_NOT_RUN);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return CHILD_GRANDCHILD_FAILED;
    lc_scope_counters(&b, LEAKCHECK_ATTRIBUTED);
    /* The prepare and parent handlers' frees, counted after fork returned;
     * the child handler's block is still live here. */
    if (atfork_prepare_block || atfork_parent_block || !atfork_child_block)
        return CHILD_HANDLER_DID_NOT_RUN;
    if (b.frees - a.frees != 2 || b.bytes_freed - a.bytes_freed != 24 + 40 ||
        a.live_blocks - b.live_blocks != 2)
        return CHILD_WRONG_COUNT;
    free(atfork_child_block);
    atfork_child_block = NULL;
    lc_scope_counters(&b, LEAKCHECK_ATTRIBUTED);
    lc_scope_end();
    if (b.live_blocks != 0 || b.live_bytes != 0)
        return CHILD_WRONG_COUNT;
    return CHILD_OK;
}

static void t_fork_handlers_that_free(void **state) {
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        exit(handlers_main());
    int status = 0;
    if (!wait_bounded(pid, &status))
        fail_msg("fork with freeing handlers did not return within %d ms (deadlock)",
                 CHILD_WAIT_CAP_MS);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("fork with freeing handlers: child %s %d",
                 WIFEXITED(status) ? "exited with status" : "killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_fork_during_churn),
        cmocka_unit_test(t_fork_handlers_that_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
