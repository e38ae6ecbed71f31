/* churn.c: the allocation-churn benchmark. It owns the workload that
 * bench/run.sh times: each worker thread keeps a live set of blocks and, per
 * operation, frees one block picked at random and allocates a new one of a
 * random size in 16..512 bytes, made at call depth 0 or through a chain of
 * `--depth` non-inlined calls.
 *
 * The same source builds two programs. churn_native is built without
 * leakcheck (no hooks at all), so it is the true baseline. churn_lc links
 * libleakcheck and opens a scope itself, with stacks off (`--mode count`) or on
 * (`--mode stacks`); `--mode idle` keeps the hooks but opens no scope, which
 * measures the one-branch cost of the pass-through path.
 *
 * Worker threads are started before the scope begins, so that glibc's own
 * per-thread allocations (the TLS block) are not counted, and the counters
 * must then match the workload exactly; a mismatch makes the program exit 1.
 * The output is one line of key=value pairs, read by run.sh and by the ctest
 * smoke test. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef CHURN_LEAKCHECK
#include <leakcheck/core.h>
#endif

enum { MODE_NATIVE, MODE_IDLE, MODE_COUNT, MODE_STACKS };
static const char *const mode_names[] = {"native", "idle", "count", "stacks"};

static struct {
    int mode;
    int depth;        /* call depth of every allocation */
    int threads;
    int stack_depth;  /* frames kept by leakcheck; 0: its default */
    uint64_t ops;     /* per thread */
    uint64_t live;    /* live blocks per thread */
    uint64_t seed;
    int sites;        /* 1, or 2: allocations alternate between two call sites */
} cfg = {MODE_NATIVE, 0, 1, 0, 2000000, 1024, 42, 1};

/* Every block's first byte is written and summed into this sink, so that the
 * optimizer must keep each allocation. */
static volatile uint64_t sink;

/* splitmix64: deterministic and cheap next to an allocation. */
static inline uint64_t rng_next(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Allocates at `depth` frames below the caller. The empty asm after the
 * recursive call keeps it from being a tail call, so every level stays a real
 * frame on the stack that leakcheck unwinds. */
__attribute__((noinline)) static void *alloc_at(int depth, size_t n) {
    if (depth > 0) {
        void *p = alloc_at(depth - 1, n);
        __asm__ volatile("" : : "r"(p) : "memory");
        return p;
    }
    return malloc(n);
}

/* A second call site: the same chain through another function, so that
 * --sites 2 alternates between two distinct stacks (leakcheck's per-thread
 * memo of the last stack then never repeats). */
__attribute__((noinline)) static void *alloc_at_b(int depth, size_t n) {
    if (depth > 0) {
        void *p = alloc_at_b(depth - 1, n);
        __asm__ volatile("# site b: never merged with alloc_at" : : "r"(p) : "memory");
        return p;
    }
    return malloc(n);
}

struct worker {
    pthread_t th;
    int index;
    void **slots;
    uint32_t *sizes;
    uint64_t live_bytes; /* requested bytes of this worker's live set */
    uint64_t total_bytes; /* requested bytes of every allocation it made */
    double cpu_ns;        /* this thread's CPU time in the timed phase */
    int flip;             /* --sites 2: the site of the next allocation */
    int failed;
} __attribute__((aligned(128))); /* no false sharing between workers' tallies */

static pthread_barrier_t barrier;

static double clock_ns(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline void *alloc_one(struct worker *w, uint64_t *rng, uint64_t i) {
    size_t n = 16 + (size_t)(rng_next(rng) % 497);
    w->flip ^= cfg.sites == 2; /* strictly alternating sites, when asked */
    unsigned char *p = w->flip ? alloc_at_b(cfg.depth, n) : alloc_at(cfg.depth, n);
    if (!p) {
        w->failed = 1; /* reported as wrong counts; the slot stays empty */
        w->sizes[i] = 0;
        return NULL;
    }
    p[0] = (unsigned char)i;
    w->sizes[i] = (uint32_t)n;
    w->live_bytes += n;
    w->total_bytes += n;
    return p;
}

/* Phases, each closed by the barrier so the main thread can read counters
 * between them: fill (untimed), churn (timed), then free everything. */
static void *worker_main(void *arg) {
    struct worker *w = arg;
    uint64_t rng = cfg.seed * 0x100000001b3ull + (uint64_t)w->index;
    uint64_t acc = 0;

    pthread_barrier_wait(&barrier); /* the scope is open */
    for (uint64_t i = 0; i < cfg.live; i++)
        w->slots[i] = alloc_one(w, &rng, i);
    pthread_barrier_wait(&barrier); /* filled */
    pthread_barrier_wait(&barrier); /* clock started */
    double cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    for (uint64_t op = 0; op < cfg.ops; op++) {
        uint64_t i = rng_next(&rng) % cfg.live;
        unsigned char *old = w->slots[i];
        if (old)
            acc += old[0];
        w->live_bytes -= w->sizes[i];
        free(old);
        w->slots[i] = alloc_one(w, &rng, i);
    }
    w->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    pthread_barrier_wait(&barrier); /* churn done */
    pthread_barrier_wait(&barrier); /* counters read */
    for (uint64_t i = 0; i < cfg.live; i++) {
        free(w->slots[i]);
        w->slots[i] = NULL;
    }
    w->live_bytes = 0;
    sink += acc;
    pthread_barrier_wait(&barrier); /* all freed */
    /* Stay alive until the final counters are read, so that the check does not
     * also race with the fold of an exiting thread's counters into leakcheck's
     * retired totals (where a thread was once counted twice). */
    pthread_barrier_wait(&barrier); /* final counters read */
    return NULL;
}

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--mode M] [--depth D] [--threads T] [--ops N] [--live L]\n"
            "          [--stack-depth K] [--seed S] [--sites 1|2]\n"
            "  --mode         native (churn_native); idle, count or stacks (churn_lc)\n"
            "  --depth        call depth of each allocation (default 0)\n"
            "  --threads      worker threads (default 1)\n"
            "  --ops          free+malloc operations per thread (default 2000000)\n"
            "  --live         live blocks per thread (default 1024)\n"
            "  --stack-depth  frames leakcheck keeps (default: LEAKCHECK_STACK_DEPTH)\n"
            "  --sites        2: allocations alternate between two call sites (default 1)\n",
            argv0);
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *argv0) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end)
        usage(argv0);
    return v;
}

