/* reach_early.c: the chunks glibc's main heap held before leakcheck tracked
 * (a constructor that ran before libleakcheck's: GLib's glib_init, GSlice's
 * thread magazine), recorded when `leakcheck run` starts tracking and roots
 * of the scan, as memcheck scans them. Calls reach_proc.c and reach_mem.c;
 * not on the hook path; nothing here mallocs. */
#include <stdint.h>
#include <unistd.h>

#include "internal.h"
#include "reach_early.h"
#include "reach_impl.h"

/* glibc's chunk header: prev_size, then size with PREV_INUSE (1), IS_MMAPPED
 * (2) and NON_MAIN_ARENA (4) in its low bits; the user's memory starts 16
 * bytes in and ends in the next chunk's prev_size word. */
#define CHUNK_HDR 16u
#define CHUNK_MIN 32u
#define SIZE_BITS 7u
#define PREV_INUSE 1u

struct early_chunk {
    uintptr_t chunk;   /* header address */
    uintptr_t size_word; /* the size word as recorded: another size means reused */
    uint64_t sum;      /* of its words when recorded; 0: not summed (always a whole root) */
};

static struct early_chunk *early;
static size_t nearly, early_cap;
static size_t early_dropped; /* in use at the start, past early_cap (each test's walk: 1) */

static uintptr_t word(uintptr_t a) { return *(const uintptr_t *)a; }

/* A chunk whose words are all as they were when the list was made holds
 * nothing written since: a word of it naming a block made since is a stale
 * copy (a dangling pointer whose address glibc handed out again), no
 * reference (lc__reach_early_roots). The words are summed when recorded
 * (Fletcher's two running sums: any one changed word, and any two swapped,
 * change the result), up to SUM_CHUNK_MAX bytes a chunk and SUM_BUDGET a
 * walk, so that a test's start reads a bounded amount; a chunk not summed is
 * a root as a whole. */
#define SUM_CHUNK_MAX ((uintptr_t)64 << 10)
#define SUM_BUDGET ((size_t)4 << 20)
static size_t sum_left;

uint64_t lc__words_sum(uintptr_t lo, uintptr_t hi) {
    uint64_t a = 1, b = 0;
    for (; lo + 8 <= hi; lo += 8) {
        a += word(lo);
        b += a;
    }
    return (b ^ (a << 1)) | 1; /* never 0 (that means not summed) */
}

/* The same over guarded reads (the scan, while a thread that did not stop
 * runs): 0 when a word could not be read. */
static uint64_t sum_words_guarded(uintptr_t lo, uintptr_t hi) {
    uint64_t a = 1, b = 0;
    for (uintptr_t w; lo + 8 <= hi; lo += 8) {
        if (!lc__read_word(lo, &w))
            return 0;
        a += w;
        b += a;
    }
    return (b ^ (a << 1)) | 1;
}

/* The user's words of chunk c of the given size: from its header's end to
 * the next chunk's prev_size word, which is the user's while c is in use. */
static uint64_t chunk_sum(uintptr_t c, uintptr_t size) {
    if (size > SUM_CHUNK_MAX || size > sum_left)
        return 0;
    sum_left -= size;
    return lc__words_sum(c + CHUNK_HDR, c + size + 8);
}

/* The main heap's [lo, top): the mapping that holds the program break's last
 * byte. 0 when there is none (nothing from brk yet). */
static int main_heap(uintptr_t *lo, uintptr_t *top) {
    uintptr_t brk = (uintptr_t)sbrk(0);
    struct lc__rangev maps = {0};
    int found = 0;
    if (brk && brk != (uintptr_t)-1 && lc__proc_maps(&maps) == 0) {
        const struct lc__range *m = lc__rangev_find(&maps, brk - 1);
        if (m && (m->flags & (LC__R_READ | LC__R_WRITE)) == (LC__R_READ | LC__R_WRITE) &&
            !(m->flags & LC__R_ANON)) {
            *lo = m->lo;
            *top = brk;
            found = 1;
        }
    }
    lc__rangev_free(&maps);
    lc__rmem_flush();
    return found;
}

/* A chunk that looks in use to the walk (the next chunk's PREV_INUSE is set)
 * but sits in glibc's thread cache, which keeps that bit: glibc 2.34+ writes
 * its random tcache_key in the entry's second word (and clears it when it
 * hands the chunk out). Its words are stale. tkey: 0 when the key is not
 * known (then every chunk counts). Fastbin entries keep the bit too, and are
 * kept as roots: nothing in a chunk's words tells one from a chunk the
 * thread cache handed out whose first word the program has not written yet
 * (the cache's mangled link, which reads as a fastbin link: knot-resolver's
 * empty trie root, whose 163 nodes then read lost), and a free chunk's words
 * name only blocks made since through stale copies, which the scan drops
 * while the chunk is unchanged (lc__reach_early_roots, LC__R_PRETEST). */
