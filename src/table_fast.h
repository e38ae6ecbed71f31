/* table_fast.h: the block table's layout and its fast path, inlined into
 * hooks.c (hook path). The owner of a table inserts and removes its own
 * records with plain stores and no call; growth, a new epoch, a stale record,
 * the shared table and another thread's block go through table.c. */
#ifndef LC_TABLE_FAST_H
#define LC_TABLE_FAST_H

#include <emmintrin.h>

#include "internal.h"

#define BSLOTS 4
#define PTR_BITS 44
#define PTR_MASK ((1ull << PTR_BITS) - 1)
#define ITER_SHIFT 44
#define CLS_SHIFT 53
#define BIG_SIZE 0xffffffffu

typedef struct {
    uint64_t key; /* 0: empty; pointer >> 4 | iteration << 44 | class << 53 */
    uint32_t stack;
    uint32_t size;
} lc__rec_t;

struct lc__bucket {
    lc__rec_t e[BSLOTS];
} __attribute__((aligned(64)));

struct lc__tab {
    int lock;
    uint32_t epoch;      /* records are live only when this is lc__tab_epoch */
    uint32_t nb;         /* buckets */
    uint32_t ver;        /* odd while the owner swaps the array (table.c) */
    struct lc__bucket *b; /* nb buckets, then nb 16-bit overflow counts */
    uint64_t bytes;      /* size of the mapping */
    uint64_t ins, rm;    /* inserted and removed by the owner */
    uint64_t rrm;        /* removed by other threads (under the lock) */
    uint64_t limit;      /* ins - rm below this: the fast insert has room */
} __attribute__((aligned(64)));

extern struct lc__tab *lc__tabs;  /* one per counter slot */
extern uint32_t lc__tab_epoch;    /* bumped by lc__table_clear */

static inline uint32_t lc__tab_epoch_now(void) {
    return __atomic_load_n(&lc__tab_epoch, __ATOMIC_ACQUIRE);
}

/* glibc pointers differ mostly in their low bits: a multiplication by an odd
 * constant carries them into the high bits of the product, and one
 * xor-shift-multiply round mixes those again (pointer sequences with a fixed
 * stride otherwise land in regular patterns). The top 32 bits pick the home
 * bucket, the low 32 the probe step. */
static inline uint64_t lc__tab_hash(uint64_t kp) {
    uint64_t h = kp * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return h * 0xbf58476d1ce4e5b9ull;
}

static inline uint32_t lc__tab_home(uint64_t h, uint32_t nb) {
    return (uint32_t)((h >> 32) * nb >> 32);
}

/* Bit i set when entry i of the bucket holds kp, and when it is empty: SSE2
 * compares of the four keys, no branch per entry (whose outcome depends on
 * the data and would be mispredicted). SSE2 has no 64-bit compare: two equal
 * 32-bit halves make an equal key. */
static inline unsigned lc__tab_eq64(__m128i a, __m128i b) {
    __m128i eq = _mm_cmpeq_epi32(a, b);
    eq = _mm_and_si128(eq, _mm_shuffle_epi32(eq, _MM_SHUFFLE(2, 3, 0, 1)));
    return (unsigned)_mm_movemask_pd(_mm_castsi128_pd(eq));
}

static inline void lc__tab_keys(const lc__rec_t *e, __m128i *k01, __m128i *k23) {
    const __m128i *v = (const __m128i *)e;
    *k01 = _mm_unpacklo_epi64(_mm_load_si128(v), _mm_load_si128(v + 1));
    *k23 = _mm_unpacklo_epi64(_mm_load_si128(v + 2), _mm_load_si128(v + 3));
}

static inline unsigned lc__tab_match(const lc__rec_t *e, uint64_t kp) {
    __m128i k01, k23, mask = _mm_set1_epi64x((long long)PTR_MASK), want = _mm_set1_epi64x((long long)kp);
    lc__tab_keys(e, &k01, &k23);
    return lc__tab_eq64(_mm_and_si128(k01, mask), want) |
           lc__tab_eq64(_mm_and_si128(k23, mask), want) << 2;
}

