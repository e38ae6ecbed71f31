/* fixture_leak.c: ldb_kv_ops_test's shape, a per-test setup that opens a
 * database each run (here: a block) which cmocka's runner calls, not a test
 * body. setup_leaks' setup keeps every block (a planted leak: its console line
 * must end at the setup, without cmocka's runner frames or main), the clean
 * twin's teardown frees it. Test code; not on any hook path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

static void *volatile kept[256]; /* volatile: the planted blocks survive -O2 */
static volatile unsigned nkept;

__attribute__((noinline)) static void *open_db(size_t n) {
    char *db = calloc(1, n);
    if (db)
        db[0] = 'd'; /* not a tail call: open_db keeps its frame at -O2 */
    return db;
}

static int setup_keeps(void **state) {
    void *db = open_db(40);
    kept[nkept++ % 256] = db;
    *state = db;
    return db ? 0 : -1;
}

static int setup_open(void **state) {
    *state = open_db(40);
    return *state ? 0 : -1;
}

static int teardown_close(void **state) {
    free(*state);
    return 0;
}

static void uses_db(void **state) {
    assert_non_null(*state);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(uses_db, setup_keeps, NULL, NULL),
        cmocka_unit_test_setup_teardown(uses_db, setup_open, teardown_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
