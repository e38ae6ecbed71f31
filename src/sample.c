/* sample.c: `leakcheck run --sample=BYTES`, as Go's and tcmalloc's heap
 * profilers sample: a per-thread byte countdown drawn from an exponential with
 * that mean; the allocation crossing it gets a stack and a record (hooks.c),
 * its address a mark in a byte filter; per-thread counts of the others.
 * Hook path: no lock, memory from mmap, initial-exec TLS. */
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

struct lc_sample_cfg lc__sample;
__thread struct lc_sample_tls lc__sample_me __attribute__((tls_model("initial-exec")));
static __thread uint64_t rng __attribute__((tls_model("initial-exec")));

#define LC_SAMPLE_THREADS 4096
static struct lc_sample_ctr *ctrs; /* [LC_SAMPLE_THREADS + 1]; the last is shared */
static uint32_t nctrs;

int lc__sample_configure(uint64_t mean) {
    if (!mean)
        return 0;
    lc__sample.buckets = lc__mmap(LC_SAMPLE_BUCKETS);
    ctrs = lc__mmap((LC_SAMPLE_THREADS + 1) * sizeof *ctrs);
    if (!lc__sample.buckets || !ctrs)
        return -1;
    ctrs[LC_SAMPLE_THREADS].shared = 1;
    lc__sample.mean = mean;
    return 0;
}

/* A draw from the exponential distribution with the configured mean. */
static int64_t next_gap(void) {
    if (!rng) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        rng = ((uint64_t)gettid() << 32 ^ (uint64_t)t.tv_nsec) | 1;
    }
    rng ^= rng << 13; /* xorshift64 */
    rng ^= rng >> 7;
    rng ^= rng << 17;
    double u = ((double)(rng >> 11) + 0.5) / 9007199254740992.0; /* in (0, 1) */
    double gap = -log(u) * (double)lc__sample.mean;
    return gap < 1.0 ? 1 : gap > 9e18 ? INT64_MAX : (int64_t)gap;
}

LC_HOOK_TEXT int lc__sample_crossed(void *p, uint64_t n) {
    if (!rng) { /* this thread's first allocation: its first gap starts here */
        lc__sample_me.left = next_gap() - (int64_t)n;
        if (lc__sample_me.left > 0)
            return 0;
    }
    lc__sample_me.left = next_gap(); /* memoryless: the next gap starts here */
    unsigned char *b = &lc__sample.buckets[lc__sample_bucket(p)];
    if (__atomic_load_n(b, __ATOMIC_RELAXED) != 255) /* a saturated bucket stays so */
        __atomic_fetch_add(b, 1, __ATOMIC_RELAXED);
    return 1;
}

LC_HOOK_TEXT struct lc_sample_ctr *lc__sample_claim(void) {
    uint32_t i = __atomic_fetch_add(&nctrs, 1, __ATOMIC_RELAXED);
    lc__sample_me.ctr = &ctrs[i < LC_SAMPLE_THREADS ? i : LC_SAMPLE_THREADS];
    return lc__sample_me.ctr;
}

void lc__sample_add(lc_counters *c) {
    if (!lc__sample.mean)
        return;
    uint32_t n = __atomic_load_n(&nctrs, __ATOMIC_RELAXED);
    if (n > LC_SAMPLE_THREADS)
        n = LC_SAMPLE_THREADS;
    for (uint32_t i = 0; i <= n; i++) { /* the claimed records, then the shared one */
        const struct lc_sample_ctr *k = &ctrs[i < n ? i : LC_SAMPLE_THREADS];
        uint64_t a = __atomic_load_n(&k->allocs, __ATOMIC_RELAXED);
        uint64_t f = __atomic_load_n(&k->frees, __ATOMIC_RELAXED);
        uint64_t ba = __atomic_load_n(&k->bytes_allocated, __ATOMIC_RELAXED);
        uint64_t bf = __atomic_load_n(&k->bytes_freed, __ATOMIC_RELAXED);
        c->allocs += a;
        c->frees += f;
        c->bytes_allocated += ba;
        c->bytes_freed += bf;
    }
    /* a block freed by another thread than its allocator's: per-thread
     * differences can be negative, the totals cannot */
    c->live_blocks = c->allocs > c->frees ? c->allocs - c->frees : 0;
    c->live_bytes = c->bytes_allocated > c->bytes_freed ? c->bytes_allocated - c->bytes_freed : 0;
    if (c->peak_bytes < c->live_bytes)
        c->peak_bytes = c->live_bytes;
}

LC_HOOK_TEXT void lc__sample_freed(void *p, int found) {
    unsigned char *b = &lc__sample.buckets[lc__sample_bucket(p)];
    if (!found) { /* another block's bucket: p was counted unsampled */
        struct lc_sample_ctr *c = lc__sample_ctr();
        lc__sample_count(&c->frees, &c->bytes_freed, c->shared, lc__sample_usable(p));
    } else if (__atomic_load_n(b, __ATOMIC_RELAXED) != 255) {
        __atomic_fetch_sub(b, 1, __ATOMIC_RELAXED);
    }
}
