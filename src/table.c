/* table.c: the live-block side table, keyed by pointer. Hook path.
 *
 * 256 shards, each an open-addressing table behind its own spin lock; there is
 * no global lock. A shard grows by 1.5x under its own lock: the pause is a
 * rehash of that shard only and blocks only threads touching it.
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
 * Inside a shard, slots come in aligned windows of 16, each slot with a control
 * byte: empty, deleted, or a 7-bit tag from the pointer's hash. A lookup
 * compares the 16 control bytes of a window with the tag in one SSE2
 * comparison and looks at records only where the tag matches, then stops at
 * the first window that has an empty slot. With linear probing the loops over
 * probe runs and over backward shifts had data-dependent lengths, and their
 * mispredicted exits cost more than the rest of the lookup at ordinary load
 * factors; here the common paths have no loop that depends on the load.
 * Deleting from a window that has an empty slot leaves an empty slot (no
 * lookup ever probed past that window); otherwise it leaves a tombstone, and
 * tombstones are dropped by the next rehash.
 *
 * A record is 16 bytes: the pointer (>> 4, 44 bits: glibc blocks are 16-byte
 * aligned and user space is 47 bits), the iteration (9 bits), the class (1 bit)
 * and the thread slot (10 bits) packed in one word, then the stack id and the
 * requested size; with its control byte, a slot is 17 bytes. Shards rehash
 * when 7/8 of the slots are used and grow by 1.5x, so the load factor stays
 * between 0.58 and 0.875: 19.5..29 bytes of tracker memory per live block.
 * Sizes >= 4 GiB go to a small side list. Memory comes from mmap, never from
 * the tracked heap.
 */
#include <emmintrin.h>
#include <string.h>

#include "internal.h"

#define NSHARDS 256
#define GROUP_BITS 4 /* 16 groups of 16 shards */
#define NGROUPS (1u << GROUP_BITS)
#define REGION_SHIFT 26 /* glibc's HEAP_MAX_SIZE on 64-bit: 64 MiB */
#define RMAP_BITS 10
#define RMAP_SIZE (1u << RMAP_BITS)
#define RMAP_PROBES 8
#define WIN 16              /* slots per probe window */
#define CTRL_EMPTY 0x80
#define CTRL_DELETED 0xfe   /* full slots hold a tag in 0x00..0x7f */
#define PAGE 4096
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
    uint32_t cap;    /* slots, a multiple of WIN */
    uint32_t count;  /* live records */
    uint32_t tombs;  /* deleted control bytes */
    uint8_t *ctrl;   /* cap control bytes, then the records; one mapping */
    rec_t *recs;
    uint64_t bytes;  /* size of the mapping */
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
 * the group, the 32 bits under them the home window (see home_of), and the 7
 * bits under those the tag. */
static inline uint64_t hash_key(uint64_t kp) { return kp * 0x9e3779b97f4a7c15ull; }

static inline uint8_t tag_of(uint64_t h) { return (uint8_t)((h >> (25 - GROUP_BITS)) & 0x7f); }

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

/* The first slot of the home window of hash h in a table of cap slots. */
static inline uint32_t home_of(uint64_t h, uint32_t cap) {
    uint64_t bits = (h >> (32 - GROUP_BITS)) & 0xffffffffu;
    return (uint32_t)(bits * (cap / WIN) >> 32) * WIN;
}

static inline uint32_t next_win(uint32_t w, uint32_t cap) {
    return w + WIN == cap ? 0 : w + WIN;
}

static inline __m128i win_load(const uint8_t *ctrl, uint32_t w) {
    return _mm_load_si128((const __m128i *)(ctrl + w));
}

/* Bit i set when slot i of the window holds `tag`. */
static inline unsigned win_match(__m128i c, uint8_t tag) {
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_set1_epi8((char)tag)));
}

/* Bit i set when slot i is empty or deleted (control bytes with the top bit). */
static inline unsigned win_free(__m128i c) { return (unsigned)_mm_movemask_epi8(c); }

static inline unsigned win_empty(__m128i c) {
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_set1_epi8((char)CTRL_EMPTY)));
}

/* The slot holding kp, or -1. *freeslot (when not NULL) gets the first empty
 * or deleted slot on the probe path, or -1, for an insertion after a miss. */
