/* Helpers for leakcheck's own tests (cmocka). Planted allocations escape the
 * optimizer through lc_test_sink, a volatile global. */
#ifndef LC_TESTUTIL_H
#define LC_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "leakcheck/core.h"

extern void *volatile lc_test_sink;

/* 1 when the stack's symbolized frames name function fn (optionally in a file
 * whose name ends with file_suffix). */
static inline int lc_test_stack_has(uint32_t stack, const char *fn, const char *file_suffix) {
    lc_frame f[256];
    int n = lc_stack_symbolize(stack, f, 256);
    for (int i = 0; i < n; i++) {
        if (!f[i].function || strcmp(f[i].function, fn) != 0)
            continue;
        if (!file_suffix)
            return 1;
        size_t a = f[i].file ? strlen(f[i].file) : 0, b = strlen(file_suffix);
        if (a >= b && strcmp(f[i].file + a - b, file_suffix) == 0 && f[i].line > 0)
            return 1;
    }
    return 0;
}

/* The live site whose stack names fn, or NULL. */
static inline const lc_site *lc_test_site(const lc_survivors *s, const char *fn) {
    for (size_t i = 0; i < s->nsites; i++)
        if (lc_test_stack_has(s->sites[i].stack, fn, NULL))
            return &s->sites[i];
    return NULL;
}

#endif
