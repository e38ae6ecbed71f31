/* Fail-sweep cases besides the parser, each a code-under-test function with
 * its planted bug marked SWEEP:<NAME> on the allocation whose failure shows
 * it, and a LEAKCHECK_TEST that handles every error that code reports:
 * libc-internal allocations (strdup, fopen), a worker thread the test
 * starts, a retry that only a persistent failure defeats, a crash between
 * clean tests, a test that cannot be repeated, a data-dependent one, the
 * per-test option. run_sweep.py checks the JSON and JUnit reports. */
#define _GNU_SOURCE
#include <leakcheck/leakcheck.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *volatile lc_test_sink;

/* Keeps p from being optimized away without leaving its address behind: a
 * stale copy in a global would make a later block at that address look
 * reachable to the child's reachability scan. */
static void use(void *p) {
    lc_test_sink = p;
    lc_test_sink = NULL;
}

/* ---- strdup inside the code under test: its failure leaks the record ---- */
struct named {
    char *name;
    int id;
};

__attribute__((noinline)) static struct named *named_new(const char *name) {
    struct named *n = malloc(sizeof *n);
    if (!n)
        return NULL;
    n->name = strdup(name); /* SWEEP:STRDUP */
    if (!n->name)
        return NULL; /* forgets n */
    n->id = 1;
    return n;
}

LEAKCHECK_TEST(strdup_inside) {
    struct named *n = named_new("a fairly long name");
    if (!n)
        return;
    free(n->name);
    free(n);
}

/* ---- fopen failing: the buffer read before it leaks ---- */
__attribute__((noinline)) static int read_self(void) {
    char *buf = malloc(256);
    if (!buf)
        return -1;
    FILE *f = fopen("/proc/self/stat", "r"); /* SWEEP:FOPEN */
    if (!f)
        return -1; /* forgets buf */
    size_t n = fread(buf, 1, 255, f);
    fclose(f);
    free(buf);
    return (int)n;
}

LEAKCHECK_TEST(fopen_fails) { (void)read_self(); }

/* ---- a worker thread the test starts: its second allocation failing
 * leaks its first ---- */
static void *worker(void *arg) {
    (void)arg;
    char *a = malloc(48);
    if (!a)
        return NULL;
    char *b = malloc(96); /* SWEEP:WORKER */
    if (!b)
        return NULL; /* forgets a */
    snprintf(a, 48, "x");
    snprintf(b, 96, "y");
    free(b);
    free(a);
    return NULL;
}

LEAKCHECK_TEST(worker_thread) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) == 0)
        pthread_join(t, NULL);
}

/* ---- a retry: one failure is absorbed, a persistent one leaks ---- */
__attribute__((noinline)) static int with_retry(void) {
    char *keep = malloc(40);
    if (!keep)
        return -1;
    char *p = malloc(80); /* SWEEP:RETRY */
    if (!p)
        p = malloc(80); /* one more try */
    if (!p)
        return -1; /* forgets keep */
    use(p);
    free(p);
    free(keep);
    return 0;
}

LEAKCHECK_TEST(retry_once) { (void)with_retry(); }

/* ---- a crash between clean tests: the suite goes on ---- */
LEAKCHECK_TEST(clean_before) {
    char *p = malloc(10);
    use(p);
    free(p);
}

__attribute__((noinline)) static size_t crash_on_null(void) {
    char *p = malloc(32); /* SWEEP:ISOLATED */
    memset(p, 'x', 31); /* no check: NULL is written to */
    p[31] = 0;
    size_t n = strlen(p);
    free(p);
    return n;
}

LEAKCHECK_TEST(crashes_when_failed) { use((void *)crash_on_null()); }

LEAKCHECK_TEST(clean_after) {
    char *p = calloc(3, 7);
    use(p);
    free(p);
}

/* ---- a test that cannot be repeated: skipped with its reason ---- */
static int runs;
LEAKCHECK_TEST(once_only) {
    assert_int_equal(runs++, 0);
    char *p = malloc(8);
    use(p);
    free(p);
}

/* ---- data-dependent: each run allocates once more ---- */
static int calls;
LEAKCHECK_TEST(data_dependent) {
    int n = ++calls % 3 + 1;
    for (int i = 0; i < n; i++) {
        char *p = malloc(16);
        use(p);
        free(p);
    }
}

/* ---- the per-test option: this test is never swept ---- */
LEAKCHECK_TEST_WITH(opted_out, {.fail_sweep = LEAKCHECK_NONE}) {
    struct named *n = named_new("never swept");
    if (!n)
        return;
    free(n->name);
    free(n);
}

/* ---- a retry loop: a persistent failure hangs it (this test sweeps
 * persistent failures only, through its own option) ---- */
__attribute__((noinline)) static void *alloc_forever(size_t n) {
    void *p;
    while (!(p = malloc(n))) /* SWEEP:HANG */
        ;
    return p;
}

LEAKCHECK_TEST_WITH(hangs_when_failed, {.fail_sweep = LEAKCHECK_FAIL_SWEEP_PERSISTENT}) {
    void *p = alloc_forever(64);
    use(p);
    free(p);
}

/* ---- an fd and a thread left behind on an error path ---- */
__attribute__((noinline)) static int open_with_buffer(void) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char *buf = malloc(128); /* SWEEP:FD */
    if (!buf)
        return -1; /* forgets fd */
    free(buf);
    close(fd);
    return 0;
}