static inline int64_t find(const struct shard *s, uint64_t kp, uint64_t h, int64_t *freeslot) {
    uint8_t tag = tag_of(h);
    uint32_t cap = s->cap, w = home_of(h, cap);
    if (freeslot)
        *freeslot = -1;
    for (uint32_t n = 0; n < cap; n += WIN, w = next_win(w, cap)) {
        __m128i c = win_load(s->ctrl, w);
        for (unsigned m = win_match(c, tag); m; m &= m - 1) {
            uint32_t i = w + (uint32_t)__builtin_ctz(m);
            if ((s->recs[i].key & PTR_MASK) == kp)
                return i;
        }
        unsigned f = win_free(c);
        if (freeslot && *freeslot < 0 && f)
            *freeslot = w + (uint32_t)__builtin_ctz(f);
        if (win_empty(c))
            return -1;
    }
    return -1;
}

/* The largest multiple of WIN slots whose control bytes and records fit in
 * `pages` pages. */
static inline uint32_t cap_for_pages(uint64_t pages) {
    return (uint32_t)(pages * PAGE / (1 + sizeof(rec_t)) / WIN * WIN);
}

/* Rebuilds the shard with room for at least `want` slots, dropping tombstones. */
static int shard_rehash(struct shard *s, uint32_t want) {
    uint64_t bytes = ((uint64_t)want * (1 + sizeof(rec_t)) + PAGE - 1) / PAGE * PAGE;
    uint32_t ncap = cap_for_pages(bytes / PAGE);
    if (ncap < want) { /* rounding lost a window: one more page */
        bytes += PAGE;
        ncap = cap_for_pages(bytes / PAGE);
    }
    uint8_t *map = lc__mmap(bytes);
    if (!map)
        return -1;
    memset(map, CTRL_EMPTY, ncap);
    rec_t *nrecs = (rec_t *)(map + ncap); /* ncap is a multiple of 16: aligned */
    for (uint32_t i = 0; i < s->cap; i++) {
        if (s->ctrl[i] & 0x80)
            continue;
        uint64_t h = hash_key(s->recs[i].key & PTR_MASK);
        uint32_t w = home_of(h, ncap);
        unsigned f;
        while (!(f = win_free(win_load(map, w))))
            w = next_win(w, ncap);
        uint32_t j = w + (uint32_t)__builtin_ctz(f);
        map[j] = tag_of(h);
        nrecs[j] = s->recs[i];
    }
    lc__munmap(s->ctrl, s->bytes);
    s->ctrl = map;
    s->recs = nrecs;
    s->cap = ncap;
    s->bytes = bytes;
    s->tombs = 0;
    return 0;
}

/* Makes room for one more record: rehash when 7/8 of the slots would be used,
 * in place when tombstones are most of that, with 1.5x the slots otherwise. */
static inline int shard_reserve(struct shard *s) {
    if (LC_LIKELY((uint64_t)(s->count + s->tombs + 1) * 8 <= (uint64_t)s->cap * 7))
        return 0;
    uint32_t want = s->cap;
    if (!want)
        want = cap_for_pages(1);
    else if ((uint64_t)(s->count + 1) * 16 > (uint64_t)s->cap * 7)
        want = s->cap + s->cap / 2;
    return shard_rehash(s, want);
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
    if (shard_reserve(s))
        goto out;
    int64_t freeslot;
    int64_t i = find(s, kp, h, &freeslot);
    if (i < 0) { /* the usual case; a hit is a stale record for a reused address */
        if (LC_UNLIKELY(freeslot < 0))
            goto out; /* cannot happen below 7/8 load; never write out of bounds */
        i = freeslot;
        if (s->ctrl[i] == CTRL_DELETED)
            s->tombs--;
        s->ctrl[i] = tag_of(h);
        s->count++;
    }
    s->recs[i].key = key;
    s->recs[i].stack = stack;
    s->recs[i].size = sz32;
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
    int64_t i = find(s, kp, h, NULL);
    if (i < 0)
        goto out;
    decode(&s->recs[i], out);
    found = 1;
    s->count--;
    /* An empty slot in the window means no probe ever went past it. */
    uint32_t w = (uint32_t)i & ~(uint32_t)(WIN - 1);
    if (win_empty(win_load(s->ctrl, w))) {
        s->ctrl[i] = CTRL_EMPTY;
    } else {
        s->ctrl[i] = CTRL_DELETED;
        s->tombs++;
    }
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
            if (!(s->ctrl[i] & 0x80))
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
        lc__munmap(s->ctrl, s->bytes);
        s->ctrl = NULL;
        s->recs = NULL;
        s->cap = s->count = s->tombs = 0;
        s->bytes = 0;
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
        b += __atomic_load_n(&shards[si].bytes, __ATOMIC_RELAXED);
    return b;
}
