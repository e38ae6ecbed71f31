/* alike_lines.c: the shape of Pacemaker's assert_parse_bool: a test helper
 * calls the leaking function from three lines, so three stacks differ only
 * in the helper's frame, in the middle of the summary line. Each line must
 * still say which call it is. */
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_three_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
