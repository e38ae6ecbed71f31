/* test_reach.c: the reachability scan (src/reach.c) on planted blocks whose
 * kinds are known: lost, reachable from a global, only through an interior
 * pointer, a lost cycle, reachable only from another thread's stack, its TLS,
 * a spinning thread's register, the main thread's TLS; each with a lost twin.
 * Also needles, a thread that blocks the stop signal, and threads allocating
 * while the scan runs. Block addresses are kept XOR-ed with a key (and the
 * stack is scrubbed) so that nothing but the planted pointer can reach them. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reach.h"
#include "testutil.h"

#define KEY ((uintptr_t)0xa5a5f00dcafe5a5aull)
#define MAXP 64
#define BUDGET_MS 5000 /* generous: the machine is shared; a stop normally takes ms */

struct planted {
    const char *name;
    uintptr_t hidden; /* address ^ KEY */
    uint64_t size;
    int expect;
};
static struct planted planted[MAXP];
static int nplanted;
static struct lc_reach_block blocks[MAXP];

static void *volatile g_reach;         /* -> "global" */
static volatile uintptr_t g_interior;  /* -> "interior" + 8 */
static void *volatile g_zero;          /* -> "zero-size" */
static volatile uintptr_t g_zero_past; /* -> "zero-size past" + 8 */
static volatile uintptr_t g_next_hdr;  /* -> the glibc chunk header after "before header" */
static __thread void *volatile tls_main;  /* -> "main TLS" */
static __thread void *volatile tls_other; /* -> "thread TLS" */
static volatile uintptr_t g_needle;
static volatile uintptr_t g_needle_ignored[2];

static pthread_mutex_t plant_mu = PTHREAD_MUTEX_INITIALIZER;

static __attribute__((noinline)) uintptr_t plant(const char *name, size_t size, int expect) {
    char *p = malloc(size);
    memset(p, 0, size);
    uintptr_t h = (uintptr_t)p ^ KEY;
    pthread_mutex_lock(&plant_mu);
    planted[nplanted++] = (struct planted){name, h, size, expect};
    pthread_mutex_unlock(&plant_mu);
    return h;
}
static __attribute__((noinline)) void *unhide(uintptr_t h) { return (void *)(h ^ KEY); }

/* Zeroes the dead stack below the caller, where copies of addresses linger. */
static __attribute__((noinline)) void scrub_stack(void) {
    char buf[32768];
    memset(buf, 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory"); /* the stores are not dead */
}

/* ---- threads ----
 * Each test thread runs on a fresh zeroed stack: glibc's cached stacks keep
 * stale words of earlier threads, and an address the heap hands out again
 * would be "reachable" through them (rightly, for a conservative scan). */
#define TSTACK (512 * 1024)
static int spawn(pthread_t *th, void *(*fn)(void *), void *arg) {
    void *stk = mmap(NULL, TSTACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
                     -1, 0);
    if (stk == MAP_FAILED)
        return -1;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstack(&a, stk, TSTACK);
    int rc = pthread_create(th, &a, fn, arg);
    pthread_attr_destroy(&a);
    return rc;
}

static void join(pthread_t th) {
    pthread_attr_t a;
    void *stk = NULL;
    size_t size = 0;
    if (pthread_getattr_np(th, &a) == 0) {
        pthread_attr_getstack(&a, &stk, &size);
        pthread_attr_destroy(&a);
    }
    pthread_join(th, NULL);
    if (stk)
        munmap(stk, TSTACK);
}

/* ---- threads holding the only pointer ---- */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, release_threads;
static volatile int reg_stop;

static void wait_released(void) {
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    while (!release_threads)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static __attribute__((noinline)) void *stack_thread(void *arg) {
    int block_signal = arg != NULL;
    if (block_signal) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGRTMIN + LC_REACH_SIGNAL_OFFSET);
        pthread_sigmask(SIG_BLOCK, &s, NULL);
    }
    void *volatile local = unhide(plant(block_signal ? "deaf thread stack" : "thread stack", 48,
                                        LC_REACH_REACHABLE));
    if (!block_signal)
        tls_other = unhide(plant("thread TLS", 40, LC_REACH_REACHABLE));
    plant(block_signal ? "deaf thread lost" : "thread lost", 48, LC_REACH_DEFINITE);
    scrub_stack();
    wait_released();
    lc_test_sink = local; /* keeps it live until here */
    lc_test_sink = NULL;
    tls_other = NULL;
    return NULL;
}

