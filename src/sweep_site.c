/* sweep_site.c: the fail sweep's allocation sites. Turns the recording run's
 * log (one stack id per allocation call, sweep_hook.c) into sites: one per
 * distinct stack, in the order of their first call, and stacks whose
 * symbolized frames are the same (function, file, line) merged into one.
 * Calls the depot and the symbolizer (lc_stack_symbolize). Not on the hook
 * path: runs between runs, with the guard up. */
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "internal.h"
#include "sweep.h"

#define SYMBOLIZED_MAX 2000 /* beyond this many distinct stacks, ids alone */

/* Index of stack id in sites[0..n), or n. Open addressing over a table of
 * cap slots (a power of two) holding site index + 1. */
static size_t find_or_add(struct lc_sweep_site *sites, size_t *n, uint32_t *slots, size_t cap,
                          uint32_t id, size_t call) {
    size_t h = (id * 2654435761u) & (cap - 1);
    while (slots[h]) {
        struct lc_sweep_site *s = &sites[slots[h] - 1];
        if (s->stack == id) {
            s->calls++;
            return slots[h] - 1;
        }
        h = (h + 1) & (cap - 1);
    }
    sites[*n] = (struct lc_sweep_site){id, call, 1};
    slots[h] = (uint32_t)++*n;
    return *n - 1;
}

static int same_frames(const lc_frame *a, int na, const lc_frame *b, int nb) {
    if (na != nb || na == 0)
        return 0;
    for (int i = 0; i < na; i++) {
        if (!a[i].function || !b[i].function || strcmp(a[i].function, b[i].function))
            return 0;
        if (a[i].line != b[i].line || !a[i].file != !b[i].file ||
            (a[i].file && strcmp(a[i].file, b[i].file)))
            return 0;
    }
    return 1;
}

/* Merges sites whose symbolized stacks are equal into the first of them. */
static size_t merge_symbolized(struct lc_sweep_site *s, size_t n) {
    if (n > SYMBOLIZED_MAX)
        return n;
    lc_frame *fr = lc__xmalloc(n * LC_MAX_DEPTH * sizeof *fr);
    int *nf = lc__xmalloc(n * sizeof *nf);
    if (!fr || !nf) {
        lc__xfree(fr);
        lc__xfree(nf);
        return n;
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        lc_frame *mine = fr + out * LC_MAX_DEPTH;
        int k = lc_stack_symbolize(s[i].stack, mine, LC_MAX_DEPTH);
        k = lc__frames_drop_own(mine, k);
        size_t j = 0;
        while (j < out && !same_frames(fr + j * LC_MAX_DEPTH, nf[j], mine, k))
            j++;
        if (j < out) {
            s[j].calls += s[i].calls;
            continue;
        }
        nf[out] = k;
        s[out++] = s[i];
    }
    lc__xfree(fr);
    lc__xfree(nf);
    return out;
}

struct lc_sweep_site *lc__sweep_sites(const uint32_t *log, size_t n, size_t *nsites) {
    *nsites = 0;
    size_t cap = 64;
    while (cap < n * 2)
        cap *= 2;
    struct lc_sweep_site *sites = lc__xmalloc((n ? n : 1) * sizeof *sites);
    uint32_t *slots = lc__xcalloc(cap, sizeof *slots);
    if (!sites || !slots) {
        lc__xfree(sites);
        lc__xfree(slots);
        return NULL;
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        if (log[i]) /* 0: the depot was full, the call cannot be named */
            find_or_add(sites, &ns, slots, cap, log[i], i);
    lc__xfree(slots);
    *nsites = merge_symbolized(sites, ns);
    return sites;
}

static int by_id(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Compared as multisets: threads may interleave their calls differently. */
int lc__sweep_differs(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
    if (na != nb)
        return 1;
    if (!na)
        return 0;
    uint32_t *x = lc__xmalloc(na * sizeof *x), *y = lc__xmalloc(nb * sizeof *y);
    int d = 0;
    if (x && y) {
        memcpy(x, a, na * sizeof *x);
        memcpy(y, b, nb * sizeof *y);
        qsort(x, na, sizeof *x, by_id);
        qsort(y, nb, sizeof *y, by_id);
        d = memcmp(x, y, na * sizeof *x) != 0;
    }
    lc__xfree(x);
    lc__xfree(y);
    return d;
}
