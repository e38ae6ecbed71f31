/* record_store.c: what a record store costs around glibc's malloc when the
 * live set outgrows the caches (issue 11's last row), measured without the
 * rest of leakcheck. Links no leakcheck: each store is a few lines here,
 * doing the memory accesses that a design would do per malloc and free, on
 * the churn of bench/churn.c (free a random live block, allocate 16..512 B).
 *
 *   none        glibc alone
 *   table       leakcheck's layout: a hashed table of 64-byte buckets of four
 *               16-byte records, filled to 7/8 once it has 16384 buckets (to
 *               half before); free looks the pointer up
 *   table-defer the table, with free's lookup taken off the critical path:
 *               free prefetches the bucket and queues the block in a ring of
 *               four; the block queued four frees earlier is looked up then
 *               (its bucket cached by now) and only then freed, so its address
 *               cannot be handed out while its record is still in the table
 *   table-defer2  table-defer, with the insert deferred the same way (a free
 *               looks in the pending inserts first)
 *   header      a 16-byte header in front of each block holding its record;
 *               nothing else (no way to list the live blocks)
 *   header-log  the header, plus a slot log to list them: malloc takes the
 *               next free slot of a per-thread array at a sweeping cursor and
 *               writes the pointer there; free marks the slot free with one
 *               byte store (its index is in the header)
 *   header-append  the header, plus an append-only log of pointers: malloc
 *               appends, free touches only the header; a full log (two
 *               entries per live block) is compacted in one pass that keeps
 *               the entries whose header still names them, prefetching the
 *               headers 16 ahead. Here a freed block's header can always be
 *               read (small blocks stay in glibc's heap); a real store would
 *               have to read it safely (a trimmed heap, an unmapped chunk)
 *
 * Usage: record_store [--live N] [--ops N] [--reps N] [--store NAME]
 * Prints one line per store: the median CPU ns per operation (a free and a
 * malloc) over REPS runs, and its difference from `none` in the same run. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum store { NONE, TABLE, TABLE_DEFER, TABLE_DEFER2, HEADER, HEADER_LOG, HEADER_APPEND, NSTORES };
static const char *const names[NSTORES] = {"none", "table", "table-defer", "table-defer2",
                                           "header", "header-log", "header-append"};

static inline uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *map(size_t bytes) {
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("record_store: mmap");
        exit(2);
    }
    madvise(m, bytes, MADV_HUGEPAGE); /* as leakcheck's large tables ask */
    return m;
}

/* Bookkeeping every store but `none` keeps, as leakcheck's counters do. */
static uint64_t live_blocks, live_bytes;

/* --- table: keyed by pointer >> 4; linear probing to the next bucket. */
struct rec {
    uint64_t key;
    uint32_t stack, size;
};
static struct rec *tab;
static uint64_t nbuckets;

static inline uint64_t home(uint64_t key) {
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return (h >> 32) * nbuckets >> 32;
}

static void *table_malloc(size_t n) {
    char *p = malloc(n);
    uint64_t key = (uintptr_t)p >> 4;
    for (uint64_t b = home(key);; b = b + 1 == nbuckets ? 0 : b + 1)
        for (int i = 0; i < 4; i++)
            if (!tab[b * 4 + i].key) {
                tab[b * 4 + i] = (struct rec){key, 0, (uint32_t)n};
                return p;
            }
}

static void table_free(void *p) {
    uint64_t key = (uintptr_t)p >> 4;
    for (uint64_t b = home(key);; b = b + 1 == nbuckets ? 0 : b + 1)
        for (int i = 0; i < 4; i++)
            if (tab[b * 4 + i].key == key) {
                live_bytes -= tab[b * 4 + i].size;
                tab[b * 4 + i].key = 0;
                free(p);
                return;
            }
}

/* --- table-defer: the table, but free only prefetches the pointer's bucket
 * and queues the block in a ring of DEFER; the block queued DEFER frees
 * earlier is then looked up (its bucket in the cache by now) and freed.
 * (4 was the best of 4, 16 and 64 at a million live blocks.) */
#define DEFER 4
static void *ring[DEFER];
static unsigned ring_n;

static void defer_free(void *p) {
    __builtin_prefetch(&tab[home((uintptr_t)p >> 4) * 4], 1);
    void *old = ring[ring_n % DEFER];
    ring[ring_n++ % DEFER] = p;
    if (old)
        table_free(old);
}

static void defer_flush(void) {
    for (unsigned i = 0; i < DEFER; i++)
        if (ring[i])
            table_free(ring[i]), ring[i] = NULL;
}

/* --- table-defer2: inserts deferred the same way (a free looks in the
 * pending inserts first). */