/* Blocks the stop signal and spins in user code, so /proc shows no stack
 * pointer: its whole stack mapping is scanned (found by its descriptor). */
static volatile int spin_stop;
static __attribute__((noinline)) void *deaf_spinner(void *arg) {
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + LC_REACH_SIGNAL_OFFSET);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    void *volatile local = unhide(plant("spinner stack", 48, LC_REACH_REACHABLE));
    plant("spinner lost", 48, LC_REACH_DEFINITE);
    scrub_stack();
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    while (!spin_stop)
        ;
    lc_test_sink = local;
    lc_test_sink = NULL;
    return NULL;
}

/* Spins with the block's address in r12 only (and its twin with the hidden
 * value), so only the saved registers of the stopped thread can reach it. */
static __attribute__((noinline)) void *reg_thread(void *arg) {
    uintptr_t h = plant(arg ? "register" : "register twin", 56,
                        arg ? LC_REACH_REACHABLE : LC_REACH_DEFINITE);
    scrub_stack();
#if defined(__x86_64__)
    register uintptr_t r asm("r12") = arg ? h ^ KEY : h;
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    __asm__ volatile("1: pause\n\tcmpl $0, %[stop]\n\tje 1b" : : "r"(r), [stop] "m"(reg_stop)
                     : "memory", "cc");
#else
    (void)h;
    wait_released();
#endif
    return NULL;
}

