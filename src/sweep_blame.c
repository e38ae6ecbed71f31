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

/* The same call from the test's frame: the same line of the test function
 * (an inlined callee's frames share one address, the caller's frame keeps
 * the call's line), or the same return address when lines are unknown. */
static int same_call(const lc_frame *a, const lc_frame *b) {
    if (a->line && b->line && a->file && b->file)
        return a->line == b->line && strcmp(a->file, b->file) == 0;
    return a->address == b->address;
}

/* A stack this long may have been cut before it reached the test function. */
#define MAYBE_CUT 60

int lc__sweep_in_call(const lc_frame *site, int nsite, const lc_frame *st, int nst) {
    if (nsite <= 0 || nst <= 0 || nsite >= MAYBE_CUT || nst >= MAYBE_CUT)
        return 1; /* cannot tell: the code under test's */
    if (!site[nsite - 1].function || !st[nst - 1].function ||
        strcmp(site[nsite - 1].function, st[nst - 1].function) != 0)
        return 1;
    /* the test called the allocator itself (at most through the C runtime:
     * strdup): no call under it saw the failure */
    int through = 0;
    for (int i = 0; i < nsite - 1; i++)
        through |= !lc__sweep_runtime_frame(&site[i]);
    if (!through || nst == 1)
        return 0; /* ... or the crash is in the test's own frame */
    return same_call(&site[nsite - 1], &st[nst - 1]);
}
