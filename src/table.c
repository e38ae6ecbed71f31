/* table.c: the live-block side table, keyed by pointer. Hook path.
 *
 * 256 shards, each an open-addressing table (linear probing, backward-shift
 * deletion, no tombstones) behind its own spin lock; there is no global lock.
 * A shard grows by 1.5x under its own lock: the pause is a rehash of that
 * shard only and blocks only threads touching it.
 *
 * Shards are chosen so that threads do not share them when they need not. The
 * shards form 16 groups of 16; a block's group is given by the 64 MiB region
 * of its address, and its shard within the group by a hash. glibc gives every
 * thread its own arena (up to 8 per core), and the heaps of non-main arenas
 * are 64 MiB-aligned, so the blocks of different threads usually fall in
 * different regions. Regions get groups round-robin on first sight, in a map
 * that is never cleared (a region keeps its group for the life of the
 * process, so the shard of a pointer never changes). A shard's lock and
 * records then stay in the cache of the thread that uses them instead of
 * bouncing between cores on every call, which is what limited scaling when the
 * shard was a pure hash of the pointer. A pointer freed by another thread still
 * finds its shard, since the shard depends on the address alone.
 *
 * A record is 16 bytes: the pointer (>> 4, 44 bits: glibc blocks are 16-byte
 * aligned and user space is 47 bits), the iteration (9 bits), the class (1 bit)
 * and the thread slot (10 bits) packed in one word, then the stack id and the
 * requested size. At a load factor between 0.5 and 0.75 that is 21..32 bytes of
 * tracker memory per live block. Sizes >= 4 GiB go to a small side list.
 * Memory comes from mmap, never from the tracked heap.
 */
#include <string.h>

#include "internal.h"

#define NSHARDS 256
#define GROUP_BITS 4 /* 16 groups of 16 shards */
#define NGROUPS (1u << GROUP_BITS)
#define REGION_SHIFT 26 /* glibc's HEAP_MAX_SIZE on 64-bit: 64 MiB */
#define RMAP_BITS 10
#define RMAP_SIZE (1u << RMAP_BITS)
#define RMAP_PROBES 8
#define REC_PER_PAGE 256 /* 4096 / 16 */
#define PTR_BITS 44
#define PTR_MASK ((1ull << PTR_BITS) - 1)
#define ITER_SHIFT 44
#define CLS_SHIFT 53
#define THREAD_SHIFT 54
#define BIG_SIZE 0xffffffffu

typedef struct {
    uint64_t key;
    uint32_t stack;
    uint32_t size;
} rec_t;

struct shard {
    int lock;
    uint32_t cap;   /* records */
    uint32_t count;
    rec_t *recs;
} __attribute__((aligned(64)));

static struct shard *shards;

/* Blocks of 4 GiB or more: their true size, keyed by pointer. */
#define NBIG 64
static struct {
    int lock;
    uintptr_t ptr[NBIG];
    uint64_t size[NBIG];
} big;

int lc__table_init(void) {
    if (shards)
        return 0;
    shards = lc__mmap(sizeof(struct shard) * NSHARDS);
    return shards ? 0 : LC_ENOMEM;
}

/* One multiplication is enough here and is on every call: glibc pointers differ
 * mostly in their low bits, which a multiplication by an odd constant carries
 * into the high bits of the product. The top GROUP_BITS pick the shard within
 * the group and the 32 bits under them the home slot (see home_of). */
static inline uint64_t hash_key(uint64_t kp) { return kp * 0x9e3779b97f4a7c15ull; }

/* Region -> group map: an entry is region << 8 | 0x80 | group, 0 when free.
 * Entries are only ever added, with a compare-and-swap, so a lookup is one
 * relaxed load of a line that no thread writes in the steady state. */
static uint32_t rmap[RMAP_SIZE];
static uint32_t rmap_next;

static inline uint32_t group_of(uintptr_t p) {
    uint32_t region = (uint32_t)(p >> REGION_SHIFT); /* < 2^21 for user addresses */
    uint32_t key = region << 8 | 0x80;
    uint32_t i = (region * 0x9e3779b1u) >> (32 - RMAP_BITS);
    for (int k = 0; k < RMAP_PROBES; k++, i = (i + 1) & (RMAP_SIZE - 1)) {
        uint32_t e = __atomic_load_n(&rmap[i], __ATOMIC_RELAXED);
        if (LC_UNLIKELY(!e)) {
            uint32_t g = __atomic_fetch_add(&rmap_next, 1, __ATOMIC_RELAXED) % NGROUPS;
            if (__atomic_compare_exchange_n(&rmap[i], &e, key | g, 0, __ATOMIC_RELAXED,
                                            __ATOMIC_RELAXED))
                return g;
            /* another thread filled the entry first: e is now its value */
        }
        if ((e & ~0x7fu) == key)
            return e & (NGROUPS - 1);
    }
    /* The probe window is full for good (entries are never removed), so this
     * fallback is as stable as the map. */
    return (region * 0x9e3779b1u) >> (32 - GROUP_BITS);
}

