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
 *   split       a header glibc's own free can take: the chunk glibc returns is
 *               split in two real chunks, a 32-byte one holding the record
 *               (and a check word) and the program's block after it, marked
 *               as following an in-use chunk; a free of ours joins them again
 *               and frees the whole chunk, glibc's free of the program's
 *               pointer frees the second one only (the first stays, 32 bytes).
 *               The live blocks are listed in a slot array, 8 bytes a slot:
 *               the header names its slot, free clears it with one store
 *               (nothing waits on it), malloc takes the slot freed last
 *   split-walk  split without the slot array: the live blocks are listed by
 *               walking glibc's heap (a 32-byte chunk followed by a chunk
 *               whose first word is the check); each run walks the main heap
 *               once after the churn and checks that it finds every live
 *               block; its line adds walk_ms=, the median walk
 *
 * Usage: record_store [--live N] [--ops N] [--reps N] [--store NAME]
 *        record_store --check-split N
 * --check-split runs N random operations on split blocks in the main thread
 * and in a second one (another arena), a third of the frees and reallocs
 * made by glibc's own free and realloc as a library bound past leakcheck
 * would, then frees everything, trims and walks the main heap: glibc aborts
 * on a heap it finds inconsistent, and the walk must end at the top chunk.
 * Prints one line per store: the median CPU ns per operation (a free and a
 * malloc) over REPS runs, and its difference from `none` in the same run. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum store {
    NONE,
    TABLE,
    TABLE_DEFER,
    TABLE_DEFER2,
    HEADER,
    HEADER_LOG,
    HEADER_APPEND,
    SPLIT,
    SPLIT_WALK,
    NSTORES
};
static const char *const names[NSTORES] = {
    "none", "table", "table-defer", "table-defer2", "header", "header-log", "header-append", "split",
    "split-walk"};

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

/* --- split: glibc's chunk C (size word at q - 8 for q = malloc's pointer)
 * becomes H = [C, C+32) holding {slot, stack, size, gen} at q and the
 * check word at q + 16, and F = [C+32, C+S) whose size word (at q + 24) has
 * PREV_INUSE set, so glibc never looks back into H; the program gets
 * p = q + 32. Blocks glibc maps alone (IS_MMAPPED) are not split. */
#define CH_PREV 1u
#define CH_MMAP 2u
#define CH_ARENA 4u
static int with_slots;
static uintptr_t *sslot;  /* slot -> the program's pointer, 0 when free */
static uint32_t *sfree;   /* stack of free slots */
static uint64_t sfree_n, snext;
static const uintptr_t skey = 0x6a09e667f3bcc908ull;

static void *split_malloc(size_t n) {
    char *q = malloc((n < 24 ? 24 : n) + 32);
    __asm__("" : "+r"(q)); /* glibc's chunk words are ours to read here */
    size_t *hs = (size_t *)q - 1, s = *hs & ~(size_t)7, f = *hs & 7;
    if (f & CH_MMAP)
        abort(); /* not in this churn */
    char *p = q + 32;
    *hs = 32 | f;
    *(size_t *)(q + 24) = (s - 32) | (f & CH_ARENA) | CH_PREV;
    *(uintptr_t *)(q + 16) = skey ^ (uintptr_t)p;
    uint32_t slot = 0;
    if (with_slots) {
        slot = sfree_n ? sfree[--sfree_n] : (uint32_t)snext++;
        sslot[slot] = (uintptr_t)p;
    }
    *(struct hdr *)q = (struct hdr){.slot = slot, .size = (uint32_t)n};
    return p;
}

static void split_free(void *pv) {
    char *p = pv, *q = p - 32;
    if (*(uintptr_t *)(p - 16) != (skey ^ (uintptr_t)p))
        abort(); /* every block here is ours */
    const struct hdr *h = (const struct hdr *)q;
    live_bytes -= h->size;
    if (with_slots) {
        sslot[h->slot] = 0;
        sfree[sfree_n++] = h->slot;
    }
    __asm__("" : "+r"(q));
    size_t *hs = (size_t *)q - 1;
    *hs = (32 + (*(size_t *)(p - 8) & ~(size_t)7)) | (*hs & 7);
    *(uintptr_t *)(p - 16) = 0;
    __asm__ volatile("" ::: "memory"); /* else gcc drops the stores: q is freed */
    free(q);
}

/* The main heap, [heap] in /proc/self/maps up to the break. */
static int main_heap(uintptr_t *lo, uintptr_t *top) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "[heap]")) {
            unsigned long a, b;
            found = sscanf(line, "%lx-%lx", &a, &b) == 2;
            *lo = a;
            *top = (uintptr_t)sbrk(0);
        }
    if (f)
        fclose(f);
    return found;
}

/* Counts split's live blocks by walking the main heap; -1 if the walk does
 * not end at the top chunk. */