static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage(argv[0]);
        const char *v = argv[++i];
        if (!strcmp(a, "--mode")) {
            cfg.mode = -1;
            for (int m = 0; m < 4; m++)
                if (!strcmp(v, mode_names[m]))
                    cfg.mode = m;
        } else if (!strcmp(a, "--depth")) {
            cfg.depth = (int)parse_u64(v, argv[0]);
        } else if (!strcmp(a, "--threads")) {
            cfg.threads = (int)parse_u64(v, argv[0]);
        } else if (!strcmp(a, "--ops")) {
            cfg.ops = parse_u64(v, argv[0]);
        } else if (!strcmp(a, "--live")) {
            cfg.live = parse_u64(v, argv[0]);
        } else if (!strcmp(a, "--stack-depth")) {
            cfg.stack_depth = (int)parse_u64(v, argv[0]);
        } else if (!strcmp(a, "--sites")) {
            cfg.sites = (int)parse_u64(v, argv[0]);
        } else if (!strcmp(a, "--seed")) {
            cfg.seed = parse_u64(v, argv[0]);
        } else {
            usage(argv[0]);
        }
    }
#ifdef CHURN_LEAKCHECK
    int ok_mode = cfg.mode == MODE_IDLE || cfg.mode == MODE_COUNT || cfg.mode == MODE_STACKS;
#else
    int ok_mode = cfg.mode == MODE_NATIVE;
#endif
    if (!ok_mode) {
        fprintf(stderr, "%s: this build runs only --mode %s\n", argv[0],
#ifdef CHURN_LEAKCHECK
                "idle|count|stacks"
#else
                "native"
#endif
        );
        exit(2);
    }
    if (cfg.threads < 1 || cfg.threads > 64 || cfg.live < 1 || cfg.depth > 10000 ||
        cfg.sites < 1 || cfg.sites > 2)
        usage(argv[0]);
}

#ifdef CHURN_LEAKCHECK
/* Compares leakcheck's counters with what the workers did; returns 1 when
 * they agree. Threads were started before the scope, so all of them are in
 * the background class and LEAKCHECK_ALL covers the whole workload. */
static int counters_match(const char *phase, uint64_t allocs, uint64_t frees,
                          uint64_t bytes_allocated, uint64_t live_bytes) {
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ALL);
    if (c.allocs == allocs && c.frees == frees && c.bytes_allocated == bytes_allocated &&
        c.live_blocks == allocs - frees && c.live_bytes == live_bytes)
        return 1;
    fprintf(stderr,
            "churn: counters wrong after %s: allocs %llu (want %llu), frees %llu (want "
            "%llu), bytes %llu (want %llu), live bytes %llu (want %llu)\n",
            phase, (unsigned long long)c.allocs, (unsigned long long)allocs,
            (unsigned long long)c.frees, (unsigned long long)frees,
            (unsigned long long)c.bytes_allocated, (unsigned long long)bytes_allocated,
            (unsigned long long)c.live_bytes, (unsigned long long)live_bytes);
    return 0;
}