static void wait_ready(int n) {
    pthread_mutex_lock(&mu);
    while (ready < n)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void stop_threads(pthread_t *th, int n) {
    pthread_mutex_lock(&mu);
    release_threads = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    reg_stop = 1;
    for (int i = 0; i < n; i++)
        join(th[i]);
    ready = release_threads = 0;
    reg_stop = 0;
}

/* ---- the main thread's blocks ---- */
static __attribute__((noinline)) void plant_main(void) {
    plant("lost", 32, LC_REACH_DEFINITE);
    g_reach = unhide(plant("global", 32, LC_REACH_REACHABLE));
    void **gchild = unhide(plant("global child", 64, LC_REACH_REACHABLE));
    ((void **)g_reach)[1] = gchild;
    void **inter = unhide(plant("interior", 64, LC_REACH_POSSIBLE));
    g_interior = (uintptr_t)inter + 8;
    inter[3] = unhide(plant("possible child", 24, LC_REACH_POSSIBLE));
    /* a lost cycle: the lower address is the clique leader (definite) */
    uintptr_t ha = plant("cycle a", 40, LC_REACH_DEFINITE);
    uintptr_t hb = plant("cycle b", 40, LC_REACH_INDIRECT);
    if ((uintptr_t)unhide(ha) > (uintptr_t)unhide(hb)) {
        planted[nplanted - 2].expect = LC_REACH_INDIRECT;
        planted[nplanted - 1].expect = LC_REACH_DEFINITE;
    }
    ((void **)unhide(ha))[2] = unhide(hb);
    ((void **)unhide(hb))[4] = unhide(ha);
    void **lost2 = unhide(plant("lost parent", 32, LC_REACH_DEFINITE));
    lost2[0] = unhide(plant("lost child", 32, LC_REACH_INDIRECT));
    tls_main = unhide(plant("main TLS", 24, LC_REACH_REACHABLE));
    g_zero = unhide(plant("zero-size", 0, LC_REACH_REACHABLE));
    g_zero_past = (uintptr_t)unhide(plant("zero-size past", 0, LC_REACH_DEFINITE)) + 8;
    /* glibc's main_arena points at chunk headers (top, bins); the next chunk's
     * header lies inside this block's last word: not a program pointer */
    char *h = unhide(plant("before header", 40, LC_REACH_DEFINITE));
    g_next_hdr = (uintptr_t)h + malloc_usable_size(h) - 8;
}

/* The blocks stay allocated (a handful per test): freed, their addresses would
 * come back in the next test, where stale copies in reused thread stacks (glibc
 * caches them) would point at them: a conservative scan rightly counts those. */
static __attribute__((noinline)) void unplant_all(void) {
    nplanted = 0;
    g_reach = NULL;
    g_interior = 0;
    g_zero = NULL;
    g_zero_past = 0;
    g_next_hdr = 0;
    tls_main = NULL;
}

static __attribute__((noinline)) void fill_blocks(void) {
    for (int i = 0; i < nplanted; i++)
        blocks[i] = (struct lc_reach_block){planted[i].hidden ^ KEY, planted[i].size, 0,
                                            (uint32_t)i, -1};
}

/* Classifies and checks every planted block's kind; returns the mismatches.
 * Call it through CLASSIFY, which first scrubs the dead frames of the planting
 * functions, which ran at the depth classify_and_check's frame now takes. */
#define CLASSIFY(o, st) (scrub_stack(), classify_and_check(o, st))
static __attribute__((noinline)) int classify_and_check(const struct lc_reach_opts *o,
                                                        struct lc_reach_stats *st) {
    fill_blocks();
    scrub_stack();
    int rc = lc__reach_classify(blocks, (size_t)nplanted, o, st);
    assert_int_equal(rc, 0);
    int bad = 0;
    for (int i = 0; i < nplanted; i++) {
        const struct planted *p = &planted[blocks[i].user];
        if (i > 0)
            assert_true(blocks[i - 1].ptr < blocks[i].ptr); /* sorted */
        if (blocks[i].kind != p->expect) {
            fprintf(stderr, "%-18s %s, expected %s\n", p->name,
                    lc__reach_kind_name(blocks[i].kind), lc__reach_kind_name(p->expect));
            bad++;
        }
    }
    return bad;
}

static void test_kinds(void **state) {
    (void)state;
    pthread_t th[3];
    plant_main();
    assert_int_equal(spawn(&th[0], stack_thread, NULL), 0);
    assert_int_equal(spawn(&th[1], reg_thread, (void *)1), 0);
    assert_int_equal(spawn(&th[2], reg_thread, NULL), 0);
    wait_ready(3);
    struct lc_reach_opts o = {.stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    int bad = CLASSIFY(&o, &st);
    fprintf(stderr, "threads %u, unstopped %u, roots %llu B, heap %llu B, %.4f s\n", st.threads,
            st.threads_unstopped, (unsigned long long)st.root_bytes,
            (unsigned long long)st.heap_bytes_scanned, st.seconds);
    stop_threads(th, 3);
    unplant_all();
    assert_int_equal(bad, 0);
    assert_int_equal(st.threads, 4);
    assert_int_equal(st.threads_unstopped, 0);
    assert_true(st.root_bytes > 0);
}

/* Threads that block the stop signal are not stopped; one waiting in the
 * kernel is scanned from the stack pointer /proc shows, one spinning in user
 * code (no stack pointer shown) over its whole stack mapping. */
static void test_deaf_thread(void **state) {
    (void)state;
    pthread_t th[2];
    plant_main();
    assert_int_equal(spawn(&th[0], stack_thread, (void *)1), 0);
    assert_int_equal(spawn(&th[1], deaf_spinner, NULL), 0);
    wait_ready(2);
    struct lc_reach_opts o = {.stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    int bad = CLASSIFY(&o, &st);
    spin_stop = 1;
    stop_threads(th, 2);
    spin_stop = 0;
    unplant_all();
    assert_int_equal(bad, 0);
    assert_int_equal(st.threads, 3);
    assert_int_equal(st.threads_unstopped, 2);
    assert_int_equal(st.threads_unscanned, 0);
    assert_true(st.seconds < BUDGET_MS / 1000.0 / 2); /* given up on early, not at the budget */
}

static void test_needles(void **state) {
    (void)state;
    static const uintptr_t needles[3] = {0x5eed00c0ffee0001ull, 0x5eed00c0ffee0002ull,
                                         0x5eed00c0ffee0003ull};
    int found[3] = {-1, -1, -1};
    plant_main();
    g_needle = 0x5eed00c0ffee0001ull;
    uintptr_t *lost = unhide(plant("needle holder", 16, LC_REACH_DEFINITE));
    lost[1] = 0x5eed00c0ffee0002ull;
    g_needle_ignored[1] = 0x5eed00c0ffee0003ull;
    const uintptr_t ignore[1][2] = {{(uintptr_t)&g_needle_ignored[0],
                                     (uintptr_t)&g_needle_ignored[2]}};
    struct lc_reach_opts o = {.needles = needles, .nneedles = 3, .needle_found = found,
                              .needle_ignore = ignore, .nneedle_ignore = 1,
                              .stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    int bad = CLASSIFY(&o, &st);
    unplant_all();
    g_needle = 0;
    assert_int_equal(bad, 0);
    assert_int_equal(found[0], 1); /* in a global */
    assert_int_equal(found[1], 0); /* only in a lost block */
    assert_int_equal(found[2], 0); /* only in an ignored range */
}

/* Issue 13's use: is a thread's handle (pthread_t) stored anywhere? The
 * thread's own stack mapping, which holds its descriptor (whose TCB header
 * points to itself), is ignored. Dropped (kept only XOR-ed): not found; stored
 * in a global: found. */
static uintptr_t handle_needle[1]; /* the needles array: never a root itself */
static uintptr_t handle_hidden;
static uintptr_t handle_stack[1][2];
static volatile uintptr_t g_handle;

static void *handle_thread(void *arg) {
    (void)arg;
    wait_released();
    return NULL;
}

static __attribute__((noinline)) void start_handle_thread(void) {
    pthread_t th;
    assert_int_equal(spawn(&th, handle_thread, NULL), 0);
    pthread_attr_t a;
    void *stk = NULL;
    size_t size = 0;
    assert_int_equal(pthread_getattr_np(th, &a), 0);
    pthread_attr_getstack(&a, &stk, &size);
    pthread_attr_destroy(&a);
    handle_stack[0][0] = (uintptr_t)stk;
    handle_stack[0][1] = (uintptr_t)stk + size;
    handle_hidden = (uintptr_t)th ^ KEY;
    handle_needle[0] = handle_hidden ^ KEY;
    memset(&th, 0, sizeof th);
    __asm__ volatile("" : : "r"(&th) : "memory");
}

static __attribute__((noinline)) int handle_found(void) {
    int found = -1;
    struct lc_reach_opts o = {.needles = handle_needle, .nneedles = 1, .needle_found = &found,
                              .needle_ignore = (const uintptr_t(*)[2])handle_stack,
                              .nneedle_ignore = 1, .stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    assert_int_equal(CLASSIFY(&o, &st), 0);
    return found;
}

static void test_thread_handle(void **state) {
    (void)state;
    plant_main();
    start_handle_thread();
    wait_ready(1);
    int dropped = handle_found();
    g_handle = handle_hidden ^ KEY;
    int stored = handle_found();
    g_handle = 0;
    pthread_t th = (pthread_t)(handle_hidden ^ KEY);
    stop_threads(&th, 1);
    unplant_all();
    assert_int_equal(dropped, 0);
    assert_int_equal(stored, 1);
}

/* Threads allocating and freeing while the scan runs: no deadlock (they are
 * stopped wherever they are, inside malloc too), kinds unchanged. */
#define CHURNERS 3
static volatile int churn_stop;
static void *short_thread(void *arg) {
    free(arg);
    return NULL;
}
static void *churn_thread(void *arg) {
    (void)arg;
    void *keep[16] = {0};
    unsigned x = 12345;
    for (unsigned i = 0; !churn_stop; i++) {
        x = x * 1103515245u + 12345u;
        unsigned k = (x >> 8) % 16;
        free(keep[k]);
        keep[k] = malloc(16 + (x >> 16) % 4096);
        lc_test_sink = keep[k];
        if (i % 64 == 0) { /* threads starting and ending during the scan */
            pthread_t t;
            pthread_attr_t a;
            pthread_attr_init(&a);
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            void *arg = malloc(8);
            if (pthread_create(&t, &a, short_thread, arg) != 0)
                free(arg);
            pthread_attr_destroy(&a);
        }
    }
    for (int k = 0; k < 16; k++)
        free(keep[k]);
    return NULL;
}

static void test_stress(void **state) {
    (void)state;
    pthread_t th[CHURNERS];
    plant_main();
    for (int i = 0; i < CHURNERS; i++)
        assert_int_equal(spawn(&th[i], churn_thread, NULL), 0);
    int bad = 0;
    struct lc_reach_opts o = {.stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    for (int round = 0; round < 8; round++)
        bad += CLASSIFY(&o, &st);
    churn_stop = 1;
    for (int i = 0; i < CHURNERS; i++)
        join(th[i]);
    lc_test_sink = NULL;
    unplant_all();
    assert_int_equal(bad, 0);
    assert_true(st.threads >= 1 + CHURNERS);
}

/* At exit(), from an atexit handler, with threads still allocating: the scan
 * stops them and returns (a deadlock would hang the child: ctest's timeout),
 * and the kinds are right. The child reports through its exit status. */
static volatile int churned;
static void *busy_thread(void *arg) {
    (void)arg;
    for (unsigned i = 0;; i++) {
        void *p = malloc(32 + i % 512);
        lc_test_sink = p;
        free(p);
        if (i == 1000)
            __atomic_add_fetch(&churned, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void scan_at_exit(void) {
    struct lc_reach_opts o = {.stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    int bad = CLASSIFY(&o, &st);
    _exit(bad ? 10 : st.threads_unstopped ? 20 : st.threads < 1 + CHURNERS ? 30 : 0);
}

static __attribute__((noinline)) void exit_child(void) {
    plant_main();
    pthread_t t;
    for (int i = 0; i < CHURNERS; i++)
        if (spawn(&t, busy_thread, NULL) != 0)
            _exit(2);
    while (__atomic_load_n(&churned, __ATOMIC_SEQ_CST) < CHURNERS)
        sched_yield();
    atexit(scan_at_exit);
    scrub_stack();
    exit(0);
}

static void test_exit_destructor(void **state) {
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        exit_child();
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Anonymous mappings the program made are roots, also across a 64 MiB
 * boundary (the kernel merges neighbours: Python's obmalloc arenas made one
 * that straddled a boundary, and its upper part was once taken for a glibc
 * heap); glibc's non-main heaps are not (their free chunks hold stale words):
 * a real one, and one laid out by hand at a boundary (which heap a thread
 * gets, and whether a guard page lies below it, varies). */
#define HEAP_ALIGN ((uintptr_t)64 << 20)
static char *map_straddling(void) {
    char *probe = mmap(NULL, 4 * HEAP_ALIGN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(probe != MAP_FAILED);
    uintptr_t a = (((uintptr_t)probe + HEAP_ALIGN - 1) & ~(HEAP_ALIGN - 1)) + HEAP_ALIGN;
    munmap(probe, 4 * HEAP_ALIGN);
    char *r = mmap((void *)(a - (1u << 20)), 2u << 20, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    assert_true(r == (char *)(a - (1u << 20)));
    return r;
}

static int in_brk_heap(const void *p) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int in = 0;
    unsigned long lo, hi;
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
    if (f)
        fclose(f);
    return in;
}

static void *arena_chunk; /* freed, in the thread's arena */
static __attribute__((noinline)) void *stale_in_arena(void *arg) {
    void *volatile *p = malloc(256); /* volatile: a store before free() is not dead */
    p[8] = unhide((uintptr_t)arg);   /* beyond what free() overwrites */
    arena_chunk = (void *)p;
    free((void *)p); /* into the thread's cache: kept as it is while the thread lives */
    scrub_stack();
    wait_released();
    return NULL;
}

/* A heap as glibc's arena.c lays one out at a 64 MiB boundary: the header
 * {arena, previous heap, size, mprotect_size}, the arena right after it. */
static char *map_fake_heap(void) {
    char *probe = mmap(NULL, 3 * HEAP_ALIGN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(probe != MAP_FAILED);
    uintptr_t a = (((uintptr_t)probe + HEAP_ALIGN - 1) & ~(HEAP_ALIGN - 1)) + HEAP_ALIGN;
    munmap(probe, 3 * HEAP_ALIGN);
    char *h = mmap((void *)a, 8192, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    assert_true(h == (char *)a);
    uintptr_t *w = (uintptr_t *)h;
    w[0] = a + 48; /* the arena */
    w[1] = 0;      /* no previous heap */
    w[2] = 4096;   /* size */
    w[3] = 8192;   /* mprotect_size */
    return h;
}

static void test_anon_mappings(void **state) {
    (void)state;
    char *r = map_straddling();
    *(void **)(r + (1u << 20) + 4096) = unhide(plant("past a 64 MiB boundary", 48,
                                                     LC_REACH_REACHABLE));
    *(uintptr_t *)(r + (1u << 20) + 8192) = plant("its twin", 48, LC_REACH_DEFINITE);
    pthread_t th;
    char *fake = map_fake_heap();
    *(void **)(fake + 4096 + 64) = unhide(plant("in a free chunk", 48, LC_REACH_DEFINITE));
    uintptr_t stale = plant("stale in an arena", 48, LC_REACH_DEFINITE);
    assert_int_equal(spawn(&th, stale_in_arena, (void *)stale), 0);
    wait_ready(1);
    assert_false(in_brk_heap(arena_chunk)); /* a non-main heap, as meant */
    struct lc_reach_opts o = {.stop_timeout_ms = BUDGET_MS};
    struct lc_reach_stats st;
    int bad = CLASSIFY(&o, &st);
    stop_threads(&th, 1);
    unplant_all();
    munmap(r, 2u << 20);
    munmap(fake, 8192);
    assert_int_equal(bad, 0);
}

static void test_empty_and_names(void **state) {
    (void)state;
    struct lc_reach_stats st;
    assert_int_equal(lc__reach_classify(NULL, 0, NULL, &st), 0);
    assert_true(st.root_bytes > 0);
    assert_string_equal(lc__reach_kind_name(LC_REACH_DEFINITE), "definite");
    assert_string_equal(lc__reach_kind_name(LC_REACH_INDIRECT), "indirect");
    assert_string_equal(lc__reach_kind_name(LC_REACH_POSSIBLE), "possible");
    assert_string_equal(lc__reach_kind_name(LC_REACH_REACHABLE), "reachable");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_names), cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_deaf_thread),     cmocka_unit_test(test_needles),
        cmocka_unit_test(test_thread_handle),
        cmocka_unit_test(test_stress),          cmocka_unit_test(test_exit_destructor),
        cmocka_unit_test(test_anon_mappings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
