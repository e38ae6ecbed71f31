/* test_worker.c: the "worker" group: a group fixture starts a worker thread
 * once for every test (its allocations are background), tests hand it jobs;
 * cmocka_unit_test_prestate passes a state of the test's own. */
#include <stdlib.h>

#include "suite.h"
#include "toy.h"

static int group_setup(void **state) {
    (void)state;
    return toy_worker_start();
}

static int group_teardown(void **state) {
    (void)state;
    toy_worker_stop();
    return 0;
}

static void worker_job_clean(void **state) {
    (void)state;
    toy_worker_run(0);
}

#ifndef SUITE_CLEAN_ONLY
static void worker_job_leaks(void **state) {
    (void)state;
    toy_worker_run(1);
}
#endif

static int answer = 42;

static void prestate_reads_state(void **state) {
    /* a group state would override it; this group's setup leaves none */
    assert_ptr_equal(*state, &answer);
    void *p = malloc(8);
    free(p);
}

int run_worker_group(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(worker_job_clean),
#ifndef SUITE_CLEAN_ONLY
        cmocka_unit_test(worker_job_leaks),
#endif
        cmocka_unit_test_prestate(prestate_reads_state, &answer),
    };
    return cmocka_run_group_tests_name("worker", tests, group_setup, group_teardown);
}
