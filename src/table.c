/* table.c: the live-block side table, keyed by pointer. Hook path.
 *
 * One open-addressing table per thread counter slot (threads.c), written
 * without a lock or an atomic read-modify-write by the thread that owns the
 * slot; other threads lock it to remove what they free. Called by hooks.c;
 * calls only util.c (mmap) and the spin lock. No global lock.
 *
 * Ownership. A block's record goes into the table of the thread that
 * allocated it. The owner inserts and removes its own records with plain
 * stores: a record is written (stack, size, then the key) only into an empty
 * entry, and it is cleared only by the thread that frees that very block, so
 * two threads never write the same entry at once (glibc hands an address out
 * again only after its free returned, and the record is removed before that).
 * A free that misses in the freeing thread's own table (the block came from
 * another thread, or was never tracked) looks in the other tables, first
 * without their locks (peek), then under the lock of one that holds it. The
 * lock also covers growth: only the owner grows its table, and
 * it holds its own lock meanwhile, so no remote remover sees a half-moved
 * table. Slot 0 is shared by threads that found no slot of their own
 * (threads.c): every operation on its table takes the lock. A thread that
 * exits leaves its table (with the records of blocks still live) to the next
 * thread that binds the slot.
 *
 * Layout. A table is an array of 64-byte buckets of four 16-byte entries,
 * each holding the whole record: the key (pointer >> 4, 44 bits: glibc blocks
 * are 16-byte aligned and user space is 47 bits; the iteration, 9 bits; the
 * class, 1 bit), the stack id and the requested size. A lookup hashes the
 * pointer to its home bucket and compares its four keys (one cache line)
 * without a branch per entry; it goes on, by double hashing, only while the
 * bucket's overflow count (one 16-bit counter per bucket, after the buckets)
 * says some key whose probe passed it lives further on. Removing a record
 * clears its key and decrements the counts it had passed, so there are no
 * tombstones and probe runs do not grow with churn. Counts change with atomic
 * adds (the owner and a remote remover may pass the same bucket), but only on
 * that overflow path. A table grows by 1.5x when half of its entries are used
 * (at 3/4, one insert in eight found its home bucket full: a mispredicted
 * branch and the far probe cost more than the memory saved while the table
 * fits in the cache; at 7/8, a quarter of all lookups left the home bucket),
 * and at 7/8 once it has 16384 buckets (there a lookup is a cache miss
 * either way: a million live
 * blocks take 21 bytes each instead of 31 at the same cost). A mapping adds a
 * 64-byte header and 2 bytes of overflow count per bucket. Arrays are never
 * unmapped while the process runs (see map_put). Sizes >= 4 GiB go to a small
 * side list.
 * Memory comes from mmap, never from the tracked heap.
 *
 * Generations. lc__table_clear (scope end) only bumps the table epoch and
 * gives the pages back (MADV_DONTNEED keeps the mapping, so an owner still in
 * a hook reads zeros and writes into a stale table, never into unmapped
 * memory); a table whose epoch is old holds nothing, and its owner resets it
 * on its next insert. The fast path (the owner's insert and remove) is inline
 * in table_fast.h.
 */
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "table_fast.h"

#define NTABS LC_MAX_THREADS
#define PAGE 4096

typedef lc__rec_t rec_t;

struct lc__tab *lc__tabs;
uint32_t lc__tab_epoch = 1;
static uint32_t tabs_used; /* tables ever written: 1 + the highest index */

/* Arrays a table is done with (see map_put). */
#define HDR 64
#define NRETIRED 48
struct retired {
    void *map;
    uint64_t bytes;
};
static struct retired (*retired)[NRETIRED]; /* per table; mmap'd with the headers */

/* Blocks of 4 GiB or more: their true size, keyed by pointer. */
#define NBIG 64
static struct {
    int lock;
    uintptr_t ptr[NBIG];
    uint64_t size[NBIG];
} big;

/* Inserts dropped because a table could not grow: a test during which this
 * moves cannot be judged (failsafe.c). */
static uint64_t lost;
uint64_t lc__table_lost(void) { return __atomic_load_n(&lost, __ATOMIC_RELAXED); }

int lc__table_init(void) {
    if (lc__tabs)
        return 0;
    retired = lc__mmap(sizeof *retired * NTABS);
    lc__tabs = lc__mmap(sizeof(struct lc__tab) * NTABS);
    return lc__tabs ? 0 : LEAKCHECK_ENOMEM;
}

