/* test_queue.c: the "queue" group: per-test fixtures that reset global state,
 * a 30-entry queue each test fills with 6 entries (repeated without its
 * teardown it would overflow), will_return mocks, cmocka's test_malloc, and
 * the once-only tests that are not repeatable. Plain cmocka, unmodified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "toy.h"

/* ---- fixtures ---- */

static int queue_setup(void **state) {
    toy_init();
    *state = strdup("fixture-state"); /* per-test state, freed by teardown */
    return *state ? 0 : -1;
}

static int queue_teardown(void **state) {
    toy_queue_reset();
    free(*state);
    return 0;
}

#ifndef SUITE_CLEAN_ONLY
static int queue_teardown_leaky(void **state) {
    toy_queue_reset_leaky();
    free(*state);
    return 0;
}
#endif

static void fill_six(void) {
    assert_int_equal(toy_queue_len(), 0); /* the fixture reset it */
    for (int i = 0; i < 6; i++)
        assert_int_equal(toy_queue_push("entry"), 0);
    assert_int_equal(toy_queue_len(), 6);
}

static void queue_fill(void **state) {
    assert_string_equal(*state, "fixture-state");
    fill_six();
}

#ifndef SUITE_CLEAN_ONLY
static void queue_fill_leaky_reset(void **state) {
    (void)state;
    fill_six();
}
#endif

/* ---- the mocked source ---- */

int toy_source_read(char *buf, size_t len) {
    int rc = mock_type(int);
    if (rc >= 0)
        snprintf(buf, len, "key=value");
    return rc;
}

static void config_ok(void **state) {
    (void)state;
    will_return(toy_source_read, 0);
    char *c = toy_config_load();
    assert_non_null(c);
    free(c);
}

static void config_error_clean(void **state) {
    (void)state;
    will_return(toy_source_read, -1);
    assert_null(toy_config_load());
}

#ifndef SUITE_CLEAN_ONLY
static void config_error_leaks(void **state) {
    (void)state;
    will_return(toy_source_read, -1);
    assert_null(toy_config_load_leaky());
}
#endif

/* ---- cmocka's own allocation checks ---- */

static void um_clean(void **state) {
    (void)state;
    toy_um_free(toy_um_make());
}

static void um_realloc_clean(void **state) {
    (void)state;
    toy_um_grow();
}

#ifndef SUITE_CLEAN_ONLY
static void um_leaks(void **state) {
    (void)state;
    toy_um_leak();
}

/* failing this test releases its test_malloc blocks: the buffer realloc
 * moved and freed is not among them */
static void um_realloc_leaks(void **state) {
    (void)state;
    toy_um_grow();
    toy_um_leak();
}
#endif

/* ---- not repeatable ---- */

static char lock_path[4000], lock_path2[4100], lock_path3[4100];

/* SUITE_TMPDIR: the checker's temporary directory (nothing depends on the
 * checkout's path). */
static void lock_paths_init(void) {
    const char *dir = getenv("SUITE_TMPDIR");
    snprintf(lock_path, sizeof lock_path, "%s/suite-%d.lock", dir ? dir : "/tmp",
             (int)getpid());
    snprintf(lock_path2, sizeof lock_path2, "%s.2", lock_path);
    snprintf(lock_path3, sizeof lock_path3, "%s.3", lock_path);
    unlink(lock_path);
    unlink(lock_path3);
    unlink(lock_path2);
}

static void once_counter(void **state) {
    (void)state;
    assert_int_equal(toy_register(), 1); /* true only the first time */
}

#ifndef SUITE_CLEAN_ONLY
static void once_counter_leaks(void **state) {
    (void)state;
    assert_int_equal(toy_register_leaky(), 1);
}
#endif

static void once_exclusive_file(void **state) {
    (void)state;
    assert_int_equal(toy_lock_create(lock_path), 0); /* the file exists the 2nd time */
}

/* The second run dereferences NULL: a crash caused by the repetition. */
static void once_crashes_when_repeated(void **state) {
    (void)state;
    char *volatile b = toy_take_buffer();
    assert_true(b[0] == 'f');
}

/* The test's own setup cannot run twice. */
static int exclusive_setup(void **state) {
    (void)state;
    return toy_lock_create(lock_path3) == 0 ? 0 : -1;
}

static void once_setup_exclusive(void **state) {
    (void)state;
    free(malloc(12));
}

#ifndef SUITE_CLEAN_ONLY
static void once_exclusive_file_leaks_fd(void **state) {
    (void)state;
    assert_true(toy_lock_create_leaky(lock_path2) >= 0);
}
#endif

int run_queue_group(void) {
    lock_paths_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(queue_fill, queue_setup, queue_teardown),
        cmocka_unit_test(config_ok),
        cmocka_unit_test(config_error_clean),
        cmocka_unit_test(um_clean),
        cmocka_unit_test(um_realloc_clean),
        cmocka_unit_test(once_counter),
        cmocka_unit_test(once_exclusive_file),
        cmocka_unit_test(once_crashes_when_repeated),
        cmocka_unit_test_setup(once_setup_exclusive, exclusive_setup),
#ifndef SUITE_CLEAN_ONLY
        cmocka_unit_test_setup_teardown(queue_fill_leaky_reset, queue_setup,
                                        queue_teardown_leaky),
        cmocka_unit_test(config_error_leaks),
        cmocka_unit_test(um_leaks),
        cmocka_unit_test(um_realloc_leaks),
        cmocka_unit_test(once_counter_leaks),
        cmocka_unit_test(once_exclusive_file_leaks_fd),
#endif
    };
    int rc = cmocka_run_group_tests_name("queue", tests, NULL, NULL);
    unlink(lock_path);
    unlink(lock_path2);
    unlink(lock_path3);
    return rc;
}
