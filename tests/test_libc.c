/* Leaks made inside glibc: strdup, getline, fopen (a FILE never closed) and
 * asprintf allocate in libc.so.6, which calls malloc through its own PLT. With
 * leakcheck loaded before libc those calls reach the hooks, and the stack
 * captured inside libc must unwind out of it to the function that called libc.
 * Each leak comes from its own non-inlined function; each site must name that
 * function with its file and line, and must start inside libc (so the compiler
 * did not turn the call into a plain malloc). A clean twin makes the same calls
 * and frees everything: no site may name it, and its counts must balance. */
#define _GNU_SOURCE /* asprintf, getline */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define INPUT "/proc/self/status" /* always there, several lines long */

/* A string the compiler cannot see, so strdup stays a call into libc. */
static const char *volatile greeting = "leak via strdup";

__attribute__((noinline)) static void leak_via_strdup(void) { lc_test_sink = strdup(greeting); }

__attribute__((noinline)) static void leak_via_getline(void) {
    FILE *f = fopen(INPUT, "r");
    char *line = NULL;
    size_t cap = 0;
    if (f) {
        if (getline(&line, &cap, f) < 0) {
            free(line);
            line = NULL;
        }
        fclose(f); /* the FILE goes; the line buffer leaks */
    }
    lc_test_sink = line;
}

__attribute__((noinline)) static void leak_via_fopen(void) {
    lc_test_sink = fopen(INPUT, "r"); /* never closed */
}

__attribute__((noinline)) static void leak_via_asprintf(void) {
    char *s = NULL;
    if (asprintf(&s, "%s %d", greeting, 42) < 0)
        s = NULL;
    lc_test_sink = s;
}

__attribute__((noinline)) static void clean_via_strdup(void) {
    char *s = strdup(greeting);
    lc_test_sink = s;
    free(s);
}

__attribute__((noinline)) static void clean_via_getline(void) {
    FILE *f = fopen(INPUT, "r");
    char *line = NULL;
    size_t cap = 0;
    if (f) {
        while (getline(&line, &cap, f) > 0)
            lc_test_sink = line;
        fclose(f);
    }
    free(line);
}

__attribute__((noinline)) static void clean_via_fopen(void) {
    FILE *f = fopen(INPUT, "r");
    lc_test_sink = f;
    if (f)
        fclose(f);
}

__attribute__((noinline)) static void clean_via_asprintf(void) {
    char *s = NULL;
    if (asprintf(&s, "%s %d", greeting, 42) >= 0) {
        lc_test_sink = s;
        free(s);
    }
}

static int begin(void **state) {
    (void)state;
    return lc_scope_begin(NULL);
}

static int end(void **state) {
    (void)state;
    lc_scope_end();
    return 0;
}

/* The allocation was made inside libc: the innermost frame is in libc.so.6. */
static int starts_in_libc(uint32_t stack) {
    lc_frame f[8];
    int n = lc_stack_symbolize(stack, f, 8);
    return n > 0 && f[0].module && strstr(f[0].module, "libc.so") != NULL;
}

static const lc_site *checked_site(const lc_survivors *s, const char *fn) {
    const lc_site *site = lc_test_site(s, fn);
    if (!site) {
        print_error("no live site names %s\n", fn);
        return NULL;
    }
    assert_true(lc_test_stack_has(site->stack, fn, "test_libc.c"));
    assert_true(starts_in_libc(site->stack));
    return site;
}

static void t_leaks_through_libc(void **state) {
    (void)state;
    leak_via_strdup();
    void *dup = lc_test_sink;
    leak_via_getline();
    void *line = lc_test_sink;
    leak_via_fopen();
    FILE *file = lc_test_sink;
    leak_via_asprintf();
    void *printed = lc_test_sink;
    assert_non_null(dup);
    assert_non_null(line);
    assert_non_null(file);
    assert_non_null(printed);

    lc_survivors *s;
    assert_int_equal(lc_scope_survivors(&s), 0);
    const lc_site *site = checked_site(s, "leak_via_strdup");
    assert_non_null(site);
    assert_int_equal(site->blocks, 1);
    assert_int_equal(site->bytes, strlen(greeting) + 1);
    site = checked_site(s, "leak_via_getline");
    assert_non_null(site);
    assert_int_equal(site->blocks, 1); /* the FILE and its buffer were freed */
    site = checked_site(s, "leak_via_fopen");
    assert_non_null(site);
    assert_int_equal(site->blocks, 1); /* the FILE; no read, so no buffer */
    site = checked_site(s, "leak_via_asprintf");
    assert_non_null(site);
    assert_int_equal(site->blocks, 1);
    lc_survivors_free(s);

    /* Give it all back (the blocks outlive the scope otherwise). */
    free(dup);
    free(line);
    fclose(file);
    free(printed);
}

static void t_clean_twin(void **state) {
    (void)state;
    lc_counters a;
    lc_scope_counters(&a, LEAKCHECK_ATTRIBUTED);
    clean_via_strdup();
    clean_via_getline();
    clean_via_fopen();
    clean_via_asprintf();
    lc_counters b;
    lc_scope_counters(&b, LEAKCHECK_ATTRIBUTED);
    /* strdup 1, getline's fopen + buffer + line at least 3, fopen 1, asprintf 1 */
    assert_true(b.allocs - a.allocs >= 6);
    assert_int_equal(b.live_blocks, a.live_blocks);
    assert_int_equal(b.live_bytes, a.live_bytes);

    lc_survivors *s;
    assert_int_equal(lc_scope_survivors(&s), 0);
    static const char *const clean[] = {"clean_via_strdup", "clean_via_getline",
                                        "clean_via_fopen", "clean_via_asprintf"};
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++)
        if (lc_test_site(s, clean[i]))
            fail_msg("a live site names %s", clean[i]);
    lc_survivors_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_leaks_through_libc, begin, end),
        cmocka_unit_test_setup_teardown(t_clean_twin, begin, end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
