/* A test that runs a child test binary (this program, exec'd with "child"):
 * the child inherits LEAKCHECK_JSON and LEAKCHECK_JUNIT but must not write
 * them, because they belong to the parent (owner.c); with %p in a path it
 * writes its own. run_child_reports.py checks both reports. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

LEAKCHECK_TEST(parent_clean) { free(malloc(24)); }

LEAKCHECK_TEST(parent_runs_child) {
    static int done;
    if (done++)
        return; /* one child is enough; later iterations are no-ops */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "child_reports", "child", (char *)NULL);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
}

LEAKCHECK_TEST(child_leaks) { lc_test_sink = malloc(48); }

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        const struct CMUnitTest child[] = {cmocka_unit_test(child_leaks)};
        return cmocka_run_group_tests_name("child", child, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parent_clean),
        cmocka_unit_test(parent_runs_child),
    };
    return cmocka_run_group_tests_name("parent", tests, NULL, NULL);
}