/* The deepest stack among the survivors, to show that the recursion is real. */
static int deepest_stack(void) {
    lc_survivors *s;
    int best = 0;
    if (lc_scope_survivors(&s))
        return -1;
    uintptr_t pcs[128];
    for (size_t i = 0; i < s->nsites; i++) {
        int n = lc_stack_addresses(s->sites[i].stack, pcs, 128);
        if (n > best)
            best = n;
    }
    lc_survivors_free(s);
    return best;
}
#endif

int main(int argc, char **argv) {
    parse_args(argc, argv);
    int nt = cfg.threads;
    struct worker *w = aligned_alloc(_Alignof(struct worker), (size_t)nt * sizeof *w);
    if (!w || pthread_barrier_init(&barrier, NULL, (unsigned)nt + 1))
        return 1;
    memset(w, 0, (size_t)nt * sizeof *w);
    for (int t = 0; t < nt; t++) {
        w[t].index = t;
        w[t].slots = calloc(cfg.live, sizeof *w[t].slots);
        w[t].sizes = calloc(cfg.live, sizeof *w[t].sizes);
        if (!w[t].slots || !w[t].sizes || pthread_create(&w[t].th, NULL, worker_main, &w[t]))
            return 1;
    }

    int tracked = cfg.mode == MODE_COUNT || cfg.mode == MODE_STACKS;
    int ok = 1;
    (void)tracked;
#ifdef CHURN_LEAKCHECK
    if (tracked) {
        lc_scope_config sc = {.stacks = cfg.mode == MODE_STACKS, .depth = cfg.stack_depth,
                              .all_threads = 0};
        int rc = lc_scope_begin(&sc);
        if (rc) {
            fprintf(stderr, "churn: lc_scope_begin: %s\n", lc_strerror(rc));
            return 1;
        }
    }
#endif
    pthread_barrier_wait(&barrier); /* scope open: workers fill */
    pthread_barrier_wait(&barrier); /* filled */
    double t0 = clock_ns(CLOCK_MONOTONIC);
    pthread_barrier_wait(&barrier); /* clock started: workers churn */
    pthread_barrier_wait(&barrier); /* churn done */
    double t1 = clock_ns(CLOCK_MONOTONIC);

    uint64_t nlive = cfg.live * (uint64_t)nt, bytes = 0, live_bytes = 0;
    double cpu = 0;
    for (int t = 0; t < nt; t++) {
        cpu += w[t].cpu_ns;
        ok &= !w[t].failed;
        bytes += w[t].total_bytes;
        live_bytes += w[t].live_bytes;
    }
    uint64_t table_bytes = 0, depot_bytes = 0;
    int frames = 0;
    (void)frames;
#ifdef CHURN_LEAKCHECK
    if (tracked) {
        uint64_t allocs = nlive + cfg.ops * (uint64_t)nt;
        ok &= counters_match("churn", allocs, allocs - nlive, bytes, live_bytes);
        lc_tracker_memory(&table_bytes, &depot_bytes);
        if (cfg.mode == MODE_STACKS)
            frames = deepest_stack();
    }
#endif
    pthread_barrier_wait(&barrier); /* counters read: workers free all */
    pthread_barrier_wait(&barrier); /* all freed */
#ifdef CHURN_LEAKCHECK
    if (tracked) {
        uint64_t allocs = nlive + cfg.ops * (uint64_t)nt;
        ok &= counters_match("final free", allocs, allocs, bytes, 0);
    }
#endif
    pthread_barrier_wait(&barrier); /* final counters read: workers may exit */
#ifdef CHURN_LEAKCHECK
    if (tracked)
        lc_scope_end();
#endif
    for (int t = 0; t < nt; t++) {
        pthread_join(w[t].th, NULL);
        free(w[t].slots);
        free(w[t].sizes);
    }
    free(w);

    double wall = t1 - t0;
    double per_op = cfg.ops ? wall / (double)cfg.ops : 0;
    /* CPU time per operation is less sensitive than wall time to other
     * processes taking the CPU, so it helps to tell noise from a real change. */
    double cpu_per_op = cfg.ops ? cpu / (double)(cfg.ops * nt) : 0;
    double mops = wall > 0 ? (double)cfg.ops * nt / wall * 1e3 : 0;
    printf("mode=%s depth=%d threads=%d ops=%llu live=%llu ns_per_op=%.2f cpu_ns_per_op=%.2f "
           "mops=%.3f table_bytes=%llu depot_bytes=%llu table_bytes_per_block=%.2f frames=%d "
           "counts=%s\n",
           mode_names[cfg.mode], cfg.depth, nt, (unsigned long long)cfg.ops,
           (unsigned long long)nlive, per_op, cpu_per_op, mops, (unsigned long long)table_bytes,
           (unsigned long long)depot_bytes, nlive ? (double)table_bytes / (double)nlive : 0,
           frames, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
