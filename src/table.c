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
 * Inside a shard, slots come in windows of 15, each slot with a control byte:
 * empty, deleted, or a 7-bit tag from the pointer's hash. A window is 256
 * aligned bytes: its 16 control bytes (the 16th is a sentinel that never
 * matches and is never free), then its 15 records, so that a lookup touches
 * one page and usually two adjacent lines. A lookup compares the control bytes
 * with the tag in one SSE2 comparison and looks at records only where the tag
 * matches, then stops at the first window that has an empty slot. With linear
 * probing the loops over probe runs and over backward shifts had data-dependent
 * lengths, and their mispredicted exits cost more than the rest of the lookup
 * at ordinary load factors; here the common paths have no loop that depends on
 * the load. Deleting from a window that has an empty slot leaves an empty slot
 * (no lookup ever probed past that window); otherwise it leaves a tombstone,
 * and tombstones are dropped by the next rehash.
 *
 * A record is 16 bytes: the pointer (>> 4, 44 bits: glibc blocks are 16-byte
 * aligned and user space is 47 bits), the iteration (9 bits), the class (1 bit)
 * and the thread slot (10 bits) packed in one word, then the stack id and the
 * requested size; with its control byte, a slot is 17.1 bytes. Shards rehash
 * when 7/8 of the slots are used and grow by 1.5x, so the load factor stays
 * between 0.58 and 0.875: 19.5..29.3 bytes of tracker memory per live block.
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
#define WSLOTS 15           /* records per window */
#define CTRL_EMPTY 0x80
#define CTRL_DELETED 0xfe   /* full slots hold a tag in 0x00..0x7e */
#define CTRL_SENTINEL 0x7f  /* the 16th control byte of every window */
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

struct window {
    uint8_t ctrl[WSLOTS + 1];
    rec_t rec[WSLOTS];
} __attribute__((aligned(256)));

#define WIN_PER_PAGE (PAGE / sizeof(struct window))

struct shard {
    int lock;
    uint32_t nwin;   /* windows */
    uint32_t count;  /* live records */
    uint32_t tombs;  /* deleted control bytes */
    struct window *win;
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
    return shards ? 0 : LEAKCHECK_ENOMEM;
}

/* One multiplication is enough here and is on every call: glibc pointers differ
 * mostly in their low bits, which a multiplication by an odd constant carries
 * into the high bits of the product. The top GROUP_BITS pick the shard within
 * the group, the 32 bits under them the home window (see home_of), and the 7
 * bits under those the tag. */
static inline uint64_t hash_key(uint64_t kp) { return kp * 0x9e3779b97f4a7c15ull; }

static inline uint8_t tag_of(uint64_t h) {
    uint8_t t = (uint8_t)((h >> (25 - GROUP_BITS)) & 0x7f);
    return t == CTRL_SENTINEL ? 0 : t;
}

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

/* The home window of hash h in a table of nwin windows. */
static inline uint32_t home_of(uint64_t h, uint32_t nwin) {
    uint64_t bits = (h >> (32 - GROUP_BITS)) & 0xffffffffu;
    return (uint32_t)(bits * nwin >> 32);
}

static inline uint32_t next_win(uint32_t w, uint32_t nwin) { return w + 1 == nwin ? 0 : w + 1; }