static inline uint32_t cur_epoch(void) { return lc__tab_epoch_now(); }

static inline uint64_t tab_count(const struct lc__tab *t) {
    return __atomic_load_n(&t->ins, __ATOMIC_RELAXED) - __atomic_load_n(&t->rm, __ATOMIC_RELAXED) -
           __atomic_load_n(&t->rrm, __ATOMIC_RELAXED);
}

lc__rec_t *lc__tab_put_far(struct lc__tab *t, uint64_t kp, uint64_t h) {
    (void)kp;
    uint32_t nb = t->nb, b = lc__tab_home(h, nb);
    lc__rec_t *e = t->b[b].e;
    unsigned f = lc__tab_empties(e);
    if (!f) {
        uint32_t step = lc__tab_step(h, nb);
        do {
            lc__tab_ovf_add(lc__tab_ovf(t, b), 1);
            b = lc__tab_next(b, step, nb);
            e = t->b[b].e;
        } while (!(f = lc__tab_empties(e)));
    }
    return &e[__builtin_ctz(f)];
}

/* Places a record: over a stale record of the same address in the home
 * bucket (see lc__tab_put_fast), else in the first empty entry on its probe
 * sequence. The table has room. */
static inline void place(struct lc__tab *t, uint64_t kp, uint64_t key, uint32_t stack,
                         uint32_t size) {
    uint64_t h = lc__tab_hash(kp);
    rec_t *e = t->b[lc__tab_home(h, t->nb)].e, *slot;
    unsigned m = lc__tab_match(e, kp), f = lc__tab_empties(e);
    if (LC_UNLIKELY(m)) { /* replaced, and counted as removed */
        slot = &e[__builtin_ctz(m)];
        __atomic_store_n(&t->rm, t->rm + 1, __ATOMIC_RELAXED);
    } else {
        slot = f ? &e[__builtin_ctz(f)] : lc__tab_put_far(t, kp, h);
    }
    __atomic_store_n(&slot->stack, stack, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->size, size, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->key, key, __ATOMIC_RELEASE);
}

