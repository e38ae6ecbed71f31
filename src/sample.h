/* sample.h: sampling mode (sample.c). Unsampled allocations and frees are
 * counted here (glibc's usable size as their bytes) and never reach the block
 * table: the inline tests below are their whole cost; a free whose filter byte
 * is set goes through hooks.c's record path. Hook path. */
#ifndef LC_SAMPLE_H
#define LC_SAMPLE_H

#include <stdint.h>

#include "internal.h"

/* mean: bytes between samples on average, 0: sampling off (every allocation
 * tracked); buckets: the filter. One cache line, read on every hook. */
struct lc_sample_cfg {
    uint64_t mean;
    unsigned char *buckets;
} __attribute__((aligned(64)));
extern struct lc_sample_cfg lc__sample;
struct lc_sample_ctr;
/* Per thread, in one TLS block (one offset to load): the bytes it may still
 * allocate before its next sample, and its counter record (NULL: none yet). */
struct lc_sample_tls {
    int64_t left;
    struct lc_sample_ctr *ctr;
};
extern __thread struct lc_sample_tls lc__sample_me __attribute__((tls_model("initial-exec")));

#define LC_SAMPLE_BUCKETS (1u << 20)

/* Before the process scope begins: sets the mean (0: off); 0, or -1 when the
 * filter's memory cannot be mapped (sampling stays off). */
int lc__sample_configure(uint64_t mean);
/* The slow paths: the budget ran out at p (n bytes): 1 when p is sampled (the
 * next gap drawn, p's bucket marked), 0 when it was only the thread's first
 * draw; a free whose bucket was marked, after the table was asked (found:
 * whether p had a record): the bucket counted down, or p counted unsampled. */
int lc__sample_crossed(void *p, uint64_t n);
void lc__sample_freed(void *p, int found);

/* glibc's usable size of an in-use chunk (malloc/malloc.c since 2.26: the
 * size word before the block, the low 3 bits flags, 0x2 mmapped). */
static inline uint64_t lc__sample_usable(const void *p) {
    uint64_t w = ((const uint64_t *)p)[-1];
    return (w & ~(uint64_t)7) - (w & 2 ? 16 : 8);
}

static inline uint32_t lc__sample_bucket(const void *p) {
    return (uint32_t)((uintptr_t)p >> 4) & (LC_SAMPLE_BUCKETS - 1);
}

static inline int lc__sample_on(void) {
    return LC_UNLIKELY(lc__sample.mean != 0) && !lc__st.nested;
}

/* Counts of the unsampled allocations and frees: one record per thread
 * (mmap'd, kept after the thread ends so that totals stay exact), written by
 * its thread only; past LC_SAMPLE_THREADS threads they share one, updated
 * atomically. */
struct lc_sample_ctr {
    uint64_t allocs, frees, bytes_allocated, bytes_freed;
    int shared;
    char pad[28];
};
struct lc_sample_ctr *lc__sample_claim(void);
/* Adds the unsampled counts to c (lc__counters_sum's, which hold the sampled
 * blocks); peak_bytes becomes at least live_bytes. */
void lc__sample_add(lc_counters *c);

static inline void lc__sample_count(uint64_t *ctr, uint64_t *bytes, int shared, uint64_t n) {
    if (LC_UNLIKELY(shared)) {
        __atomic_fetch_add(ctr, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(bytes, n, __ATOMIC_RELAXED);
        return;
    }
    __atomic_store_n(ctr, *ctr + 1, __ATOMIC_RELAXED);
    __atomic_store_n(bytes, *bytes + n, __ATOMIC_RELAXED);
}

static inline struct lc_sample_ctr *lc__sample_ctr(void) {
    struct lc_sample_ctr *c = lc__sample_me.ctr;
    return LC_LIKELY(c != NULL) ? c : lc__sample_claim();
}

/* on_alloc: 1 when p is not sampled (counted here: nothing else to do). */
static inline int lc__sample_skip(void *p, uint64_t n) {
    if ((lc__sample_me.left -= (int64_t)n) <= 0 && lc__sample_crossed(p, n))
        return 0;
    struct lc_sample_ctr *c = lc__sample_ctr();
    lc__sample_count(&c->allocs, &c->bytes_allocated, c->shared, lc__sample_usable(p));
    return 1;
}

/* on_free: 1 when p has no record (counted here); 0 when its bucket is marked
 * and lc__sample_remove must look. */
static inline int lc__sample_unmarked(void *p) {
    if (__atomic_load_n(&lc__sample.buckets[lc__sample_bucket(p)], __ATOMIC_RELAXED))
        return 0;
    struct lc_sample_ctr *c = lc__sample_ctr();
    lc__sample_count(&c->frees, &c->bytes_freed, c->shared, lc__sample_usable(p));
    return 1;
}

#endif