static inline __m128i win_load(const struct window *w) {
    return _mm_load_si128((const __m128i *)w->ctrl);
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

struct slot {
    struct window *w;
    int i; /* -1: none */
};

/* The slot holding kp (i = -1 when absent). *freeslot (when not NULL) gets the
 * first empty or deleted slot on the probe path, for an insertion after a miss. */
static inline struct slot find(const struct shard *s, uint64_t kp, uint64_t h,
                               struct slot *freeslot) {
    uint8_t tag = tag_of(h);
    uint32_t nwin = s->nwin, wi = home_of(h, nwin);
    if (freeslot)
        freeslot->i = -1;
    for (uint32_t n = 0; n < nwin; n++, wi = next_win(wi, nwin)) {
        struct window *w = &s->win[wi];
        __m128i c = win_load(w);
        for (unsigned m = win_match(c, tag); m; m &= m - 1) {
            int i = __builtin_ctz(m);
            if ((w->rec[i].key & PTR_MASK) == kp)
                return (struct slot){w, i};
        }
        unsigned f = win_free(c);
        if (freeslot && freeslot->i < 0 && f)
            *freeslot = (struct slot){w, __builtin_ctz(f)};
        if (win_empty(c))
            break;
    }
    return (struct slot){NULL, -1};
}

/* Rebuilds the shard with nwin windows, dropping tombstones. */
static int shard_rehash(struct shard *s, uint32_t nwin) {
    nwin = (nwin + WIN_PER_PAGE - 1) / WIN_PER_PAGE * WIN_PER_PAGE;
    uint64_t bytes = (uint64_t)nwin * sizeof(struct window);
    struct window *nw = lc__mmap(bytes);
    if (!nw)
        return -1;
    for (uint32_t wi = 0; wi < nwin; wi++) {
        memset(nw[wi].ctrl, CTRL_EMPTY, WSLOTS);
        nw[wi].ctrl[WSLOTS] = CTRL_SENTINEL;
    }
    for (uint32_t oi = 0; oi < s->nwin; oi++) {
        const struct window *ow = &s->win[oi];
        for (int i = 0; i < WSLOTS; i++) {
            if (ow->ctrl[i] & 0x80)
                continue;
            uint64_t h = hash_key(ow->rec[i].key & PTR_MASK);
            uint32_t wi = home_of(h, nwin);
            unsigned f;
            while (!(f = win_free(win_load(&nw[wi]))))
                wi = next_win(wi, nwin);
            int j = __builtin_ctz(f);
            nw[wi].ctrl[j] = tag_of(h);
            nw[wi].rec[j] = ow->rec[i];
        }
    }
    lc__munmap(s->win, s->bytes);
    s->win = nw;
    s->nwin = nwin;
    s->bytes = bytes;
    s->tombs = 0;
    return 0;
}

/* Makes room for one more record: rehash when 7/8 of the slots would be used,
 * in place when tombstones are most of that, with 1.5x the windows otherwise. */
static inline int shard_reserve(struct shard *s) {
    uint64_t cap = (uint64_t)s->nwin * WSLOTS;
    if (LC_LIKELY((uint64_t)(s->count + s->tombs + 1) * 8 <= cap * 7))
        return 0;
    uint32_t nwin = s->nwin;
    if (!nwin)
        nwin = WIN_PER_PAGE;
    else if ((uint64_t)(s->count + 1) * 16 > cap * 7)
        nwin = nwin + nwin / 2;
    return shard_rehash(s, nwin);
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
    struct slot fs;
    struct slot at = find(s, kp, h, &fs);
    if (at.i < 0) { /* the usual case; a hit is a stale record for a reused address */
        if (LC_UNLIKELY(fs.i < 0))
            goto out; /* cannot happen below 7/8 load; never write out of bounds */
        at = fs;
        if (at.w->ctrl[at.i] == CTRL_DELETED)
            s->tombs--;
        at.w->ctrl[at.i] = tag_of(h);
        s->count++;
    }
    rec_t *r = &at.w->rec[at.i];
    r->key = key;
    r->stack = stack;
    r->size = sz32;
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
    struct slot at = find(s, kp, h, NULL);
    if (at.i < 0)
        goto out;
    decode(&at.w->rec[at.i], out);
    found = 1;
    s->count--;
    /* An empty slot in the window means no probe ever went past it. */
    if (win_empty(win_load(at.w))) {
        at.w->ctrl[at.i] = CTRL_EMPTY;
    } else {
        at.w->ctrl[at.i] = CTRL_DELETED;
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
        for (uint32_t wi = 0; wi < s->nwin && n < s->count; wi++)
            for (int i = 0; i < WSLOTS; i++)
                if (!(s->win[wi].ctrl[i] & 0x80))
                    buf[n++] = s->win[wi].rec[i];
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
        lc__munmap(s->win, s->bytes);
        s->win = NULL;
        s->nwin = s->count = s->tombs = 0;
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