static inline unsigned lc__tab_empties(const lc__rec_t *e) {
    __m128i k01, k23, zero = _mm_setzero_si128();
    lc__tab_keys(e, &k01, &k23);
    return lc__tab_eq64(k01, zero) | lc__tab_eq64(k23, zero) << 2;
}

/* Bucket b's overflow count: how many keys whose probe passed b live beyond. */
static inline uint16_t *lc__tab_ovf(const struct lc__tab *t, uint32_t b) {
    return (uint16_t *)(t->b + t->nb) + b;
}

/* 16-aligned and below 2^48: one mask (the low 4 bits and the top 16). */
static inline int lc__tab_keyable(uintptr_t p) { return !(p & 0xffff00000000000full); }

/* Double hashing: each key steps through the buckets by its own stride, so
 * runs of full buckets do not merge as they do with linear probing. nb is a
 * prime (map_buckets), so every stride in 1..nb-1 visits every bucket. */
#define OVF_STUCK 0xffffu /* an overflow count that saturated stays (probes go on) */

static inline uint32_t lc__tab_step(uint64_t h, uint32_t nb) {
    return 1 + (uint32_t)(((h & 0xffffffffu) * (nb - 1)) >> 32);
}

static inline uint32_t lc__tab_next(uint32_t b, uint32_t step, uint32_t nb) {
    b += step;
    return b >= nb ? b - nb : b;
}

