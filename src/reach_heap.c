/* reach_heap.c: glibc's main heap ([heap], the sbrk arena) as roots, for a
 * scan whose caller cannot list every live block: a test judged from a single
 * run under LEAKCHECK_CMOCKA, where blocks allocated before the test (a group
 * fixture's connection, sysrepo's sr_conn_ctx_t) are not in the table but
 * point at the test's. Walks the chunks by their size words (the size at +8,
 * the next chunk's PREV_INUSE bit says a chunk is in use), leaves out free
 * chunks and those in a tcache (their key word), and pushes each run of
 * in-use chunks as one root that skips the listed blocks. Other arenas'
 * heaps are not walked. Not on the hook path; runs with the threads stopped
 * and allocates nothing but range vectors (reach_mem.c). */
#include <stdint.h>

#include "reach_impl.h"

#define LC__MINCHUNK 32u

static int rd(int guarded, uintptr_t a, uintptr_t *w) {
    if (guarded)
        return lc__read_word(a, w);
    *w = *(const volatile uintptr_t *)a;
    return 1;
}

/* The chunks of [lo, hi): in-use runs pushed as roots. A size word that
 * makes no sense ends the walk (what was pushed stays: more roots only hide). */
static int walk(uintptr_t lo, uintptr_t hi, uintptr_t tcache_key, int guarded,
                struct lc__rangev *roots) {
    uintptr_t p = lo, run = 0, sz, nsz, key;
    int rc = 0;
    while (rc == 0 && p + LC__MINCHUNK <= hi && rd(guarded, p + 8, &sz)) {
        sz &= ~(uintptr_t)7;
        if (sz < LC__MINCHUNK || sz % 16 || sz > hi - p)
            break;
        uintptr_t next = p + sz;
        if (next + 16 > hi || !rd(guarded, next + 8, &nsz))
            break; /* p is the top chunk, free */
        int inuse = nsz & 1;
        if (inuse && tcache_key && rd(guarded, p + 24, &key) && key == tcache_key)
            inuse = 0; /* in a thread's tcache: freed */
        if (inuse && !run)
            run = p + 16;
        else if (!inuse && run) {
            rc = lc__rangev_push(roots, run, p + 8, LC__R_NOBLOCKS); /* its prev_size word too */
            run = 0;
        }
        p = next;
    }
    if (rc == 0 && run)
        rc = lc__rangev_push(roots, run, p + 8 <= hi ? p + 8 : hi, LC__R_NOBLOCKS);
    return rc;
}

int lc__roots_heap(const struct lc__rangev *maps, uintptr_t tcache_key, int guarded,
                   struct lc__rangev *roots) {
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < maps->n; k++) {
        const struct lc__range *m = &maps->v[k];
        if ((m->flags & (LC__R_HEAP | LC__R_READ)) == (LC__R_HEAP | LC__R_READ))
            rc = walk(m->lo, m->hi, tcache_key, guarded, roots);
    }
    return rc;
}

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);

/* glibc 2.34+ writes a per-process random key into the second word of every
 * chunk it puts in a tcache: free one chunk of our own and read it back. 0
 * when that chunk did not go to a tcache (its bin full, tcache off). Before
 * the stop (it mallocs); the guard up. */
uintptr_t lc__heap_tcache_key(void) {
    uintptr_t *p = __libc_malloc(40);
    if (!p)
        return 0;
    p[0] = p[1] = 0;
    uintptr_t *volatile freed = p;
    __libc_free(p);
    return freed[1];
}