static inline struct shard *shard_of(uintptr_t p, uint64_t h) {
    return &shards[group_of(p) << GROUP_BITS | (uint32_t)(h >> (64 - GROUP_BITS))];
}

static inline uint32_t home_of(uint64_t h, uint32_t cap) {
    return (uint32_t)(((h >> (32 - GROUP_BITS)) & 0xffffffffu) * cap >> 32);
}

static void big_put(uintptr_t p, uint64_t size) {
    lc__spin_lock(&big.lock);
    for (int i = 0; i < NBIG; i++) {
        if (!big.ptr[i]) {
            big.ptr[i] = p;
            big.size[i] = size;
            break;
        }
    }
    lc__spin_unlock(&big.lock);
}

static uint64_t big_take(uintptr_t p, int remove) {
    uint64_t size = BIG_SIZE;
    lc__spin_lock(&big.lock);
    for (int i = 0; i < NBIG; i++) {
        if (big.ptr[i] == p) {
            size = big.size[i];
            if (remove)
                big.ptr[i] = 0;
            break;
        }
    }
    lc__spin_unlock(&big.lock);
    return size;
}

static int shard_grow(struct shard *s) {
    uint32_t ncap = s->cap ? s->cap + s->cap / 2 : REC_PER_PAGE;
    ncap = (ncap + REC_PER_PAGE - 1) / REC_PER_PAGE * REC_PER_PAGE;
    rec_t *n = lc__mmap((size_t)ncap * sizeof(rec_t));
    if (!n)
        return -1;
    for (uint32_t i = 0; i < s->cap; i++) {
        rec_t r = s->recs[i];
        if (!r.key)
            continue;
        uint32_t j = home_of(hash_key(r.key & PTR_MASK), ncap);
        while (n[j].key)
            j = j + 1 == ncap ? 0 : j + 1;
        n[j] = r;
    }
    lc__munmap(s->recs, (size_t)s->cap * sizeof(rec_t));
    s->recs = n;
    s->cap = ncap;
    return 0;
}

int lc__table_insert(uintptr_t p, uint64_t size, uint32_t stack, uint32_t iter,
                     uint32_t thread, int cls, uint32_t gen) {
    if ((p & 15) || (p >> 48))
        return 0; /* not a glibc block; cannot be keyed */
    uint64_t kp = p >> 4;
    uint64_t h = hash_key(kp);
    struct shard *s = shard_of(p, h);
    if (iter > LC_MAX_ITER)
        iter = LC_MAX_ITER;
    uint64_t key = kp | ((uint64_t)iter << ITER_SHIFT) | ((uint64_t)(cls & 1) << CLS_SHIFT) |
                   ((uint64_t)(thread & (LC_MAX_THREADS - 1)) << THREAD_SHIFT);
    uint32_t sz32 = size >= BIG_SIZE ? BIG_SIZE : (uint32_t)size;
    int inserted = 0;
    lc__spin_lock(&s->lock);
    /* The scope may have ended (and the table been cleared) since this thread
     * read the generation; the lock orders us against the clear. */
    if (__atomic_load_n(&lc__st.gen, __ATOMIC_RELAXED) != gen)
        goto out;
    if ((uint64_t)(s->count + 1) * 4 > (uint64_t)s->cap * 3 && shard_grow(s))
        goto out;
    uint32_t j = home_of(h, s->cap);
    for (;;) {
        rec_t *r = &s->recs[j];
        if (!r->key) {
            s->count++;
            break;
        }
        if ((r->key & PTR_MASK) == kp)
            break; /* a stale record for a reused address: replace it */
        j = j + 1 == s->cap ? 0 : j + 1;
    }
    s->recs[j].key = key;
    s->recs[j].stack = stack;
    s->recs[j].size = sz32;
    inserted = 1;
out:
    lc__spin_unlock(&s->lock);
    if (inserted && sz32 == BIG_SIZE)
        big_put(p, size);
    return inserted;
}