static int is_prime(uint32_t n) {
    if (n < 4)
        return n > 1;
    if (!(n & 1))
        return 0;
    for (uint32_t d = 3; d <= n / d; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

/* Arrays are never unmapped while the process runs: another thread's free
 * may be probing one without the lock (peek). An array a table is done with
 * gives its pages back and waits in that table's list for the next time the
 * table needs that very size (growth repeats the same sizes scope after
 * scope). Each mapping starts with a 64-byte header holding its bucket count,
 * so a lock-free reader gets the count and the buckets from one pointer. */

static inline uint32_t arr_nb(const struct lc__bucket *b) {
    return __atomic_load_n((const uint32_t *)((const char *)b - HDR), __ATOMIC_ACQUIRE);
}

static void *map_get(uint32_t ti, uint64_t bytes) {
    for (int i = 0; retired && i < NRETIRED; i++)
        if (retired[ti][i].map && retired[ti][i].bytes == bytes) {
            void *m = retired[ti][i].map;
            retired[ti][i].map = NULL;
            return m; /* zero since its pages were given back */
        }
    return lc__mmap(bytes);
}

static void map_put(uint32_t ti, struct lc__bucket *b, uint64_t bytes) {
    if (!b)
        return;
    void *m = (char *)b - HDR;
    madvise(m, bytes, MADV_DONTNEED);
    for (int i = 0; retired && i < NRETIRED; i++)
        if (!retired[ti][i].map) {
            retired[ti][i] = (struct retired){m, bytes};
            return;
        }
    /* no room in the list: the mapping stays, empty (address space only) */
}

/* A zeroed array of about `want` buckets (whole pages; a prime number of
 * buckets, see step_of); *bytes is the whole mapping's size. */
static struct lc__bucket *map_buckets(uint32_t ti, uint32_t want, uint32_t *nb,
                                      uint64_t *bytes) {
    uint64_t b = (HDR + (uint64_t)want * (sizeof(struct lc__bucket) + 2) + PAGE - 1) / PAGE * PAGE;
    char *m = map_get(ti, b);
    if (!m)
        return NULL;
    /* a large table is probed at random: 2 MiB pages spare a TLB miss on
     * nearly every lookup (a hint; without it the table works the same) */
    if (b >= (4u << 20))
        madvise(m, b, MADV_HUGEPAGE);
    uint32_t n = (uint32_t)((b - HDR) / (sizeof(struct lc__bucket) + 2));
    while (!is_prime(n))
        n--;
    __atomic_store_n((uint32_t *)m, n, __ATOMIC_RELEASE);
    *nb = n;
    *bytes = b;
    return (struct lc__bucket *)(m + HDR);
}

/* Brackets a change of t's array for lock-free readers (peek). */
static inline void ver_bump(struct lc__tab *t) {
    __atomic_store_n(&t->ver, t->ver + 1, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Rebuilds t with room for about nb buckets. The caller holds t's lock and is
 * its owner (or t is the shared table), so nothing else writes it. */
static int tab_rebuild(struct lc__tab *t, uint32_t want) {
    uint32_t nb, ti = (uint32_t)(t - lc__tabs);
    uint64_t bytes;
    struct lc__bucket *m = map_buckets(ti, want, &nb, &bytes);
    if (!m)
        return -1;
    struct lc__tab n = *t;
    n.b = m;
    n.nb = nb;
    n.bytes = bytes;
    uint64_t live = 0;
    for (uint32_t ob = 0; ob < t->nb; ob++)
        for (int i = 0; i < BSLOTS; i++) {
            rec_t r = t->b[ob].e[i];
            if (r.key) {
                place(&n, r.key & PTR_MASK, r.key, r.stack, r.size);
                live++;
            }
        }
    struct lc__bucket *old = t->b;
    uint64_t old_bytes = t->bytes;
    ver_bump(t);
    __atomic_store_n(&t->b, n.b, __ATOMIC_RELEASE);
    t->bytes = n.bytes;
    __atomic_store_n(&t->rrm, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rm, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&t->ins, live, __ATOMIC_RELAXED);
    __atomic_store_n(&t->nb, nb, __ATOMIC_RELEASE);
    ver_bump(t);
    map_put(ti, old, old_bytes);
    return 0;
}

/* Empties t for the current epoch (a large table goes back to one page). */
static void tab_reset(struct lc__tab *t, uint32_t epoch) {
    ver_bump(t);
    if (t->bytes > 16 * PAGE) {
        map_put((uint32_t)(t - lc__tabs), t->b, t->bytes);
        __atomic_store_n(&t->b, NULL, __ATOMIC_RELEASE);
        t->nb = 0;
        t->bytes = 0;
    } else if (t->b) {
        char *m = (char *)t->b - HDR;
        memset(m + HDR, 0, t->bytes - HDR);
        __atomic_store_n((uint32_t *)m, t->nb, __ATOMIC_RELEASE); /* clear zeroed it */
    }
    __atomic_store_n(&t->ins, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rm, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rrm, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&t->epoch, epoch, __ATOMIC_RELEASE);
    ver_bump(t);
}

/* Records a table of nb buckets takes before it grows: half its entries,
 * 7/8 once it is large (BIG_TABLE buckets). */
#define BIG_TABLE 16384
static inline uint64_t max_load(uint32_t nb) {
    uint64_t cap = (uint64_t)nb * BSLOTS;
    return nb >= BIG_TABLE ? cap * 7 / 8 : cap / 2;
}

/* The slow part of an insert: a stale epoch, or no room. 0 when there is room. */
static __attribute__((noinline)) int tab_prepare(struct lc__tab *t, int locked, uint32_t epoch) {
    int rc = 0, saved = errno;
    if (!locked)
        lc__spin_lock(&t->lock);
    if (t->epoch != epoch)
        tab_reset(t, epoch);
    /* the remote removes count for the fast path's room check from now on */
    __atomic_store_n(&t->rm, t->rm + t->rrm, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rrm, 0, __ATOMIC_RELAXED);
    if (tab_count(t) + 1 > max_load(t->nb))
        rc = tab_rebuild(t, t->nb ? t->nb + t->nb / 2 : 1);
    __atomic_store_n(&t->limit, max_load(t->nb), __ATOMIC_RELAXED);
    if (!locked)
        lc__spin_unlock(&t->lock);
    if (rc)
        __atomic_add_fetch(&lost, 1, __ATOMIC_RELAXED); /* failsafe.c reports it */
    errno = saved;
    return rc;
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

static void note_used(uint32_t thread) {
    uint32_t u = __atomic_load_n(&tabs_used, __ATOMIC_RELAXED);
    while (u <= thread && !__atomic_compare_exchange_n(&tabs_used, &u, thread + 1, 1,
                                                       __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        ;
}

int lc__table_insert(uintptr_t p, uint64_t size, uint32_t stack, uint32_t iter,
                     uint32_t thread, int cls, uint32_t gen) {
    if ((p & 15) || (p >> 48) || thread >= NTABS)
        return 0; /* not a glibc block; cannot be keyed */
    /* The scope may have ended since this thread read the generation. */
    if (__atomic_load_n(&lc__st.gen, __ATOMIC_RELAXED) != gen)
        return 0;
    struct lc__tab *t = &lc__tabs[thread];
    int locked = thread == 0; /* the shared table */
    uint32_t epoch = cur_epoch();
    if (locked)
        lc__spin_lock(&t->lock);
    if (LC_UNLIKELY(t->epoch != epoch || t->ins - t->rm >= t->limit)) {
        if (t->epoch != epoch)
            note_used(thread);
        if (tab_prepare(t, locked, epoch)) {
            if (locked)
                lc__spin_unlock(&t->lock);
            return 0;
        }
    }
    uint64_t kp = p >> 4;
    if (iter > LC_MAX_ITER)
        iter = LC_MAX_ITER;
    uint64_t key = kp | ((uint64_t)iter << ITER_SHIFT) | ((uint64_t)(cls & 1) << CLS_SHIFT);
    uint32_t sz32 = size >= BIG_SIZE ? BIG_SIZE : (uint32_t)size;
    place(t, kp, key, stack, sz32);
    __atomic_store_n(&t->ins, t->ins + 1, __ATOMIC_RELAXED);
    if (locked)
        lc__spin_unlock(&t->lock);
    if (sz32 == BIG_SIZE)
        big_put(p, size);
    return 1;
}

static void decode(const rec_t *r, uint32_t thread, struct lc_rec_info *out) {
    out->ptr = (uintptr_t)((r->key & PTR_MASK) << 4);
    out->iteration = (uint32_t)((r->key >> ITER_SHIFT) & LC_MAX_ITER);
    out->cls = (int)((r->key >> CLS_SHIFT) & 1);
    out->thread = thread;
    out->stack = r->stack & ~LC_STACK_INNER;
    out->inner = (r->stack & LC_STACK_INNER) != 0;
    out->size = r->size;
}

/* Finds and removes kp from t; the caller owns t or holds its lock. */
static inline int tab_take(struct lc__tab *t, uint32_t thread, uint64_t kp, uint64_t *rmctr,
                           struct lc_rec_info *out) {
    uint64_t h = lc__tab_hash(kp);
    uint32_t at, passed;
    rec_t *e = lc__tab_find(t, kp, h, &at, &passed);
    if (!e)
        return 0;
    decode(e, thread, out);
    uint32_t nb = t->nb, b = lc__tab_home(h, nb);
    if (LC_UNLIKELY(b != at))
        for (uint32_t step = lc__tab_step(h, nb); b != at; b = lc__tab_next(b, step, nb))
            lc__tab_ovf_add(lc__tab_ovf(t, b), -1);
    __atomic_store_n(&e->key, 0, __ATOMIC_RELEASE);
    __atomic_store_n(rmctr, *rmctr + 1, __ATOMIC_RELAXED);
    return 1;
}

/* Removes kp from table i under its lock. */
static int take_locked(uint32_t i, uint64_t kp, uint32_t epoch, struct lc_rec_info *out) {
    struct lc__tab *t = &lc__tabs[i];
    if (__atomic_load_n(&t->epoch, __ATOMIC_ACQUIRE) != epoch || !tab_count(t))
        return 0;
    lc__spin_lock(&t->lock);
    int found = t->epoch == epoch && tab_take(t, i, kp, i ? &t->rrm : &t->rm, out);
    lc__spin_unlock(&t->lock);
    return found;
}

/* Whether table t holds kp, looked up without its lock: reads only, from an
 * array that stays mapped (map_put), with the count of buckets taken from the
 * array itself. Only the thread that frees a block removes its record, and it
 * was inserted before that thread got the block, so while t's array stays
 * the same (ver) a miss here is a miss. */
static int peek(const struct lc__tab *t, uint64_t kp, uint64_t h) {
    const struct lc__bucket *b = __atomic_load_n(&t->b, __ATOMIC_ACQUIRE);
    uint32_t nb = b ? arr_nb(b) : 0;
    if (!nb)
        return 0;
    const uint16_t *ovf = (const uint16_t *)(b + nb);
    uint32_t i = lc__tab_home(h, nb), step = lc__tab_step(h, nb);
    for (uint32_t n = 0; n < nb; n++, i = lc__tab_next(i, step, nb)) {
        if (lc__tab_match(b[i].e, kp))
            return 1;
        if (!__atomic_load_n(&ovf[i], __ATOMIC_RELAXED))
            break;
    }
    return 0;
}

/* Removes kp from table i if it is there: a lock-free look first, the lock
 * only when it is found or the array changed meanwhile. */
static int take_other(uint32_t i, uint64_t kp, uint64_t h, uint32_t epoch,
                      struct lc_rec_info *out) {
    struct lc__tab *t = &lc__tabs[i];
    if (__atomic_load_n(&t->epoch, __ATOMIC_ACQUIRE) != epoch || !tab_count(t))
        return 0;
    uint32_t v = __atomic_load_n(&t->ver, __ATOMIC_ACQUIRE);
    if (!(v & 1)) {
        int seen = peek(t, kp, h);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (!seen && __atomic_load_n(&t->ver, __ATOMIC_RELAXED) == v)
            return 0;
    }
    return take_locked(i, kp, epoch, out);
}

/* Looks in every table but `skip`: first in the one the thread's last foreign
 * free was found in (a consumer thread usually frees what one producer made),
 * then in order. */
static __attribute__((noinline)) int take_remote(uint32_t skip, uint64_t kp, uint32_t epoch,
                                                 struct lc_rec_info *out) {
    uint32_t n = __atomic_load_n(&tabs_used, __ATOMIC_ACQUIRE);
    uint32_t hint = lc__tls.remote_hint;
    uint64_t h = lc__tab_hash(kp);
    if (hint < n && hint != skip && take_other(hint, kp, h, epoch, out))
        return 1;
    for (uint32_t i = 0; i < n; i++)
        if (i != skip && i != hint && take_other(i, kp, h, epoch, out)) {
            lc__tls.remote_hint = i;
            return 1;
        }
    return 0;
}

int lc__table_remove(uintptr_t p, uint32_t self, struct lc_rec_info *out) {
    if ((p & 15) || (p >> 48) || !lc__tabs)
        return 0;
    uint64_t kp = p >> 4;
    uint32_t epoch = cur_epoch();
    int found = 0;
    uint32_t skip = UINT32_MAX;
    if (self && self < NTABS) { /* our own table (not the shared one): no lock */
        struct lc__tab *t = &lc__tabs[self];
        skip = self;
        if (t->epoch == epoch)
            found = tab_take(t, self, kp, &t->rm, out);
    }
    if (!found)
        found = take_remote(skip, kp, epoch, out);
    if (found && out->size == BIG_SIZE)
        out->size = big_take(p, 1);
    return found;
}

/* Copies t's records into buf (room for cap); the caller holds t's lock. An
 * entry the owner rewrites meanwhile (its key changed between the reads) is
 * skipped, as one that came or went while the copy ran. */
static size_t tab_copy(const struct lc__tab *t, rec_t *buf, size_t cap) {
    size_t n = 0;
    for (uint32_t b = 0; b < t->nb && n < cap; b++)
        for (int i = 0; i < BSLOTS && n < cap; i++) {
            const rec_t *e = &t->b[b].e[i];
            uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
            if (!k)
                continue;
            rec_t r = {k, __atomic_load_n(&e->stack, __ATOMIC_RELAXED),
                       __atomic_load_n(&e->size, __ATOMIC_RELAXED)};
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            if (__atomic_load_n(&e->key, __ATOMIC_RELAXED) == k)
                buf[n++] = r;
        }
    return n;
}

void lc__table_foreach(void (*fn)(const struct lc_rec_info *, void *), void *arg) {
    if (!lc__tabs)
        return;
    rec_t *buf = NULL;
    size_t bufcap = 0;
    uint32_t epoch = cur_epoch(), used = __atomic_load_n(&tabs_used, __ATOMIC_ACQUIRE);
    for (uint32_t ti = 0; ti < used; ti++) {
        struct lc__tab *t = &lc__tabs[ti];
        lc__spin_lock(&t->lock);
        size_t cap = t->epoch == epoch ? (size_t)t->nb * BSLOTS : 0;
        if (cap > bufcap) {
            rec_t *nb = lc__xrealloc(buf, cap * sizeof *buf);
            if (!nb) {
                lc__spin_unlock(&t->lock);
                continue;
            }
            buf = nb;
            bufcap = cap;
        }
        size_t n = cap ? tab_copy(t, buf, cap) : 0;
        lc__spin_unlock(&t->lock);
        for (size_t i = 0; i < n; i++) {
            struct lc_rec_info info;
            decode(&buf[i], ti, &info);
            if (info.size == BIG_SIZE)
                info.size = big_take(info.ptr, 0);
            fn(&info, arg);
        }
    }
    lc__xfree(buf);
}

/* Every record goes: the epoch moves on and the pages go back to the system
 * (the mappings stay until each owner resets its table: it may be reading
 * them). */
void lc__table_clear(void) {
    if (!lc__tabs)
        return;
    __atomic_add_fetch(&lc__tab_epoch, 1, __ATOMIC_ACQ_REL);
    uint32_t used = __atomic_load_n(&tabs_used, __ATOMIC_ACQUIRE);
    for (uint32_t ti = 0; ti < used; ti++) {
        struct lc__tab *t = &lc__tabs[ti];
        lc__spin_lock(&t->lock);
        if (t->b) /* the header too: a reader takes the table for empty */
            madvise((char *)t->b - HDR, t->bytes, MADV_DONTNEED);
        lc__spin_unlock(&t->lock);
    }
    lc__spin_lock(&big.lock);
    memset(big.ptr, 0, sizeof big.ptr);
    lc__spin_unlock(&big.lock);
}

void lc__table_demote(void) {
    if (!lc__tabs)
        return;
    uint32_t epoch = cur_epoch(), used = __atomic_load_n(&tabs_used, __ATOMIC_ACQUIRE);
    for (uint32_t ti = 0; ti < used; ti++) {
        struct lc__tab *t = &lc__tabs[ti];
        lc__spin_lock(&t->lock);
        for (uint32_t b = 0; t->epoch == epoch && b < t->nb; b++)
            for (int i = 0; i < BSLOTS; i++) {
                rec_t *e = &t->b[b].e[i];
                uint32_t s = __atomic_load_n(&e->stack, __ATOMIC_RELAXED);
                /* the owner may be rewriting the entry: change only what we read */
                while ((s & LC_STACK_INNER) && __atomic_load_n(&e->key, __ATOMIC_RELAXED) &&
                       !__atomic_compare_exchange_n(&e->stack, &s, s & ~LC_STACK_INNER, 1,
                                                    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                    ;
            }
        lc__spin_unlock(&t->lock);
    }
}

void lc__table_lock_all(void) {
    if (!lc__tabs)
        return;
    for (int ti = 0; ti < NTABS; ti++)
        lc__spin_lock(&lc__tabs[ti].lock);
    lc__spin_lock(&big.lock);
}

void lc__table_unlock_all(void) {
    if (!lc__tabs)
        return;
    lc__spin_unlock(&big.lock);
    for (int ti = NTABS - 1; ti >= 0; ti--)
        lc__spin_unlock(&lc__tabs[ti].lock);
}

/* The headers and the tables of the current epoch (a stale table's pages
 * were given back by lc__table_clear). */
uint64_t lc__table_bytes(void) {
    if (!lc__tabs)
        return 0;
    uint64_t b = sizeof(struct lc__tab) * NTABS;
    uint32_t epoch = cur_epoch(), used = __atomic_load_n(&tabs_used, __ATOMIC_ACQUIRE);
    for (uint32_t ti = 0; ti < used; ti++)
        if (__atomic_load_n(&lc__tabs[ti].epoch, __ATOMIC_ACQUIRE) == epoch)
            b += __atomic_load_n(&lc__tabs[ti].bytes, __ATOMIC_RELAXED);
    return b;
}

uint64_t lc__table_count(void) {
    uint64_t n = 0;
    if (!lc__tabs)
        return 0;
    uint32_t epoch = cur_epoch(), used = __atomic_load_n(&tabs_used, __ATOMIC_ACQUIRE);
    for (uint32_t ti = 0; ti < used; ti++)
        if (__atomic_load_n(&lc__tabs[ti].epoch, __ATOMIC_ACQUIRE) == epoch)
            n += tab_count(&lc__tabs[ti]);
    return n;
}
