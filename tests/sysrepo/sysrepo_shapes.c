/* sysrepo_shapes.c: a plain cmocka suite shaped like sysrepo's: main sets
 * CMOCKA_TEST_ABORT=1 (so that a failure in a callback thread aborts rather
 * than longjmps across threads), the group setup opens a "connection" that
 * keeps an array of its sessions, and a test that starts a session and never
 * stops it (sysrepo's test_push_oper) leaks one per run. The tests after it
 * must still run. Built plain: it links cmocka, not leakcheck; run_sysrepo.sh
 * runs it preloaded under LEAKCHECK_CMOCKA=1. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

struct session {
    int id;
    char name[40];
};

struct conn {
    struct session **sessions;
    size_t nsessions;
    int calls; /* the callback's count, never reset (sysrepo's st->cb_called) */
    int shm_fd; /* a shared-memory file mapped at shm, shm_size bytes (sr_shm_t) */
    void *shm, *extra;
    size_t shm_size;
};

/* sysrepo's sr_shm_remap: unmap, grow the file, map it again */
__attribute__((noinline)) static int conn_shm_remap(struct conn *c, size_t size) {
    if (c->shm)
        munmap(c->shm, c->shm_size);
    c->shm = NULL;
    if (ftruncate(c->shm_fd, (off_t)size) != 0)
        return -1;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->shm_fd, 0);
    if (p == MAP_FAILED)
        return -1;
    c->shm = p;
    c->shm_size = size;
    return 0;
}

/* the connection's session array grows by one pointer per session */
__attribute__((noinline)) static struct session *conn_session_start(struct conn *c) {
    struct session *s = calloc(1, sizeof *s);
    struct session **grown = realloc(c->sessions, (c->nsessions + 1) * sizeof *grown);
    if (!s || !grown) {
        free(s);
        return NULL;
    }
    c->sessions = grown;
    c->sessions[c->nsessions++] = s;
    s->id = (int)c->nsessions;
    return s;
}

__attribute__((noinline)) static void conn_session_stop(struct conn *c, struct session *s) {
    for (size_t i = 0; i < c->nsessions; i++)
        if (c->sessions[i] == s) {
            c->sessions[i] = c->sessions[--c->nsessions];
            break;
        }
    if (!c->nsessions) {
        free(c->sessions);
        c->sessions = NULL;
    }
    free(s);
}

static int group_setup(void **state) {
    struct conn *c = calloc(1, sizeof *c);
    *state = c;
    return c ? 0 : -1;
}

static int shm_setup(void **state) {
    if (group_setup(state))
        return -1;
    struct conn *c = *state;
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/sysrepo_shapes_XXXXXX", dir ? dir : "/tmp");
    c->shm_fd = mkstemp(path);
    if (c->shm_fd < 0)
        return -1;
    unlink(path);
    return conn_shm_remap(c, 120);
}

static int shm_teardown(void **state) {
    struct conn *c = *state;
    if (c->extra)
        munmap(c->extra, 4096);
    munmap(c->shm, c->shm_size);
    close(c->shm_fd);
    free(c);
    return 0;
}

static int group_teardown(void **state) {
    struct conn *c = *state;
    while (c->nsessions)
        conn_session_stop(c, c->sessions[0]);
    free(c);
    return 0;
}

/* starts a session and forgets to stop it: one session per run */
static void session_never_stopped(void **state) {
    struct session *volatile s = conn_session_start(*state);
    assert_non_null(s);
}

static void session_stopped(void **state) {
    struct session *volatile s = conn_session_start(*state);
    assert_non_null(s);
    conn_session_stop(*state, s);
}

static void runs_after_the_leak(void **state) {
    assert_non_null(*state);
}

/* the suite's own failure (argv[1] "fails"): cmocka must still abort */
static void fails_itself(void **state) {
    assert_null(*state);
}

/* a subscription's listener thread runs the callback, which asserts that
 * it is its first call: true in the first run only */
static void *listener(void *arg) {
    struct conn *c = arg;
    c->calls++;
    assert_int_equal(c->calls, 1);
    return NULL;
}

static void callback_counts_calls(void **state) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, listener, *state), 0);
    pthread_join(t, NULL);
}

/* not repeatable (its second run fails); its first run grows the shared
 * memory: the new mapping replaces the group's, nothing is left behind */
static void remap_once(void **state) {
    struct conn *c = *state;
    static int runs;
    assert_int_equal(++runs, 1); /* the second run stops before it remaps */
    assert_int_equal(conn_shm_remap(c, c->shm_size + 4096), 0);
    ((volatile char *)c->shm)[0] = 1;
}

/* its twin maps the file a second time and keeps it: one mapping left */
static void map_once_kept(void **state) {
    struct conn *c = *state;
    if (!c->extra) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, c->shm_fd, 0);
        assert_true(p != MAP_FAILED);
        c->extra = p;
    }
    static int runs;
    assert_int_equal(++runs, 1);
}

/* not repeatable; its first run starts a session the group's connection
 * keeps (allocated in the group setup, before any test) */
static void session_kept_once(void **state) {
    static int runs;
    assert_int_equal(++runs, 1);
    struct session *volatile s = conn_session_start(*state);
    assert_non_null(s);
}

/* its twin: the first run's session is linked nowhere (lost) */
static void *volatile lost_sink;
__attribute__((noinline)) static struct session *session_new_unlinked(void) {
    struct session *s = calloc(1, sizeof *s);
    lost_sink = s;
    lost_sink = NULL;
    return s;
}
static void session_lost_once(void **state) {
    (void)state;
    static int runs;
    assert_int_equal(++runs, 1);
    assert_non_null(session_new_unlinked());
}

int main(int argc, char **argv) {
    setenv("CMOCKA_TEST_ABORT", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_never_stopped),
        cmocka_unit_test(session_stopped),
        cmocka_unit_test(runs_after_the_leak),
        cmocka_unit_test(fails_itself),
    };
    const struct CMUnitTest in_thread[] = {cmocka_unit_test(callback_counts_calls)};
    const struct CMUnitTest remap[] = {cmocka_unit_test(remap_once),
                                       cmocka_unit_test(map_once_kept)};
    const struct CMUnitTest kept[] = {cmocka_unit_test(session_kept_once),
                                      cmocka_unit_test(session_lost_once)};
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "kept") == 0)
        return cmocka_run_group_tests(kept, group_setup, group_teardown);
    if (strcmp(mode, "remap") == 0)
        return cmocka_run_group_tests(remap, shm_setup, shm_teardown);
    if (strcmp(mode, "thread") == 0)
        return cmocka_run_group_tests(in_thread, group_setup, group_teardown);
    size_t n = strcmp(mode, "fails") == 0 ? 4 : 3;
    return _cmocka_run_group_tests("sysrepo_shapes", tests, n, group_setup, group_teardown);
}
