/* A consumer's cmocka test on the core API of an installed leakcheck: a scope
 * counts one allocation and its free, and a block left live is a survivor.
 * It also checks what leakcheck_add_test put in the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <leakcheck/core.h>

/* Stores through a volatile pointer so the compiler keeps the allocations. */
static void *volatile sink;

static void t_scope_counts(void **state) {
    (void)state;
    assert_int_equal(lc_scope_begin(NULL), 0);
    sink = malloc(64);
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    assert_int_equal(c.allocs, 1);
    assert_int_equal(c.live_bytes, 64);
    free(sink);
    sink = malloc(24); /* left live: one survivor */
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    assert_int_equal(c.frees, 1);
    assert_int_equal(c.live_blocks, 1);
    lc_survivors *s = NULL;
    assert_int_equal(lc_scope_survivors(&s), 0);
    assert_int_equal(s->blocks, 1);
    assert_int_equal(s->bytes, 24);
    lc_survivors_free(s);
    lc_scope_end();
    free(sink);
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* LEAKCHECK_JSON=<dir>/<name>.json and LEAKCHECK_JUNIT=<dir>/<name>.xml, with
 * the directory already there; CONSUMER_EXPECT comes from ENV when given. */
static void t_environment(void **state) {
    (void)state;
    const char *json = getenv("LEAKCHECK_JSON"), *junit = getenv("LEAKCHECK_JUNIT");
    assert_non_null(json);
    assert_non_null(junit);
    assert_true(ends_with(json, ".json"));
    assert_true(ends_with(junit, ".xml"));
    size_t stem = strlen(json) - strlen(".json");
    assert_int_equal(strlen(junit) - strlen(".xml"), stem);
    assert_memory_equal(json, junit, stem);
    char dir[4096];
    const char *slash = strrchr(json, '/');
    assert_non_null(slash);
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - json), json);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    const char *expect = getenv("CONSUMER_EXPECT");
    if (expect)
        assert_string_equal(expect, "from-leakcheck_add_test");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_scope_counts),
        cmocka_unit_test(t_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