static long walk_split(uintptr_t lo, uintptr_t top) {
    long n = 0;
    for (uintptr_t c = lo; c + 16 <= top;) {
        uintptr_t size = *(const uintptr_t *)(c + 8) & ~(uintptr_t)7;
        if (size < 32 || size % 16 || size > top - c)
            return -1;
        if (c + size == top)
            return n;
        uintptr_t p = c + 48;
        if (size == 32 && *(const uintptr_t *)(c + 32) == (skey ^ p))
            n++;
        c += size;
    }
    return -1;
}

static double walk_ms[64]; /* per run of split-walk: what its walk took */
static size_t nwalks;

static void walk_check(void) {
    uintptr_t lo, top;
    if (!main_heap(&lo, &top)) {
        fprintf(stderr, "record_store: split-walk: no [heap] mapping\n");
        exit(1);
    }
    double t0 = cpu_ns();
    long n = walk_split(lo, top);
    double ms = (cpu_ns() - t0) / 1e6;
    if (n != (long)live_blocks) {
        fprintf(stderr, "record_store: split-walk: the walk found %ld of %llu live blocks\n", n,
                (unsigned long long)live_blocks);
        exit(1);
    }
    if (nwalks < sizeof walk_ms / sizeof walk_ms[0])
        walk_ms[nwalks++] = ms;
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
    case SPLIT:
    case SPLIT_WALK:
        return split_malloc(n);
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
    case SPLIT:
    case SPLIT_WALK:
        split_free(p);
        return;
    default:
        free(p);
    }
}

/* --- --check-split: glibc's heap stays consistent when glibc's own free
 * and realloc get split blocks. A block freed that way leaves its 32-byte
 * chunk behind (in use to glibc); a block glibc's realloc moved is glibc's. */
static int is_split(const char *p) {
    return *(const uintptr_t *)(const void *)(p - 16) == (skey ^ (uintptr_t)p);
}

static void free_any(void *p) {
    if (p && is_split(p))
        split_free(p);
    else
        free(p);
}

static void *check_split(void *arg) {
    size_t ops = *(const size_t *)arg, nb = 512;
    char **b = calloc(nb, sizeof *b);
    uint64_t rng = (uintptr_t)arg;
    for (size_t k = 0; k < ops; k++) {
        size_t i = rng_next(&rng) % nb, n = 1 + rng_next(&rng) % (rng_next(&rng) % 8 ? 600 : 40000);
        unsigned how = rng_next(&rng) % 6;
        if (b[i] && how == 0)
            free(b[i]), b[i] = NULL; /* glibc's free of a split block */
        else if (b[i] && how == 1)
            b[i] = realloc(b[i], n); /* glibc's realloc: in place, or moved and glibc's */
        else {
            free_any(b[i]);
            b[i] = split_malloc(n);
        }
        if (b[i])
            memset(b[i], 0x5a, n < 16 ? n : 16);
    }
    for (size_t i = 0; i < nb; i++)
        free_any(b[i]);
    free(b);
    return NULL;
}

#include <pthread.h>
static int run_check_split(size_t ops) {
    live_bytes = 0;
    check_split(&ops);
    pthread_t t;
    if (pthread_create(&t, NULL, check_split, &ops) || pthread_join(t, NULL)) {
        fprintf(stderr, "record_store: --check-split: no thread\n");
        return 1;
    }
    malloc_trim(0);
    uintptr_t lo, top;
    if (!main_heap(&lo, &top) || walk_split(lo, top) < 0) {
        fprintf(stderr, "record_store: --check-split: the main heap's chunks do not walk to its top\n");
        return 1;
    }
    printf("check-split ops=%zu heap=consistent\n", ops);
    return 0;
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
    sslot = map(nslots * sizeof *sslot);
    sfree = map(nslots * sizeof *sfree);
    memset(sslot, 0, nslots * sizeof *sslot);
    sfree_n = snext = 0;
    with_slots = st == SPLIT;
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
    if (st == SPLIT_WALK)
        walk_check();
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
    munmap(sslot, nslots * sizeof *sslot);
    munmap(sfree, nslots * sizeof *sfree);
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
        else if (!strcmp(argv[i], "--check-split"))
            return run_check_split(arg_num(argv[i], v));
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
            fprintf(stderr, "usage: record_store [--live N] [--ops N] [--reps N] [--store NAME]"
                            " | --check-split N\n");
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
        printf("store=%s live=%zu ops=%zu reps=%zu cpu_ns_per_op=%.1f added=%+.1f counts=ok", names[s],
               live, ops, reps, med, med - base);
        if (s == SPLIT_WALK && nwalks) {
            qsort(walk_ms, nwalks, sizeof *walk_ms, cmp_double);
            printf(" walk_ms=%.1f", walk_ms[nwalks / 2]);
        }
        putchar('\n');
    }
    free(t);
    return 0;
}