static void decode(const rec_t *r, struct lc_rec_info *out) {
    out->ptr = (uintptr_t)((r->key & PTR_MASK) << 4);
    out->iteration = (uint32_t)((r->key >> ITER_SHIFT) & LC_MAX_ITER);
    out->cls = (int)((r->key >> CLS_SHIFT) & 1);
    out->thread = (uint32_t)(r->key >> THREAD_SHIFT);
    out->stack = r->stack;
    out->size = r->size;
}

int lc__table_remove(uintptr_t p, struct lc_rec_info *out) {
    if ((p & 15) || (p >> 48))
        return 0;
    uint64_t kp = p >> 4;
    uint64_t h = hash_key(kp);
    struct shard *s = shard_of(p, h);
    int found = 0;
    lc__spin_lock(&s->lock);
    if (!s->count)
        goto out;
    uint32_t cap = s->cap, i = home_of(h, cap);
    for (;;) {
        uint64_t k = s->recs[i].key;
        if (!k)
            goto out;
        if ((k & PTR_MASK) == kp)
            break;
        i = i + 1 == cap ? 0 : i + 1;
    }
    decode(&s->recs[i], out);
    found = 1;
    s->count--;
    /* Backward-shift deletion: pull later members of the probe run into the
     * hole when the hole lies between their home slot and where they sit. */
    for (uint32_t j = i + 1 == cap ? 0 : i + 1;; j = j + 1 == cap ? 0 : j + 1) {
        uint64_t k = s->recs[j].key;
        if (!k)
            break;
        uint32_t hj = home_of(hash_key(k & PTR_MASK), cap);
        uint32_t dist_home = (j + cap - hj) % cap, dist_hole = (j + cap - i) % cap;
        if (dist_home >= dist_hole) {
            s->recs[i] = s->recs[j];
            i = j;
        }
    }
    s->recs[i].key = 0;
out:
    lc__spin_unlock(&s->lock);
    if (found && out->size == BIG_SIZE)
        out->size = big_take(p, 1);
    return found;
}

void lc__table_foreach(void (*fn)(const struct lc_rec_info *, void *), void *arg) {
    rec_t *buf = NULL;
    size_t bufcap = 0;
    for (int si = 0; si < NSHARDS; si++) {
        struct shard *s = &shards[si];
        lc__spin_lock(&s->lock);
        size_t n = 0;
        if (s->count > bufcap) {
            rec_t *nb = lc__xrealloc(buf, (size_t)s->count * sizeof *buf);
            if (!nb) {
                lc__spin_unlock(&s->lock);
                continue;
            }
            buf = nb;
            bufcap = s->count;
        }
        for (uint32_t i = 0; i < s->cap && n < s->count; i++)
            if (s->recs[i].key)
                buf[n++] = s->recs[i];
        lc__spin_unlock(&s->lock);
        for (size_t i = 0; i < n; i++) {
            struct lc_rec_info info;
            decode(&buf[i], &info);
            if (info.size == BIG_SIZE)
                info.size = big_take(info.ptr, 0);
            fn(&info, arg);
        }
    }
    lc__xfree(buf);
}

void lc__table_clear(void) {
    if (!shards)
        return;
    for (int si = 0; si < NSHARDS; si++) {
        struct shard *s = &shards[si];
        lc__spin_lock(&s->lock);
        lc__munmap(s->recs, (size_t)s->cap * sizeof(rec_t));
        s->recs = NULL;
        s->cap = s->count = 0;
        lc__spin_unlock(&s->lock);
    }
    lc__spin_lock(&big.lock);
    memset(big.ptr, 0, sizeof big.ptr);
    lc__spin_unlock(&big.lock);
}

void lc__table_lock_all(void) {
    if (!shards)
        return;
    for (int si = 0; si < NSHARDS; si++)
        lc__spin_lock(&shards[si].lock);
    lc__spin_lock(&big.lock);
}

void lc__table_unlock_all(void) {
    if (!shards)
        return;
    lc__spin_unlock(&big.lock);
    for (int si = NSHARDS - 1; si >= 0; si--)
        lc__spin_unlock(&shards[si].lock);
}

uint64_t lc__table_bytes(void) {
    uint64_t b = sizeof(struct shard) * NSHARDS;
    if (!shards)
        return 0;
    for (int si = 0; si < NSHARDS; si++)
        b += (uint64_t)__atomic_load_n(&shards[si].cap, __ATOMIC_RELAXED) * sizeof(rec_t);
    return b;
}