static uintptr_t tkey;
static int free_listed(uintptr_t c) {
    return tkey && word(c + CHUNK_HDR + 8) == tkey;
}

/* Walks the chunks from lo to the top chunk. Returns the number of chunks in
 * use, or -1 when the walk does not end exactly at the break (not glibc's
 * heap, or laid out as this walk does not expect): then nothing is kept.
 * keep 2 (each test's walk) stops at the first in-use chunk past a full
 * list, so that a test's start costs at most LC__EARLY_MAX chunks whatever
 * the heap's size (a 1M-block fixture: 22 ms a test before). */
static long walk(uintptr_t lo, uintptr_t top, int keep) {
    long used = 0;
    uintptr_t c = lo;
    sum_left = SUM_BUDGET;
    while (c + CHUNK_HDR <= top) {
        uintptr_t size = word(c + 8) & ~(uintptr_t)SIZE_BITS;
        if (size < CHUNK_MIN || size % 16 || size > top - c || (word(c + 8) & 2))
            return -1;
        uintptr_t next = c + size;
        if (next == top)
            return used; /* c is the top chunk: free */
        if (next + CHUNK_HDR > top)
            return -1;
        if ((word(next + 8) & PREV_INUSE) && !(keep == 2 && free_listed(c))) {
            if (keep && nearly < early_cap) {
                early[nearly].chunk = c;
                early[nearly].size_word = word(c + 8);
                early[nearly++].sum = chunk_sum(c, size);
            } else if (keep == 2) {
                early_dropped = 1; /* each test's walk stops at a full list */
                return used;
            } else if (keep) {
                early_dropped++;
            }
            used++;
        }
        c = next;
    }
    return -1;
}

void lc__reach_early_record(void) {
    uintptr_t lo = 0, top = 0;
    if (early || !main_heap(&lo, &top) || lo % 16)
        return;
    long n = walk(lo, top, 0);
    if (n <= 0)
        return;
    early_cap = (size_t)n < LC__EARLY_MAX ? (size_t)n : LC__EARLY_MAX;
    early = lc__mmap(early_cap * sizeof *early);
    if (!early)
        return;
    if (walk(lo, top, 1) < 0) /* nothing ran in between; never half a list */
        nearly = early_dropped = 0;
}

/* glibc's tcache_key: the second word of a block just freed into the thread
 * cache (two sizes, so that a full bin of one is not taken for the key). 0
 * when they disagree. */
static uintptr_t learn_tcache_key(void) {
    uintptr_t *a = __libc_malloc(600), *b = __libc_malloc(1000);
    if (!a || !b) {
        __libc_free(a);
        __libc_free(b);
        return 0;
    }
    __libc_free(a);
    __libc_free(b);
    uintptr_t ka = __atomic_load_n(&a[1], __ATOMIC_RELAXED), kb = __atomic_load_n(&b[1], __ATOMIC_RELAXED);
    return ka == kb ? ka : 0;
}

/* Preloaded, at each test's start: what the group's fixture and main made is
 * in no table (tracking is per test), so a block a test's single run hands to
 * it (a session added to the fixture's connection) would read as lost. The
 * chunks in use now, free-listed ones left out, are roots of that test's
 * single-run scan, each until the test frees it (lc__reach_early_freed). One
 * mapping of LC__EARLY_MAX entries, written in place: a free on another
 * thread may be searching it. (lc__reach_early_record, `leakcheck run`'s, is
 * never called in the same process, so early is that mapping or NULL.) */
static int marking; /* frees drop kept chunks: the list is a test's */

void lc__reach_early_rerecord(void) {
    uintptr_t lo = 0, top = 0;
    if (!early && !(early = lc__mmap(LC__EARLY_MAX * sizeof *early)))
        return;
    __atomic_store_n(&marking, 0, __ATOMIC_RELEASE);
    if (!tkey)
        tkey = learn_tcache_key();
    early_cap = LC__EARLY_MAX;
    nearly = early_dropped = 0;
    if (!tkey || !main_heap(&lo, &top) || lo % 16 || walk(lo, top, 2) < 0)
        nearly = early_dropped = 0; /* no key: a thread-cache entry cannot be told apart */
    __atomic_store_n(&marking, 1, __ATOMIC_RELEASE);
}

/* The recorded chunk whose user address is p, or NULL. A binary search with
 * relaxed loads: a free on another thread may search while the list is made
 * (hook path: no lock, no allocation). */
