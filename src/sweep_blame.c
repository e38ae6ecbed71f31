/* sweep_blame.c: whose error path a failing run exercised. The test reaches
 * the failing allocation through one call made from its own frame (the
 * outermost: the test function or fixture, and the frames below it in
 * files LEAKCHECK_FAIL_SWEEP_TEST_CODE names); a crash or a lost block whose
 * stack goes through that same call is the code under test's, anything else
 * happened after that call had returned to the test ("unchecked by the
 * test"). Called by sweep_findings.c on symbolized frames; not on the hook
 * path. */
#include <fnmatch.h>
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

/* The test's own code: the test function, or a file LEAKCHECK_FAIL_SWEEP_TEST_CODE names. */
static int test_code(const struct lc_sweep_blame *b, const lc_frame *f) {
    if (is_test(f, b->test))
        return 1;
    return b->test_code && *b->test_code && f->file && fnmatch(b->test_code, f->file, 0) == 0;
}

/* How many outer frames are the test's own code (at least the outermost). */
static int test_frames(const struct lc_sweep_blame *b, const lc_frame *f, int n) {
    int k = 1;
    while (k < n && test_code(b, &f[n - 1 - k]))
        k++;
    return k;
}

int lc__sweep_in_call(const struct lc_sweep_blame *b, const lc_frame *site, int nsite,
                      const lc_frame *st, int nst) {
    if (nsite <= 0 || nst <= 0 || nsite >= MAYBE_CUT || nst >= MAYBE_CUT)
        return 1; /* cannot tell: the code under test's */
    /* a fixture, or a tail call that left the test's frame: cannot tell */
    if (!is_test(&site[nsite - 1], b->test) || !is_test(&st[nst - 1], b->test))
        return 1;
    int ts = test_frames(b, site, nsite), tx = test_frames(b, st, nst);
    /* the test's code called the allocator itself (at most through the C
     * runtime: strdup): no call under it saw the failure */
    int through = 0;
    for (int i = 0; i < nsite - ts; i++)
        through |= !lc__sweep_runtime_frame(&site[i]);
    if (!through || nst == tx || tx != ts)
        return 0; /* ... or it went wrong in the test's own code */
    for (int i = 1; i < ts; i++)
        if (site[nsite - i].address != st[nst - i].address)
            return 0; /* another call of the test's own code */
    return same_call(&site[nsite - ts], &site[nsite - ts - 1], &st[nst - ts], &st[nst - ts - 1]);
}
