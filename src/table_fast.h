/* table_fast.h: the block table's layout and its fast path, inlined into
 * hooks.c (hook path). The owner of a table inserts into a home bucket that
 * has room and no overflow, and removes a record found in its home bucket,
 * with plain stores and no call; anything else (growth, a new epoch, overflow,
 * the shared table, another thread's block) goes through table.c. */
#ifndef LC_TABLE_FAST_H
#define LC_TABLE_FAST_H

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

/* Bit i set when entry i of the bucket holds kp: four compares without a
 * branch (their outcome depends on the data and would be mispredicted). */
static inline unsigned lc__tab_match(const lc__rec_t *e, uint64_t kp) {
    unsigned m = 0;
#pragma GCC unroll 4
    for (unsigned i = 0; i < BSLOTS; i++)
        m |= (unsigned)((__atomic_load_n(&e[i].key, __ATOMIC_RELAXED) & PTR_MASK) == kp) << i;
    return m;
}

static inline unsigned lc__tab_empties(const lc__rec_t *e) {
    unsigned m = 0;
#pragma GCC unroll 4
    for (unsigned i = 0; i < BSLOTS; i++)
        m |= (unsigned)(__atomic_load_n(&e[i].key, __ATOMIC_RELAXED) == 0) << i;
    return m;
}

/* Bucket b's overflow count: how many keys whose probe passed b live beyond. */
static inline uint16_t *lc__tab_ovf(const struct lc__tab *t, uint32_t b) {
    return (uint16_t *)(t->b + t->nb) + b;
}

static inline int lc__tab_keyable(uintptr_t p) { return !((p & 15) | (p >> 48)); }

/* The owner's insert into t when its home bucket takes it at once; 0: use
 * lc__table_insert. */
static inline int lc__tab_put_fast(struct lc__tab *t, uintptr_t p, uint64_t size,
                                   uint32_t stack, uint32_t iter, int cls) {
    if (LC_UNLIKELY(t->epoch != lc__tab_epoch_now() || t->ins - t->rm >= t->limit ||
                    !lc__tab_keyable(p) || size >= BIG_SIZE))
        return 0;
    uint64_t kp = p >> 4, h = lc__tab_hash(kp);
    uint32_t b = lc__tab_home(h, t->nb);
    lc__rec_t *e = t->b[b].e;
    unsigned f = lc__tab_empties(e);
    /* a stale record of the same address, or one that may sit further on,
     * and a full bucket are the slow path's */
    if (LC_UNLIKELY(!f || lc__tab_match(e, kp) || __atomic_load_n(lc__tab_ovf(t, b), __ATOMIC_RELAXED)))
        return 0;
    lc__rec_t *r = &e[__builtin_ctz(f)];
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

/* The owner's remove from t when p's record is in its home bucket: 1 and the
 * record in *out; 0: use lc__table_remove. */
static inline int lc__tab_take_fast(struct lc__tab *t, uintptr_t p, lc__rec_t *out) {
    if (LC_UNLIKELY(t->epoch != lc__tab_epoch_now() || !t->nb || !lc__tab_keyable(p)))
        return 0;
    uint64_t kp = p >> 4, h = lc__tab_hash(kp);
    lc__rec_t *e = t->b[lc__tab_home(h, t->nb)].e;
    unsigned m = lc__tab_match(e, kp);
    if (LC_UNLIKELY(!m))
        return 0;
    lc__rec_t *r = &e[__builtin_ctz(m)];
    out->key = r->key;
    out->stack = r->stack;
    out->size = r->size;
    if (LC_UNLIKELY(out->size == BIG_SIZE))
        return 0;
    __atomic_store_n(&r->key, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&t->rm, t->rm + 1, __ATOMIC_RELAXED);
    return 1;
}

#endif