LEAKCHECK_TEST(fd_left_open) { (void)open_with_buffer(); }

static void *idle(void *arg) { return arg; }

__attribute__((noinline)) static int start_worker(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, idle, NULL))
        return -1;
    char *job = malloc(72); /* SWEEP:THREAD */
    if (!job)
        return -1; /* forgets the thread: never joined */
    free(job);
    pthread_join(t, NULL);
    return 0;
}

LEAKCHECK_TEST(thread_left_unjoined) { (void)start_worker(); }

/* ---- a finding the test expects: reported as expected, the test passes ---- */
LEAKCHECK_TEST_WITH(expects_its_finding, {.expect = "sweep:named_new"}) {
    struct named *n = named_new("expected");
    if (!n)
        return;
    free(n->name);
    free(n);
}

/* ---- abort() on a failed allocation: a crash with SIGABRT ---- */
__attribute__((noinline)) static char *must_alloc(size_t n) {
    char *p = malloc(n); /* SWEEP:ABORT */
    if (!p)
        abort();
    return p;
}

LEAKCHECK_TEST(aborts_when_failed) {
    char *p = must_alloc(20);
    use(p);
    free(p);
}

/* ---- assertions on what the code returns: the body's own block, left when
 * an assertion ends the body, is not the code's leak; the code's still is ---- */
LEAKCHECK_TEST(asserts_on_errors) {
    char *mine = malloc(10);
    assert_non_null(mine);
    char *copy = strdup("hello");
    assert_non_null(copy);
    free(copy);
    free(mine);
}

LEAKCHECK_TEST(asserts_on_leaky_code) {
    char *mine = malloc(12);
    assert_non_null(mine);
    struct named *n = named_new("asserted");
    assert_non_null(n);
    free(n->name);
    free(n);
    free(mine);
}

/* ---- xmalloc style: an allocation failure ends the process ---- */
__attribute__((noinline)) static void *xmalloc(size_t n) {
    void *p = malloc(n); /* SWEEP:EXIT */
    if (!p)
        exit(3);
    return p;
}

LEAKCHECK_TEST(exits_on_failure) {
    void *p = xmalloc(24);
    use(p);
    free(p);
}

/* ---- a correct function whose NULL the test does not check: the crash
 * comes after the call that saw the failure returned to the test, so it is
 * "unchecked by the test", no finding (LEAKCHECK_FAIL_SWEEP_STRICT=1: one) ---- */
struct box {
    int v;
    char *label;
};

__attribute__((noinline)) static struct box *box_new(void) {
    struct box *b = malloc(sizeof *b); /* SWEEP:BOX */
    if (!b)
        return NULL;
    b->v = 0;
    b->label = NULL;
    return b;
}

__attribute__((noinline)) static int box_get(const struct box *b) {
    return *(const volatile int *)&b->v; /* no check: the caller's NULL */
}

__attribute__((noinline)) static void box_free(struct box *b) { free(b); }

LEAKCHECK_TEST(unchecked_in_test) {
    struct box *b = box_new();
    *(volatile int *)&b->v = 1; /* SWEEP:UNCHECKED_DEREF */
    use(b);
    box_free(b);
}

LEAKCHECK_TEST(unchecked_other_call) {
    struct box *b = box_new();
    use((void *)(intptr_t)box_get(b));
    box_free(b);
}

/* ---- box_adopt fails cleanly and the child stays the caller's; the test
 * ignores the error and loses the child another call returned to it: a leak
 * unchecked by the test, not the code's ---- */
__attribute__((noinline)) static int box_adopt(struct box *parent, struct box *child) {
    struct box **slot = malloc(sizeof *slot); /* SWEEP:ADOPT */
    if (!slot)
        return -1;
    *slot = child;
    parent->label = (char *)slot;
    return 0;
}

LEAKCHECK_TEST(unchecked_leak) {
    struct box *parent = box_new();
    if (!parent)
        return;
    struct box *child = box_new();
    (void)box_adopt(parent, child); /* the error is not checked */
    if (parent->label)
        box_free(*(struct box **)parent->label);
    free(parent->label);
    box_free(parent);
}

/* ---- an assertion ends the test after another call's result: that result
 * is the test's skipped cleanup, not a leak of the code under test ---- */
LEAKCHECK_TEST(asserts_after_other_call) {
    struct box *a = box_new();
    assert_non_null(a);
    char *copy = strdup("second"); /* SWEEP:SECOND */
    assert_non_null(copy);
    free(copy);
    box_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strdup_inside),   cmocka_unit_test(fopen_fails),
        cmocka_unit_test(worker_thread),   cmocka_unit_test(retry_once),
        cmocka_unit_test(clean_before),    cmocka_unit_test(crashes_when_failed),
        cmocka_unit_test(clean_after),     cmocka_unit_test(once_only),
        cmocka_unit_test(data_dependent),  cmocka_unit_test(opted_out),
        cmocka_unit_test(hangs_when_failed), cmocka_unit_test(fd_left_open),
        cmocka_unit_test(thread_left_unjoined), cmocka_unit_test(exits_on_failure),
        cmocka_unit_test(expects_its_finding), cmocka_unit_test(aborts_when_failed),
        cmocka_unit_test(asserts_on_errors),   cmocka_unit_test(asserts_on_leaky_code),
        cmocka_unit_test(unchecked_in_test),   cmocka_unit_test(unchecked_other_call),
        cmocka_unit_test(asserts_after_other_call), cmocka_unit_test(unchecked_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
