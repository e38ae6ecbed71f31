/* reach_mem.c: the scan's scratch memory (lc__mmap) and range vectors. Every
 * mapping is noted, so the scan leaves them all out of its roots (one may merge
 * with a TLS mapping); once /proc/self/maps is read, unmapping waits for the
 * end of the scan, since a hole punched then would make the scan fault. Used
 * under reach.c's lock only; not on the hook path. */
#include <string.h>

#include "internal.h"
#include "reach_impl.h"

#define LC__RMEM_MAX 256

static struct {
    void *p;
    size_t bytes;
    int retired; /* given back; unmapped by lc__rmem_flush */
} rmem[LC__RMEM_MAX];
static size_t nrmem;
static int frozen; /* /proc/self/maps was read: unmapping waits for the flush */

void *lc__rmap(size_t bytes) {
    if (nrmem == LC__RMEM_MAX)
        return NULL; /* never reached: a scan maps a few dozen */
    void *p = lc__mmap(bytes ? bytes : 1);
    if (p)
        rmem[nrmem++] = (typeof(rmem[0])){p, bytes ? bytes : 1, 0};
    return p;
}

void lc__runmap(void *p, size_t bytes) {
    (void)bytes;
    for (size_t i = 0; p && i < nrmem; i++) {
        if (rmem[i].p != p)
            continue;
        if (frozen) {
            rmem[i].retired = 1;
        } else {
            lc__munmap(p, rmem[i].bytes);
            rmem[i] = rmem[--nrmem];
        }
        return;
    }
}

void lc__rmem_freeze(void) { frozen = 1; }

int lc__rmem_exclude(struct lc__rangev *out) {
    int rc = 0;
    for (size_t i = 0; i < nrmem && rc == 0; i++)
        rc = lc__rangev_push(out, (uintptr_t)rmem[i].p, (uintptr_t)rmem[i].p + rmem[i].bytes, 0);
    /* and the tracker's own memory (util.c): table, depot, stack memos */
    static uintptr_t own[1024][2]; /* under reach.c's lock */
    size_t n = lc__own_mappings(own, sizeof own / sizeof own[0]);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = lc__rangev_push(out, own[i][0], own[i][1], 0);
    return rc;
}

void lc__rmem_flush(void) {
    frozen = 0;
    size_t k = 0;
    for (size_t i = 0; i < nrmem; i++) {
        if (rmem[i].retired)
            lc__munmap(rmem[i].p, rmem[i].bytes);
        else
            rmem[k++] = rmem[i];
    }
    nrmem = k;
}

int lc__rangev_push(struct lc__rangev *rv, uintptr_t lo, uintptr_t hi, int flags) {
    if (hi <= lo)
        return 0;
    if (rv->n == rv->cap) {
        size_t ncap = rv->cap ? rv->cap * 2 : 256;
        struct lc__range *nv = lc__rmap(ncap * sizeof *nv);
        if (!nv)
            return LEAKCHECK_ENOMEM;
        if (rv->v)
            memcpy(nv, rv->v, rv->n * sizeof *nv);
        lc__runmap(rv->v, rv->cap * sizeof *nv);
        rv->v = nv;
        rv->cap = ncap;
    }
    rv->v[rv->n++] = (struct lc__range){lo, hi, flags};
    return 0;
}

void lc__rangev_free(struct lc__rangev *rv) {
    lc__runmap(rv->v, rv->cap * sizeof *rv->v);
    memset(rv, 0, sizeof *rv);
}

void lc__rangev_sort(struct lc__rangev *rv) {
    for (size_t i = 1; i < rv->n; i++) {
        struct lc__range x = rv->v[i];
        size_t j = i;
        for (; j > 0 && rv->v[j - 1].lo > x.lo; j--)
            rv->v[j] = rv->v[j - 1];
        rv->v[j] = x;
    }
}

const struct lc__range *lc__rangev_find(const struct lc__rangev *rv, uintptr_t a) {
    size_t lo = 0, hi = rv->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rv->v[mid].hi <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rv->n && rv->v[lo].lo <= a ? &rv->v[lo] : NULL;
}