static struct {
    void *p;
    uint32_t n;
} pins[DEFER];
static unsigned pins_n;

static void table_put(void *p, uint32_t n) {
    uint64_t key = (uintptr_t)p >> 4;
    for (uint64_t b = home(key);; b = b + 1 == nbuckets ? 0 : b + 1)
        for (int i = 0; i < 4; i++)
            if (!tab[b * 4 + i].key) {
                tab[b * 4 + i] = (struct rec){key, 0, n};
                return;
            }
}

static void *defer2_malloc(size_t n) {
    char *p = malloc(n);
    __builtin_prefetch(&tab[home((uintptr_t)p >> 4) * 4], 1);
    unsigned i = pins_n++ % DEFER;
    if (pins[i].p)
        table_put(pins[i].p, pins[i].n);
    pins[i].p = p;
    pins[i].n = (uint32_t)n;
    return p;
}

static void defer2_free(void *p) {
    for (unsigned i = 0; i < DEFER; i++)
        if (pins[i].p == p) {
            live_bytes -= pins[i].n;
            pins[i].p = NULL;
            free(p);
            return;
        }
    defer_free(p);
}

static void defer2_flush(void) {
    for (unsigned i = 0; i < DEFER; i++)
        if (pins[i].p)
            table_put(pins[i].p, pins[i].n), pins[i].p = NULL;
}

/* --- header: {check, slot index, stack, size} in the 16 bytes before the
 * pointer the program gets; the check tells a block of ours from another. */
struct hdr {
    uint32_t check, slot, stack, size;
};
static const uint32_t secret = 0x5bd1e995u;
static int with_log;

/* --- the slot log: 16-byte entries (pointer, stack, size), a byte per slot
 * (1: in use), a cursor sweeping for free slots. */
static struct rec *slots;
static uint8_t *used;
static uint64_t nslots, cursor;

static uint32_t take_slot(void) {
    while (used[cursor])
        cursor = cursor + 1 == nslots ? 0 : cursor + 1;
    uint32_t s = (uint32_t)cursor;
    used[s] = 1;
    cursor = cursor + 1 == nslots ? 0 : cursor + 1;
    return s;
}

static void *header_malloc(size_t n) {
    struct hdr *h = malloc(n + sizeof *h);
    uint32_t s = 0;
    if (with_log) {
        s = take_slot();
        slots[s] = (struct rec){(uintptr_t)(h + 1), 0, (uint32_t)n};
    }
    *h = (struct hdr){(uint32_t)(uintptr_t)h ^ secret, s, 0, (uint32_t)n};
    return h + 1;
}

static void header_free(void *p) {
    struct hdr *h = (struct hdr *)p - 1;
    if (h->check != ((uint32_t)(uintptr_t)h ^ secret))
        abort(); /* every block here is ours */
    if (with_log)
        used[h->slot] = 0;
    live_bytes -= h->size;
    h->check = 0;
    free(h);
}

/* --- the append-only log: 2 entries per live block before a compaction
 * (each compaction reads 2 headers for every entry it frees). */
static uintptr_t *alog;
static uint64_t alen, acap;

static inline uint32_t check_of(const struct hdr *h) { return (uint32_t)(uintptr_t)h ^ secret; }

static void compact(void) {
    uint64_t j = 0;
    for (uint64_t i = 0; i < alen; i++) {
        if (i + 16 < alen)
            __builtin_prefetch((const struct hdr *)alog[i + 16] - 1, 1);
        struct hdr *h = (struct hdr *)alog[i] - 1;
        if (h->check == check_of(h) && h->slot == i) {
            h->slot = (uint32_t)j;
            alog[j++] = alog[i];
        }
    }
    alen = j;
}

static void *append_malloc(size_t n) {
    struct hdr *h = malloc(n + sizeof *h);
    if (alen == acap)
        compact();
    *h = (struct hdr){check_of(h), (uint32_t)alen, 0, (uint32_t)n};
    alog[alen++] = (uintptr_t)(h + 1);
    return h + 1;
}

static void *store_malloc(enum store st, size_t n) {
    live_blocks++;
    live_bytes += st == NONE ? 0 : n; /* glibc alone keeps no sizes */
    switch (st) {
    case TABLE:
    case TABLE_DEFER:
        return table_malloc(n);
    case TABLE_DEFER2:
        return defer2_malloc(n);
    case HEADER:
    case HEADER_LOG:
        return header_malloc(n);
    case HEADER_APPEND:
        return append_malloc(n);
    default:
        return malloc(n);
    }
}

