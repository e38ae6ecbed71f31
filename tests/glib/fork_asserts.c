/* fork_asserts.c: the shape of Pacemaker's pcmk__assert_asserts, run
 * unmodified under LEAKCHECK_CMOCKA=1: a test forks, the child calls code that
 * must abort(), and the parent passes only when the child died of SIGABRT.
 * leakcheck repeats the test, so its children abort in every iteration; a
 * child is not the test and must die as it would without leakcheck. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

extern void *volatile lc_test_sink;

struct entry {
    struct entry *next;
    char name[40];
};
static struct entry *registry; /* grows by one entry per leaky call */

/* The library function under test: asserts on NULL (abort), else parses. */
static __attribute__((noinline)) int parse_checked(const char *s, int keep) {
    if (!s)
        abort();
    struct entry *e = malloc(sizeof *e);
    if (!e)
        return -1;
    strncpy(e->name, s, sizeof e->name - 1);
    e->name[sizeof e->name - 1] = 0;
    if (keep) { /* the planted leak: an unbounded registry */
        e->next = registry;
        registry = e;
    } else {
        lc_test_sink = e;
        free(e);
    }
    return 0;
}

/* Runs fn(NULL) in a child, as pcmk__assert_asserts does; 1 when the child
 * died of SIGABRT. */
static int child_aborts(int keep) {
    pid_t p = fork();
    if (p == 0) {
        struct rlimit cores = {0, 0};
        setrlimit(RLIMIT_CORE, &cores);
        parse_checked(NULL, keep);
        _exit(0);
    }
    int ws = 0;
    if (p < 0 || waitpid(p, &ws, 0) != p)
        return 0;
    return WIFSIGNALED(ws) && WTERMSIG(ws) == SIGABRT;
}

static void clean_fork_asserts(void **state) {
    (void)state;
    assert_int_equal(parse_checked("a", 0), 0);
    if (!child_aborts(0))
        fail_msg("statement terminated in child without asserting");
}

static void leak_fork_asserts(void **state) {
    (void)state;
    assert_int_equal(parse_checked("b", 1), 0);
    if (!child_aborts(1))
        fail_msg("statement terminated in child without asserting");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_fork_asserts),
        cmocka_unit_test(leak_fork_asserts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