static struct early_chunk *find_early(uintptr_t p) {
    if (p < CHUNK_HDR)
        return NULL;
    uintptr_t c = p - CHUNK_HDR;
    size_t lo = 0, hi = __atomic_load_n(&nearly, __ATOMIC_RELAXED);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uintptr_t m = __atomic_load_n(&early[mid].chunk, __ATOMIC_RELAXED);
        if (m == c)
            return &early[mid];
        if (m < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Hook path, on a free of a block no table holds: a recorded chunk freed
 * since the walk is no root (glibc's thread cache keeps it looking in use,
 * its words stale). */
size_t lc__reach_early_freed(uintptr_t p) {
    if (!__atomic_load_n(&marking, __ATOMIC_ACQUIRE))
        return 0;
    struct early_chunk *e = find_early(p);
    if (!e)
        return 0;
    uintptr_t w = __atomic_exchange_n(&e->size_word, 0, __ATOMIC_RELAXED);
    /* the chunk's size less its size word: what malloc_usable_size says */
    return w > sizeof(size_t) ? (size_t)((w & ~(uintptr_t)7) - sizeof(size_t)) : 0;
}

/* `leakcheck run --cmocka`: a block a not-repeatable test's repetition left,
 * which leaves the table (the check at exit must not call it the program's)
 * but may still point at the program's blocks (an SSSD tdb context its first
 * run made, linked from the later run's): kept as a root while in use, in
 * address order. No free searches the list in this mode (marking is off), so
 * it may be moved to a bigger mapping here. */
void lc__reach_early_keep(uintptr_t p) {
    if (p < CHUNK_HDR || p % 16 || __atomic_load_n(&marking, __ATOMIC_ACQUIRE))
        return;
    if (nearly == early_cap) {
        size_t ncap = early_cap ? early_cap * 2 : 1024;
        struct early_chunk *n = lc__mmap(ncap * sizeof *n);
        if (!n)
            return;
        for (size_t i = 0; i < nearly; i++)
            n[i] = early[i];
        if (early)
            lc__munmap(early, early_cap * sizeof *early);
        early = n;
        early_cap = ncap;
    }
    uintptr_t c = p - CHUNK_HDR;
    size_t i = nearly;
    for (; i > 0 && early[i - 1].chunk > c; i--)
        early[i] = early[i - 1];
    early[i] = (struct early_chunk){c, word(c + 8), 0}; /* its words are the repetition's */
    nearly++;
}

size_t lc__reach_early_count(size_t *dropped) {
    if (dropped)
        *dropped = early_dropped;
    return nearly;
}

/* A chunk is still the one recorded when its size is unchanged and the next
 * chunk still says it is in use (a chunk freed into tcache or a fastbin
 * still says so: its stale words are scanned, a conservative error). Its own
 * PREV_INUSE bit is the chunk before it's: that one's free() clears it (GLib's
 * type nodes read as lost in 1 run of 6 when it counted). Blocks leakcheck
 * tracks inside a root are skipped by the scan (LC__R_NOBLOCKS). A chunk
 * whose words are all as recorded is flagged LC__R_PRETEST: what it names
 * was named before the blocks the scan judges were made. */
int lc__reach_early_roots(struct lc__rangev *roots, const struct lc__rangev *maps) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nearly; i++) {
        uintptr_t c = early[i].chunk, size = early[i].size_word & ~(uintptr_t)SIZE_BITS;
        const struct lc__range *m = lc__rangev_find(maps, c);
        if (!m || c + size + CHUNK_HDR > m->hi || !(m->flags & LC__R_READ))
            continue; /* the heap shrank below it */
        uintptr_t mine = ~(uintptr_t)PREV_INUSE; /* the bits that describe c itself */
        uintptr_t now, next; /* guarded reads while a thread that did not stop runs */
        if (!lc__read_word(c + 8, &now) || !lc__read_word(c + size + 8, &next) ||
            (now & mine) != (early[i].size_word & mine) || !(next & PREV_INUSE))
            continue;
        uint64_t sum = early[i].sum;
        int same = sum && sum_words_guarded(c + CHUNK_HDR, c + size + 8) == sum;
        rc = lc__rangev_push(roots, c + CHUNK_HDR, c + size + 8,
                             LC__R_NOBLOCKS | (same ? LC__R_PRETEST : 0));
    }
    return rc;
}

/* p (a block's address) was the user address of a chunk in use when the
 * list was made: a word recorded then may name it again (the chunk freed and
 * its address reused, the new block stored where the old one was). */
int lc__reach_early_was_block(uintptr_t p) { return find_early(p) != NULL; }
