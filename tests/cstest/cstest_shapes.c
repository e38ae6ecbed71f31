/* cstest_shapes.c: capstone's cstest shape, plain cmocka: a fragmented heap of
 * parsed cases, a heap-built CMUnitTest table (a skipped case a zeroed entry)
 * run by _cmocka_run_group_tests, per-test setup failing with fail_msg, decode
 * and release as cs_disasm and cs_free. Groups (argv[1]): "order" (failed body,
 * failed setup), "leak" (a 6-byte detail never freed, and a clean twin). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct insn {
    unsigned size;
    void *detail;
};

struct handle {
    int arch;
    char *options; /* what cs_option would keep */
};

struct tcase {
    const char *name;
    int arch;          /* 0: no such architecture, the setup fails */
    unsigned sizes[4]; /* the instructions' sizes, 0-terminated */
    int body_fails;
    struct handle *h;
};

static void *volatile sink;

/* As cs_disasm: the array, then a detail block per instruction. */
__attribute__((noinline)) static struct insn *decode(const struct tcase *tc, size_t *n) {
    size_t count = 0;
    while (count < 4 && tc->sizes[count])
        count++;
    struct insn *v = calloc(count ? count : 1, sizeof *v);
    for (size_t i = 0; v && i < count; i++) {
        v[i].size = tc->sizes[i];
        v[i].detail = calloc(1, 96); /* cstest_shapes: the detail's allocation */
    }
    *n = count;
    return v;
}

/* As cs_free; planted: the detail of a 6-byte instruction is never freed. */
__attribute__((noinline)) static void release(struct insn *v, size_t n, int planted) {
    for (size_t i = 0; i < n; i++) {
        if (planted && v[i].size == 6)
            continue;
        free(v[i].detail);
    }
    free(v);
}

static int open_setup(void **state) {
    struct tcase *tc = *state;
    if (!tc->arch) {
        fail_msg("Failed to initialize the handle with the given options.");
        return -1;
    }
    tc->h = calloc(1, sizeof *tc->h);
    assert_non_null(tc->h);
    tc->h->arch = tc->arch;
    tc->h->options = strdup("CS_OPT_DETAIL");
    return 0;
}

static int close_teardown(void **state) {
    struct tcase *tc = *state;
    if (tc->h) {
        free(tc->h->options);
        free(tc->h);
        tc->h = NULL;
    }
    return 0;
}

static void run_case(void **state, int planted) {
    struct tcase *tc = *state;
    assert_non_null(tc->h);
    size_t n = 0;
    struct insn *v = decode(tc, &n);
    assert_non_null(v);
    sink = v;
    if (tc->body_fails) {
        release(v, n, 0);
        assert_int_equal(n, 99); /* the expected text differs */
    }
    release(v, n, planted);
}

static void case_clean(void **state) { run_case(state, 0); }
static void case_planted(void **state) { run_case(state, 1); }

/* The parsed test files: many small blocks, every other one freed again
 * (cyaml's own tree is freed after the copy), kept for the whole run. */
static void **parsed;
static size_t nparsed;

static void parse_files(size_t n) {
    parsed = calloc(n, sizeof *parsed);
    for (size_t i = 0; parsed && i < n; i++) {
        void *tmp = malloc(48 + i % 200);
        parsed[i] = malloc(32 + i % 96);
        free(tmp);
    }
    nparsed = parsed ? n : 0;
}

static void free_files(void) {
    for (size_t i = 0; i < nparsed; i++)
        free(parsed[i]);
    free(parsed);
}

static struct tcase order_cases[] = {
    {"first_clean", 1, {4, 2}, 0, NULL},
    {"skipped", 1, {4}, 0, NULL}, /* left a zeroed entry, as cstest's skip */
    {"body_fails", 1, {4, 4}, 1, NULL},
    {"after_body_fails", 1, {2}, 0, NULL},
    {"setup_fails", 0, {4}, 0, NULL},
    {"after_setup_fails", 1, {4, 6}, 0, NULL},
};

static struct tcase leak_cases[] = {
    {"detail_leaks", 2, {4, 6, 2}, 0, NULL},
    {"detail_clean", 2, {4, 6, 2}, 0, NULL},
};

/* One table entry per case, as cstest's eval_test_cases builds it. */
static int run_table(const char *group, struct tcase *cases, size_t n) {
    struct CMUnitTest *table = calloc(n, sizeof *table);
    if (!table)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cases[i].name, "skipped") == 0)
            continue;
        int planted = strcmp(cases[i].name, "detail_leaks") == 0;
        table[i].name = strdup(cases[i].name);
        table[i].initial_state = &cases[i];
        table[i].setup_func = open_setup;
        table[i].teardown_func = close_teardown;
        table[i].test_func = planted ? case_planted : case_clean;
    }
    int failed = _cmocka_run_group_tests(group, table, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free((char *)table[i].name);
    free(table);
    return failed;
}

int main(int argc, char **argv) {
    const char *g = argc > 1 ? argv[1] : "order";
    parse_files(60000);
    int rc;
    if (strcmp(g, "leak") == 0)
        rc = run_table("leak", leak_cases, sizeof leak_cases / sizeof leak_cases[0]);
    else
        rc = run_table("order", order_cases, sizeof order_cases / sizeof order_cases[0]);
    free_files();
    printf("cstest_shapes: %d failed\n", rc);
    return rc ? 1 : 0;
}
