/* Planted child-process leaks, each with its clean twin, checked from the
 * JSON report by run_children.py: a child forked per iteration that exits and
 * is never waited for (a zombie per iteration, naming start_child), the same
 * waited for, a child started with posix_spawn per iteration that keeps
 * running (naming spawn_sleeper), a helper process started once and kept
 * for the whole group (one-time), and a popen per iteration never pclosed
 * (glibc spawns that child itself: named open_pipe_child through the
 * stream) with its pclosed twin. The group teardown stops and reaps every
 * child still running. */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

#define NOINLINE __attribute__((noipa))

extern char **environ;

static pid_t running[256];
static int nrunning;

NOINLINE static pid_t start_child(void) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    return pid;
}

LEAKCHECK_TEST(leak_zombie_per_iteration) { assert_true(start_child() > 0); }

LEAKCHECK_TEST(clean_child_waited) {
    pid_t pid = start_child();
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
}

NOINLINE static pid_t spawn_sleeper(void) {
    char *argv[] = {"sleep", "120", NULL};
    pid_t pid = -1;
    assert_int_equal(posix_spawnp(&pid, "sleep", NULL, NULL, argv, environ), 0);
    if (nrunning < 256)
        running[nrunning++] = pid;
    return pid;
}

LEAKCHECK_TEST(leak_spawned_running) { assert_true(spawn_sleeper() > 0); }

static pid_t helper;
LEAKCHECK_TEST(clean_helper_once) {
    if (!helper)
        helper = spawn_sleeper();
    assert_true(helper > 0);
}

static FILE *pipes[256];
static int npipes;

NOINLINE static FILE *open_pipe_child(void) {
    FILE *f = popen("cat", "w"); /* cat waits on the pipe until it is closed */
    assert_non_null(f);
    return f;
}

LEAKCHECK_TEST(leak_popen_never_closed) {
    FILE *f = open_pipe_child();
    if (npipes < 256)
        pipes[npipes++] = f; /* kept: the child, not the FILE, is the leak */
}

LEAKCHECK_TEST(clean_popen_closed) { assert_int_equal(pclose(open_pipe_child()), 0); }

static int stop_children(void **state) {
    (void)state;
    for (int i = 0; i < npipes; i++)
        pclose(pipes[i]);
    for (int i = 0; i < nrunning; i++) {
        kill(running[i], SIGKILL);
        waitpid(running[i], NULL, 0);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) /* the zombies */
        ;
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_zombie_per_iteration),
        cmocka_unit_test(clean_child_waited),
        cmocka_unit_test(leak_spawned_running),
        cmocka_unit_test(clean_helper_once),
        cmocka_unit_test(leak_popen_never_closed),
        cmocka_unit_test(clean_popen_closed),
    };
    return cmocka_run_group_tests_name("children", tests, NULL, stop_children);
}
