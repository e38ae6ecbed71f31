/* reach_bench.c: times lc__reach_classify (src/reach.c) on N live blocks of
 * 96 bytes (default 1,000,000, about 100 MB): a list hanging from a global
 * holds most of them; LOST_PCT percent form lost chains of 10 (1 definite + 9
 * indirect each). With --dense 1 the other 11 words of each reachable block
 * are interior pointers into random earlier reachable blocks (kinds unchanged,
 * 12 lookups a block instead of 1). The block array is shuffled before every
 * run (leakcheck's table hands blocks over in hash order: the sort counts).
 * Prints each run's wall and CPU seconds (CPU time moves less when other
 * processes hold the CPUs), the medians and the kinds, and checks the kinds.
 * With --threads T, T more threads wait on a condition variable meanwhile
 * and the time to stop them is printed too.
 * Usage: reach_bench [--blocks N] [--runs R] [--lost-pct P] [--dense 0|1] [--threads T] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "reach.h"

struct node {
    struct node *next;
    uintptr_t pad[11];
};

static struct node *volatile head;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done;

static void *waiter(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!done)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Allocates the blocks and records them; returns the array (mmap: never a root). */
static __attribute__((noinline)) struct lc_reach_block *build(size_t n, unsigned lost_pct,
                                                              int dense) {
    struct lc_reach_block *b = mmap(NULL, n * sizeof *b, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        return NULL;
    struct node *reach = NULL, *chain = NULL;
    size_t nlost = n * lost_pct / 100;
    for (size_t i = 0; i < n; i++) {
        struct node *x = malloc(sizeof *x);
        if (!x)
            return NULL;
        memset(x, 0, sizeof *x);
        if (i < nlost) {
            x->next = i % 10 ? chain : NULL; /* chains of 10, the newest is its head */
            chain = x;
        } else {
            x->next = reach;
            reach = x;
        }
        for (size_t k = 0; dense && i > nlost && k < 11; k++)
            x->pad[k] = b[nlost + next_rand() % (i - nlost)].ptr + 8;
        b[i] = (struct lc_reach_block){(uintptr_t)x, sizeof *x, 0, 0, -1};
    }
    head = reach;
    return b;
}

/* noinline: its swap temporary must not live in main's frame, a root. */
static __attribute__((noinline)) void shuffle(struct lc_reach_block *b, size_t n) {
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = next_rand() % (i + 1);
        struct lc_reach_block t = b[i];
        b[i] = b[j];
        b[j] = t;
    }
}

/* Clears the dead stack below main, where build() left block addresses. */
static __attribute__((noinline)) void scrub_stack(void) {
    char buf[16384];
    memset(buf, 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

int main(int argc, char **argv) {
    size_t n = 1000000;
    int runs = 5;
    unsigned lost_pct = 10;
    int dense = 0, nthreads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--blocks"))
            n = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            nthreads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dense"))
            dense = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--lost-pct"))
            lost_pct = (unsigned)atoi(argv[i + 1]);
        else {
            fprintf(stderr, "reach_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (n < 10 || runs < 1 || runs > 99 || lost_pct > 100 || nthreads < 0 || nthreads > 4096) {
        fprintf(stderr, "reach_bench: need --blocks >= 10, --runs 1..99, --lost-pct 0..100, "
                        "--threads 0..4096\n");
        return 2;
    }
    struct lc_reach_block *b = build(n, lost_pct, dense);
    if (!b) {
        fprintf(stderr, "reach_bench: out of memory for %zu blocks\n", n);
        return 1;
    }
    pthread_t *th = nthreads ? calloc((size_t)nthreads, sizeof *th) : NULL;
    for (int t = 0; t < nthreads; t++)
        if (!th || pthread_create(&th[t], NULL, waiter, NULL) != 0) {
            fprintf(stderr, "reach_bench: cannot start thread %d\n", t + 1);
            return 1;
        }
    /* zeroed: stale words in main's frame (a root) from before main could
     * hold the address of a chunk freed then and reused by a node */
    double secs[99] = {0}, cpus[99] = {0}, stops[99] = {0};
    unsigned unstopped_max = 0;
    size_t kinds[4] = {0};
    struct lc_reach_stats st;
    for (int r = 0; r < runs; r++) {
        shuffle(b, n);
        scrub_stack();
        double c0 = cpu_now();
        int rc = lc__reach_classify(b, n, NULL, &st);
        cpus[r] = cpu_now() - c0;
        if (rc != 0) {
            fprintf(stderr, "reach_bench: classification failed\n");
            return 1;
        }
        secs[r] = st.seconds;
        stops[r] = st.stop_seconds;
        if (st.threads_unstopped > unstopped_max)
            unstopped_max = st.threads_unstopped;
        memset(kinds, 0, sizeof kinds);
        for (size_t i = 0; i < n; i++)
            kinds[b[i].kind]++;
        printf("run %d: %.3f s, cpu %.3f s (heap scanned %.1f MB, roots %.1f KB)\n", r + 1,
               st.seconds, cpus[r], st.heap_bytes_scanned / 1e6, st.root_bytes / 1e3);
    }
    qsort(secs, (size_t)runs, sizeof secs[0], cmp_double);
    qsort(cpus, (size_t)runs, sizeof cpus[0], cmp_double);
    qsort(stops, (size_t)runs, sizeof stops[0], cmp_double);
    if (nthreads)
        printf("threads %d: stop median %.3f s (min %.3f, max %.3f), unstopped at most %u\n",
               nthreads, stops[runs / 2], stops[0], stops[runs - 1], unstopped_max);
    pthread_mutex_lock(&mu);
    done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    free(th);
    size_t nlost = n * lost_pct / 100, ndef = (nlost + 9) / 10;
    int ok = kinds[LC_REACH_REACHABLE] == n - nlost && kinds[LC_REACH_DEFINITE] == ndef &&
             kinds[LC_REACH_INDIRECT] == nlost - ndef && kinds[LC_REACH_POSSIBLE] == 0;
    printf("blocks %zu: reachable %zu, definite %zu, indirect %zu, possible %zu: kinds=%s\n", n,
           kinds[LC_REACH_REACHABLE], kinds[LC_REACH_DEFINITE], kinds[LC_REACH_INDIRECT],
           kinds[LC_REACH_POSSIBLE], ok ? "ok" : "WRONG");
    printf("median %.3f s over %d runs (min %.3f, max %.3f), cpu median %.3f s\n", secs[runs / 2],
           runs, secs[0], secs[runs - 1], cpus[runs / 2]);
    return ok ? 0 : 1;
}
