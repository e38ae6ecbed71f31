/* alike_lines.c: what a summary line shows, in two of Pacemaker's shapes.
 * assert_parse_bool: a test helper calls the leaking function from three
 * lines, so three stacks differ only in the helper's frame, in the middle of
 * the line; each line must still say which call it is. setup_test: a per-test
 * setup leaks (pcmk__cib_test_copy_cib), and its stack ends at the setup,
 * as a body's ends at the body, not at cmocka's runner and main. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

extern void *volatile lc_test_sink;

struct copy {
    struct copy *next;
    char text[24];
};
static struct copy *copies;

/* The library's function: keeps a copy of every input (the planted leak). */
static __attribute__((noinline)) int parse_flag(const char *s) {
    struct copy *c = malloc(sizeof *c);
    if (!c)
        return -1;
    strncpy(c->text, s, sizeof c->text - 1);
    c->text[sizeof c->text - 1] = 0;
    c->next = copies;
    copies = c;
    return strcmp(s, "yes") == 0;
}

static __attribute__((noinline)) void level3(const char *s) { lc_test_sink = (void *)(intptr_t)parse_flag(s); }
static __attribute__((noinline)) void level2(const char *s) { level3(s); lc_test_sink = 0; }
static __attribute__((noinline)) void level1(const char *s) { level2(s); lc_test_sink = 0; }

/* Three calls, each its own stack, alike but for this frame's line. */
static __attribute__((noinline)) void check_flag(const char *s) {
    level1(s);
    lc_test_sink = 0;
    level1(s);
    lc_test_sink = 0;
    level1(s);
    lc_test_sink = 0; /* no tail call: the frame stays at -O2 */
}

static void leak_three_lines(void **state) {
    (void)state;
    check_flag("yes");
    lc_test_sink = 0;
}

static char *setup_path; /* the setup's copy, freed by no one */

static __attribute__((noinline)) char *copy_path(const char *p) {
    char *c = malloc(strlen(p) + 1);
    if (c)
        strcpy(c, p);
    lc_test_sink = c;
    return c;
}

static int setup_copy(void **state) {
    (void)state;
    setup_path = copy_path("/tmp/test-cib.xml"); /* the previous copy is dropped */
    lc_test_sink = 0;
    return setup_path ? 0 : -1;
}

static int teardown_nothing(void **state) {
    (void)state;
    return 0;
}

static void leak_in_setup(void **state) {
    (void)state;
    assert_non_null(setup_path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_three_lines),
        cmocka_unit_test_setup_teardown(leak_in_setup, setup_copy, teardown_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