static inline void lc__tab_ovf_add(uint16_t *c, int d) {
    uint16_t v = __atomic_load_n(c, __ATOMIC_RELAXED);
    while (v != OVF_STUCK &&
           !__atomic_compare_exchange_n(c, &v, (uint16_t)(v + d), 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
        ;
}

/* The entry holding kp (hash h), or NULL; *at gets its bucket and *passed
 * the number of buckets before it on kp's probe sequence. */
static inline __attribute__((always_inline)) lc__rec_t *lc__tab_find(const struct lc__tab *t, uint64_t kp, uint64_t h,
                                      uint32_t *at, uint32_t *passed) {
    uint32_t nb = t->nb;
    if (LC_UNLIKELY(!nb))
        return NULL;
    uint32_t b = lc__tab_home(h, nb), step = 0;
    for (uint32_t n = 0; n < nb; n++) {
        lc__rec_t *e = t->b[b].e;
        unsigned m = lc__tab_match(e, kp);
        if (LC_LIKELY(m)) {
            *at = b;
            *passed = n;
            return &e[__builtin_ctz(m)];
        }
        if (!__atomic_load_n(lc__tab_ovf(t, b), __ATOMIC_RELAXED))
            break;
        if (!step)
            step = lc__tab_step(h, nb);
        b = lc__tab_next(b, step, nb);
    }
    return NULL;
}

/* The entry for kp when its home bucket is full (table.c): the first empty
 * one on kp's probe sequence, counted as overflow in every bucket passed. */
lc__rec_t *lc__tab_put_far(struct lc__tab *t, uint64_t kp, uint64_t h);

/* The owner's insert into t; 0 (nothing done): use lc__table_insert (a new
 * epoch, no room, a block that cannot be keyed or is >= 4 GiB, or a stale
 * record of the same address in the home bucket, which the slow path
 * replaces). A stale record is one whose free was never seen (a realloc while
 * fork runs, hooks.c); one that overflowed past its home bucket is not looked
 * for (that would read the overflow count, another cache line, on every
 * insert): it stays, as a leaked block would, until the address is freed. */
static inline __attribute__((always_inline)) int
lc__tab_put_any(struct lc__tab *t, uintptr_t p, uint64_t size, uint32_t stack, uint32_t iter,
                int cls, int far) {
    if (LC_UNLIKELY(t->epoch != lc__tab_epoch_now() || t->ins - t->rm >= t->limit ||
                    !lc__tab_keyable(p) || size >= BIG_SIZE))
        return 0;
    uint64_t kp = p >> 4, h = lc__tab_hash(kp);
    uint32_t nb = t->nb, b = lc__tab_home(h, nb);
    lc__rec_t *e = t->b[b].e;
    unsigned f = lc__tab_empties(e);
    lc__rec_t *r;
    if (LC_UNLIKELY(lc__tab_match(e, kp)))
        return 0;
    if (LC_LIKELY(f))
        r = &e[__builtin_ctz(f)];
    else if (far)
        r = lc__tab_put_far(t, kp, h);
    else
        return 0;
    if (iter > LC_MAX_ITER)
        iter = LC_MAX_ITER;
    __atomic_store_n(&r->stack, stack, __ATOMIC_RELAXED);
    __atomic_store_n(&r->size, (uint32_t)size, __ATOMIC_RELAXED);
    __atomic_store_n(&r->key,
                     kp | (uint64_t)iter << ITER_SHIFT | (uint64_t)(cls & 1) << CLS_SHIFT,
                     __ATOMIC_RELEASE);
    __atomic_store_n(&t->ins, t->ins + 1, __ATOMIC_RELAXED);
    return 1;
}

static inline int lc__tab_put_fast(struct lc__tab *t, uintptr_t p, uint64_t size,
                                   uint32_t stack, uint32_t iter, int cls) {
    return lc__tab_put_any(t, p, size, stack, iter, cls, 1);
}

/* lc__tab_put_fast without the far probe (which is a call): also 0 when the
 * home bucket is full, so that a caller can stay a leaf function. */
static inline int lc__tab_put_home(struct lc__tab *t, uintptr_t p, uint64_t size,
                                   uint32_t stack, uint32_t iter, int cls) {
    return lc__tab_put_any(t, p, size, stack, iter, cls, 0);
}

/* The owner's remove of p's record from t: 1 and the record in *out; 0: use
 * lc__table_remove (not in t, a new epoch, a block >= 4 GiB). */
static inline __attribute__((always_inline)) int lc__tab_take_fast(struct lc__tab *t, uintptr_t p, lc__rec_t *out) {
    if (LC_UNLIKELY(t->epoch != lc__tab_epoch_now() || !lc__tab_keyable(p)))
        return 0;
    uint64_t kp = p >> 4, h = lc__tab_hash(kp);
    uint32_t at, passed;
    lc__rec_t *r = lc__tab_find(t, kp, h, &at, &passed);
    if (LC_UNLIKELY(!r))
        return 0;
    *out = *r;
    if (LC_UNLIKELY(out->size == BIG_SIZE))
        return 0;
    if (LC_UNLIKELY(passed)) {
        uint32_t nb = t->nb, b = lc__tab_home(h, nb), step = lc__tab_step(h, nb);
        for (; b != at; b = lc__tab_next(b, step, nb))
            lc__tab_ovf_add(lc__tab_ovf(t, b), -1);
    }
    __atomic_store_n(&r->key, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&t->rm, t->rm + 1, __ATOMIC_RELAXED);
    return 1;
}

/* lc__tab_take_fast for a record in its home bucket only (the usual case):
 * no probe loop and no overflow counts, so that a caller can stay a leaf
 * that saves no registers. 0: not there (or as lc__tab_take_fast). */
static inline __attribute__((always_inline)) int lc__tab_take_home(struct lc__tab *t, uintptr_t p,
                                                                  lc__rec_t *out) {
    uint32_t nb = t->nb;
    if (LC_UNLIKELY(t->epoch != lc__tab_epoch_now() || !lc__tab_keyable(p) || !nb))
        return 0;
    uint64_t kp = p >> 4;
    lc__rec_t *e = t->b[lc__tab_home(lc__tab_hash(kp), nb)].e;
    unsigned m = lc__tab_match(e, kp);
    if (LC_UNLIKELY(!m))
        return 0;
    lc__rec_t *r = &e[__builtin_ctz(m)];
    *out = *r;
    if (LC_UNLIKELY(out->size == BIG_SIZE))
        return 0;
    __atomic_store_n(&r->key, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&t->rm, t->rm + 1, __ATOMIC_RELAXED);
    return 1;
}

#endif
