/* sweep_blame.c: whose error path a failing run exercised. The test reaches
 * the failing allocation through one call made from its own frame (the
 * outermost: the test function or fixture); a crash or a lost block whose
 * stack goes through that same call is the code under test's, anything else
 * happened after that call had returned to the test ("unchecked by the
 * test"). Called by sweep_findings.c on symbolized frames; not on the hook
 * path. */
#include <string.h>

#include "internal.h"
#include "sweep.h"

/* A frame of the C or C++ runtime (libc, libstdc++, libgcc_s, the loader). */
int lc__sweep_runtime_frame(const lc_frame *f) {
    const char *m = f->module ? strrchr(f->module, '/') : NULL;
    m = m ? m + 1 : f->module;
    return m && (strncmp(m, "libc.so", 7) == 0 || strncmp(m, "libstdc++", 9) == 0 ||
                 strncmp(m, "libgcc_s", 8) == 0 || strncmp(m, "ld-linux", 8) == 0);
}

/* The same call from the test's frame (a, b the test's frames, ia, ib their
 * callees): the same return address; when a callee was inlined into the
 * test (its frames share the pc, which moves along), the same line of the
 * test function. f(g()) on one line is two calls: two return addresses. */
static int same_call(const lc_frame *a, const lc_frame *ia, const lc_frame *b,
                     const lc_frame *ib) {
    if (a->address == b->address)
        return 1;
    if (!ia->inlined && !ib->inlined)
        return 0;
    return a->line && b->line && a->file && b->file && a->line == b->line &&
           strcmp(a->file, b->file) == 0;
}

/* A stack this long may have been cut before it reached the test function. */
#define MAYBE_CUT 60

/* The frame is the test function's: NAME, or NAME_lc_body (LEAKCHECK_TEST). */
static int is_test(const lc_frame *f, const char *test) {
    size_t n = test ? strlen(test) : 0;
    return f->function && n && strncmp(f->function, test, n) == 0 &&
           (f->function[n] == 0 || strcmp(f->function + n, "_lc_body") == 0);
}

int lc__sweep_in_call(const char *test, const lc_frame *site, int nsite, const lc_frame *st,
                      int nst) {
    if (nsite <= 0 || nst <= 0 || nsite >= MAYBE_CUT || nst >= MAYBE_CUT)
        return 1; /* cannot tell: the code under test's */
    /* a fixture, or a tail call that left the test's frame: cannot tell */
    if (!is_test(&site[nsite - 1], test) || !is_test(&st[nst - 1], test))
        return 1;
    /* the test called the allocator itself (at most through the C runtime:
     * strdup): no call under it saw the failure */
    int through = 0;
    for (int i = 0; i < nsite - 1; i++)
        through |= !lc__sweep_runtime_frame(&site[i]);
    if (!through || nst == 1)
        return 0; /* ... or the crash is in the test's own frame */
    return same_call(&site[nsite - 1], &site[nsite - 2], &st[nst - 1], &st[nst - 2]);
}