static void store_free(enum store st, void *p) {
    live_blocks--;
    switch (st) {
    case TABLE:
        table_free(p);
        return;
    case TABLE_DEFER:
        defer_free(p);
        return;
    case TABLE_DEFER2:
        defer2_free(p);
        return;
    case HEADER:
    case HEADER_LOG:
    case HEADER_APPEND: /* with_log is 0: the header alone */
        header_free(p);
        return;
    default:
        free(p);
    }
}

/* One run: fill `live` blocks (untimed), churn `ops` times, free all. */
static double run(enum store st, size_t live, size_t ops) {
    nbuckets = live / 2 + 1; /* half full while small, as leakcheck's */
    if (nbuckets >= 16384)
        nbuckets = live * 8 / 7 / 4 + 1;
    tab = map(nbuckets * sizeof(struct rec) * 4);
    nslots = live + live / 2 + 1;
    slots = map(nslots * sizeof *slots);
    used = map(nslots);
    /* a long-running program has touched them all: no first-touch fault timed */
    memset(tab, 0, nbuckets * sizeof(struct rec) * 4);
    memset(slots, 0, nslots * sizeof *slots);
    memset(used, 0, nslots);
    cursor = 0;
    with_log = st == HEADER_LOG;
    acap = live * 2 + 16;
    alog = map(acap * sizeof *alog);
    memset(alog, 0, acap * sizeof *alog);
    alen = 0;
    void **blocks = calloc(live, sizeof *blocks);
    uint64_t rng = 42, sink = 0;
    for (size_t i = 0; i < live; i++) {
        blocks[i] = store_malloc(st, 16 + rng_next(&rng) % 497);
        *(volatile char *)blocks[i] = 1;
    }
    defer2_flush();
    double t0 = cpu_ns();
    for (size_t k = 0; k < ops; k++) {
        size_t i = rng_next(&rng) % live;
        sink += *(volatile unsigned char *)blocks[i];
        store_free(st, blocks[i]);
        blocks[i] = store_malloc(st, 16 + rng_next(&rng) % 497);
        *(volatile char *)blocks[i] = (char)k;
    }
    double ns = (cpu_ns() - t0) / (double)ops;
    defer2_flush();
    for (size_t i = 0; i < live; i++)
        store_free(st, blocks[i]);
    defer2_flush();
    defer_flush();
    free(blocks);
    munmap(tab, nbuckets * sizeof(struct rec) * 4);
    munmap(slots, nslots * sizeof *slots);
    munmap(used, nslots);
    munmap(alog, acap * sizeof *alog);
    malloc_trim(0);
    if (live_blocks || live_bytes || sink == UINT64_MAX) {
        fprintf(stderr, "record_store: %s: counts WRONG\n", names[st]);
        exit(1);
    }
    return ns;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t arg_num(const char *flag, const char *v) {
    char *end;
    unsigned long long n = v ? strtoull(v, &end, 10) : 0;
    if (!v || *end || !n) {
        fprintf(stderr, "record_store: %s needs a positive number\n", flag);
        exit(2);
    }
    return (size_t)n;
}

int main(int argc, char **argv) {
    size_t live = 1048576, ops = 1000000, reps = 3;
    int only = -1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--live"))
            live = arg_num(argv[i], v), i++;
        else if (!strcmp(argv[i], "--ops"))
            ops = arg_num(argv[i], v), i++;
        else if (!strcmp(argv[i], "--reps"))
            reps = arg_num(argv[i], v), i++;
        else if (!strcmp(argv[i], "--store") && v) {
            for (int s = 0; s < NSTORES; s++)
                if (!strcmp(v, names[s]))
                    only = s;
            if (only < 0) {
                fprintf(stderr, "record_store: unknown store '%s'\n", v);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "usage: record_store [--live N] [--ops N] [--reps N] [--store NAME]\n");
            return 2;
        }
    }
    double *t = calloc(NSTORES * reps, sizeof *t);
    for (size_t r = 0; r < reps; r++) /* interleaved: load falls on all alike */
        for (int s = 0; s < NSTORES; s++)
            if (s == NONE || only < 0 || s == only)
                t[s * reps + r] = run((enum store)s, live, ops);
    double base = 0;
    for (int s = 0; s < NSTORES; s++) {
        if (s != NONE && only >= 0 && s != only)
            continue;
        qsort(t + s * reps, reps, sizeof *t, cmp_double);
        double med = t[s * reps + reps / 2];
        if (s == NONE)
            base = med;
        printf("store=%s live=%zu ops=%zu reps=%zu cpu_ns_per_op=%.1f added=%+.1f counts=ok\n",
               names[s], live, ops, reps, med, med - base);
    }
    free(t);
    return 0;
}
