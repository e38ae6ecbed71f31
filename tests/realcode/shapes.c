/* Shapes met in real cmocka suites (OpenVPN's tests/unit_tests, run unmodified
 * under LEAKCHECK_CMOCKA=1), each with its twin. A plain cmocka binary: it
 * links cmocka, not leakcheck; run_shapes.py preloads libleakcheck and checks
 * every verdict from the JSON report. Not hook code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define NOINLINE __attribute__((noinline))

void *volatile shapes_sink; /* keeps planted blocks alive at -O2 */

/* ---- a bounded error ring, as OpenSSL's per-thread error queue ----
 * 16 slots; a push reuses the oldest slot, freeing what it held. One push per
 * call: the ring fills after 16 calls, later than warm-up and the measured
 * iterations, and from then on each push frees one block for each new one. */
#define RING_SLOTS 16
struct err_slot {
    char *func; /* strdup'd, as ERR_set_debug does */
    char *data; /* as ERR_add_error_data */
};
static struct err_slot ring[RING_SLOTS];
static unsigned ring_top;

NOINLINE static void ring_push(const char *func, const char *data) {
    struct err_slot *s = &ring[ring_top++ % RING_SLOTS];
    free(s->func);
    free(s->data);
    s->func = strdup(func);
    s->data = malloc(81);
    if (s->data)
        snprintf(s->data, 81, "%s", data);
}

static void clean_error_ring(void **state) {
    (void)state;
    ring_push("PEM_read_bio_ex", "Expecting: CERTIFICATE");
    assert_non_null(ring[(ring_top - 1) % RING_SLOTS].func);
}

/* the twin: a queue that is never trimmed */
struct err_node {
    struct err_node *next;
    char *func;
};
static struct err_node *err_list;

NOINLINE static void err_list_push(const char *func) {
    struct err_node *n = malloc(sizeof *n);
    assert_non_null(n);
    n->func = strdup(func);
    n->next = err_list;
    err_list = n;
}

static void leak_error_list(void **state) {
    (void)state;
    err_list_push("PEM_read_bio_ex");
}

/* ---- expect_assert_failure, as OpenVPN's ASSERT under UNIT_TESTING ---- */
#define SHAPES_ASSERT(c) mock_assert((int)(c), #c, __FILE__, __LINE__)

NOINLINE static int checked_div(int a, int b) {
    SHAPES_ASSERT(b != 0);
    return a / b;
}

static void clean_expect_assert(void **state) {
    (void)state;
    expect_assert_failure(checked_div(1, 0));
    assert_int_equal(checked_div(6, 3), 2);
}

/* the twin: the asserting call allocates first and the assertion's longjmp
 * skips its free (OpenVPN's get_user_pass_cr and its gc arena) */
NOINLINE static char *parse_or_assert(const char *s) {
    char *copy = strdup(s);
    shapes_sink = copy;
    SHAPES_ASSERT(copy && copy[0] != '\0');
    return copy;
}

static void leak_expect_assert(void **state) {
    (void)state;
    expect_assert_failure(parse_or_assert(""));
}

/* ---- a stream the test never closes (OpenVPN's test_list) ---- */
NOINLINE static FILE *open_words(void) {
    FILE *f = fopen("/dev/null", "r");
    shapes_sink = f; /* not a tail call: this frame stays in the stack */
    return f;
}

static void leak_fd_fopen(void **state) {
    (void)state;
    FILE *f = open_words();
    assert_non_null(f);
    shapes_sink = f;
}

/* ---- a library file #included from a relative -I path, same base name ---- */
#include <lib/shapes.c>

static void leak_included_file(void **state) {
    (void)state;
    free(shapes_encode("test data", 1));
}

static void clean_included_file(void **state) {
    (void)state;
    free(shapes_encode("test data", 0));
}

/* libuv's uv_loop_init opens its signal pipe once per process, under
 * pthread_once; bind9's loop tests are not repeatable (a counter never
 * reset), so they are judged from their first run, which opened it */
static pthread_once_t pipe_once = PTHREAD_ONCE_INIT;
static int once_pipe[2] = {-1, -1};
static void open_pipe_once(void) {
    if (pipe(once_pipe) != 0)
        once_pipe[0] = once_pipe[1] = -1;
}
static int once_runs;

static void clean_once_pipe_single_run(void **state) {
    (void)state;
    pthread_once(&pipe_once, open_pipe_once);
    assert_true(once_pipe[0] >= 0);
    assert_int_equal(once_runs++, 0); /* not repeatable */
}

/* a library's worker thread, started on first use and kept for the process
 * (liburcu's call_rcu thread, started by bind9's first qpmulti commit), in a
 * test judged from its single run; and its twin, which drops the handle */
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static void *parked(void *arg) {
    (void)arg;
    pthread_mutex_lock(&park_lock);
    for (;;)
        pthread_cond_wait(&park_cond, &park_lock); /* never signalled */
    return NULL;
}

static pthread_t worker; /* the library keeps its handle */
static int worker_runs;
static void clean_worker_kept_single_run(void **state) {
    (void)state;
    if (!worker_runs)
        assert_int_equal(pthread_create(&worker, NULL, parked, NULL), 0);
    assert_int_equal(worker_runs++, 0); /* not repeatable */
}

__attribute__((noinline)) static void start_dropped(void) {
    pthread_t t; /* the handle is lost when this returns */
    assert_int_equal(pthread_create(&t, NULL, parked, NULL), 0);
}
static int dropped_runs;
static void leak_worker_dropped_single_run(void **state) {
    (void)state;
    if (!dropped_runs)
        start_dropped();
    assert_int_equal(dropped_runs++, 0); /* not repeatable */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_error_ring),
        cmocka_unit_test(leak_error_list),
        cmocka_unit_test(clean_expect_assert),
        cmocka_unit_test(leak_expect_assert),
        cmocka_unit_test(leak_fd_fopen),
        cmocka_unit_test(leak_included_file),
        cmocka_unit_test(clean_included_file),
        cmocka_unit_test(clean_once_pipe_single_run),
        cmocka_unit_test(clean_worker_kept_single_run),
        cmocka_unit_test(leak_worker_dropped_single_run),
    };
    return cmocka_run_group_tests_name("realcode shapes", tests, NULL, NULL);
}
