/* The fail sweep on a parser (parser.c): one test that loads, inspects and
 * frees a document. Linked against the buggy parser, the sweep must name
 * its three leaking error paths and its NULL dereference; against the
 * FIXED build, nothing. run_sweep.py checks the JSON. */
#include <leakcheck/leakcheck.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "parser.h"

static char input[64];

static int make_input(void **state) {
    (void)state;
    snprintf(input, sizeof input, "/tmp/lc-sweep-%d.conf", (int)getpid());
    FILE *f = fopen(input, "w");
    if (!f)
        return -1;
    fputs("a=1\nbb=22\nccc=333\ndddd=4444\n", f);
    return fclose(f);
}

static int remove_input(void **state) {
    (void)state;
    return unlink(input);
}

/* Every error the parser reports is handled: a failing allocation must
 * never make this test leak or crash. */
LEAKCHECK_TEST(parse_document) {
    struct doc *d = doc_load(input, "config");
    if (!d)
        return;
    (void)doc_tag(d, "checked");
    char *s = doc_summary(d);
    free(s);
    char *u = doc_upper_name(d);
    free(u);
    doc_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_document),
    };
    return cmocka_run_group_tests(tests, make_input, remove_input);
}
