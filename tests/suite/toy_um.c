/* toy_um.c: library code built with -DUNIT_TESTING, so cmocka's test_malloc
 * family replaces malloc and free here, as in suites that use cmocka's own
 * allocation checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "toy.h"

static void *volatile um_kept;

void *toy_um_make(void) { return malloc(24); }
void toy_um_free(void *p) { free(p); }

__attribute__((noinline)) void toy_um_leak(void) {
    um_kept = malloc(32); /* planted: the previous test_malloc block is lost */
}

/* grows a buffer through calloc and realloc (cmocka's _test_calloc and
 * _test_realloc call its _test_malloc and _test_free themselves), then frees
 * it: nothing left */
__attribute__((noinline)) void toy_um_grow(void) {
    char *p = calloc(4, 8);
    char *q = p ? realloc(p, 64) : NULL;
    char *r = q ? realloc(q, 256) : NULL;
    free(r ? r : q ? q : p);
}
