/* Suppression rules: inline "# comments" after a rule are not part of its
 * pattern (the README's example file, parsed as a file), a '#' inside a
 * pattern stays, a rule that is only a comment is a one-line error, and the
 * parsed rules match the frames they name and nothing else; the built-in
 * test-time rules match only the function that made the allocation. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "report.h"

/* The example of README.md's "Suppressions" section, as a user copies it. */
static const char readme_example[] =
    "leak:my_global_cache_*      # a function, file or module glob in any frame\n"
    "thread:metrics-flusher      # a thread name or a frame of its creation stack\n"
    "fd:/var/lib/app/journal*    # an fd target or a frame of its opening stack\n";

static void inline_comments_are_not_patterns(void **state) {
    (void)state;
    struct lc_suppression *r = NULL;
    size_t n = 0;
    char err[256] = "";
    const char *text = "# a whole-line comment\n"
                       "leak:cache_put\t# tab before the comment\n"
                       "leak:a#b   # a '#' inside a pattern stays\n"
                       "  fd:pipe:[*]#not a comment, no blank before it\n";
    assert_int_equal(lc__rules_parse(text, "inline", &r, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(r[0].kind, "leak");
    assert_string_equal(r[0].pattern, "cache_put");
    assert_string_equal(r[1].pattern, "a#b");
    assert_string_equal(r[2].kind, "fd");
    assert_string_equal(r[2].pattern, "pipe:[*]#not a comment, no blank before it");
    lc__xfree(r);
}

static void comment_only_rule_is_an_error(void **state) {
    (void)state;
    struct lc_suppression *r = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(lc__rules_parse("leak:ok\nleak: # forgot the pattern\n", "rules.txt", &r,
                                     &n, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "rules.txt:2:"));
    assert_null(strchr(err, '\n'));
    lc__xfree(r);
}

static void readme_example_file_matches(void **state) {
    (void)state;
    char path[] = "/tmp/lc_suppress_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, readme_example, sizeof readme_example - 1),
                     (ssize_t)(sizeof readme_example - 1));
    close(fd);
    char err[256] = "";
    int rc = lc__suppressions_load(path, err, sizeof err);
    unlink(path);
    assert_int_equal(rc, 0);
    size_t n = 0;
    struct lc_suppression *user = lc__suppressions_user(&n);
    assert_int_equal(n, 3);
    assert_string_equal(user[0].pattern, "my_global_cache_*");
    assert_string_equal(user[1].pattern, "metrics-flusher");
    assert_string_equal(user[2].pattern, "/var/lib/app/journal*");

    lc_frame cache[2] = {{.function = "my_global_cache_insert"}, {.function = "main"}};
    lc_frame other[2] = {{.function = "my_local_cache_insert"}, {.function = "main"}};
    assert_ptr_equal(lc__suppressed("leak", NULL, cache, 2, user, n), &user[0]);
    assert_null(lc__suppressed("leak", NULL, other, 2, user, n));
    assert_ptr_equal(lc__suppressed("thread", "metrics-flusher", NULL, 0, user, n), &user[1]);
    assert_ptr_equal(lc__suppressed("fd", "/var/lib/app/journal.3", NULL, 0, user, n), &user[2]);
    assert_null(lc__suppressed("fd", "/var/lib/app/other", NULL, 0, user, n));
}

/* The built-in test-time rules name the function that made the allocation:
 * the first frame past OpenSSL's allocator wrappers (inlined callers at that
 * address included); the same function further out, or after a frame with no
 * name, matches nothing. */
static void test_rules_match_the_allocating_function(void **state) {
    (void)state;
    lc_frame queue[3] = {{.function = "CRYPTO_strdup"}, {.function = "ERR_set_debug"},
                         {.function = "key_check"}};
    struct lc_suppression *s = lc__test_rule_match(queue, 3);
    assert_non_null(s);
    assert_string_equal(s->pattern, "ERR_set_debug");
    assert_non_null(strstr(s->why, "OpenSSL's per-thread error queue"));
    lc_frame data[2] = {{.function = "ERR_vset_error"}, {.function = "ERR_set_error"}};
    assert_non_null(lc__test_rule_match(data, 2));
    lc_frame inl[3] = {{.function = "CRYPTO_strdup"}, {.function = "err_set_debug", .inlined = 1},
                       {.function = "ERR_set_debug"}};
    assert_non_null(lc__test_rule_match(inl, 3));
    /* a leak of the caller's own, next to an ERR call or inside one */
    lc_frame own[3] = {{.function = "CRYPTO_malloc"}, {.function = "key_check_leaky"},
                       {.function = "ERR_vset_error"}};
    assert_null(lc__test_rule_match(own, 3));
    lc_frame cb[3] = {{.function = "malloc_in_callback"}, {.function = "ERR_print_errors_cb"},
                      {.function = "main"}};
    assert_null(lc__test_rule_match(cb, 3));
    lc_frame unnamed[3] = {{.function = "CRYPTO_zalloc"}, {.function = NULL},
                           {.function = "ossl_err_get_state_int"}};
    assert_null(lc__test_rule_match(unnamed, 3));
    assert_null(lc__test_rule_match(NULL, 0));
    size_t n = 0;
    struct lc_suppression *all = lc__test_rules(&n);
    for (size_t i = 0; i < n; i++)
        assert_true(all[i].why && *all[i].why && strcmp(all[i].kind, "leak") == 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_match_the_allocating_function),
        cmocka_unit_test(inline_comments_are_not_patterns),
        cmocka_unit_test(comment_only_rule_is_an_error),
        cmocka_unit_test(readme_example_file_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
