/* The planted patterns of the verdict table, each leak with a clean twin.
 * run_patterns.py runs this binary with a JSON report and checks every test's
 * verdict and, for leaks, that the leaking function is named in a finding's
 * stack. Leaky tests fail through cmocka by design: the binary's exit status
 * is the number of failed tests, which the checker also verifies. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;
char *shlib_make_label(const char *s);

#define NOINLINE __attribute__((noinline))

/* A global list: what it holds stays reachable, and still grows. */
struct node {
    struct node *next;
    char payload[40];
};
static struct node *registry_head;

/* ---------------- clean patterns ---------------- */

LEAKCHECK_TEST(clean_balanced) {
    void **v = malloc(10000 * sizeof *v);
    for (int i = 0; i < 10000; i++)
        v[i] = malloc(16 + (size_t)(i % 64));
    for (int i = 0; i < 10000; i++)
        free(v[i]);
    free(v);
}

static char *lazy_table;
LEAKCHECK_TEST(clean_lazy_init) {
    if (!lazy_table)
        lazy_table = calloc(256, 8);
    lc_test_sink = lazy_table;
}

/* a cache that fills one entry per call up to its cap */
static void *cache_small[2];
static int cache_small_n;
NOINLINE static void cache_small_put(void) {
    if (cache_small_n < 2)
        cache_small[cache_small_n++] = malloc(48);
}
LEAKCHECK_TEST(clean_cap_in_warmup) { cache_small_put(); }

static void *cache_mid[5];
static int cache_mid_n;
NOINLINE static void cache_mid_put(void) {
    if (cache_mid_n < 5)
        cache_mid[cache_mid_n++] = malloc(64);
}
LEAKCHECK_TEST(clean_cap_in_measured) { cache_mid_put(); }

static char *previous_result;
NOINLINE static char *compute_keep_previous(void) {
    free(previous_result); /* the previous call's result lives until now */
    previous_result = malloc(100);
    return previous_result;
}
LEAKCHECK_TEST(clean_free_next_iteration) { lc_test_sink = compute_keep_previous(); }

/* a one-time block referenced only through an encoded pointer */
static uintptr_t encoded_ref;
LEAKCHECK_TEST(clean_encoded_pointer) {
    if (!encoded_ref)
        encoded_ref = (uintptr_t)malloc(200) ^ 0x5a5a5a5a5a5aull;
}

/* a one-time block referenced by an interior pointer */
static char *interior_ref;
LEAKCHECK_TEST(clean_interior_pointer) {
    if (!interior_ref)
        interior_ref = (char *)malloc(300) + 128;
}

/* a turnover buffer (FIFO of the last 8 blocks): constant live set */
static void *fifo[8];
static unsigned fifo_pos;
LEAKCHECK_TEST(clean_fifo_turnover) {
    for (int i = 0; i < 3; i++) {
        free(fifo[fifo_pos % 8]);
        fifo[fifo_pos++ % 8] = malloc(32);
    }
}

/* ---------------- memory leaks ---------------- */

NOINLINE static int parse_with_error_path(const char *in) {
    char *copy = malloc(strlen(in) + 1);
    strcpy(copy, in);
    if (copy[0] == '!')
        return -1; /* the error path forgets copy */
    free(copy);
    return 0;
}
LEAKCHECK_TEST(leak_every_iteration) { assert_int_equal(parse_with_error_path("!bad"), -1); }
LEAKCHECK_TEST(clean_every_iteration_twin) { assert_int_equal(parse_with_error_path("ok"), 0); }

NOINLINE static void registry_add(void) {
    struct node *n = calloc(1, sizeof *n);
    n->next = registry_head;
    registry_head = n;
}
LEAKCHECK_TEST(leak_reachable_list) { registry_add(); }

static unsigned every_counter2, every_counter3;
NOINLINE static void leak_every_second_call(void) {
    if (every_counter2++ % 2 == 0)
        lc_test_sink = malloc(24);
}
LEAKCHECK_TEST(leak_every_2nd) { leak_every_second_call(); }

NOINLINE static void leak_every_third_call(void) {
    if (every_counter3++ % 3 == 0)
        lc_test_sink = malloc(24);
}
LEAKCHECK_TEST(leak_every_3rd) { leak_every_third_call(); }

NOINLINE static void via_strdup(void) { lc_test_sink = strdup("leaked string"); }
LEAKCHECK_TEST(leak_strdup) { via_strdup(); }
LEAKCHECK_TEST(clean_strdup_twin) { free(strdup("freed string")); }

NOINLINE static void via_getline(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char *line = NULL;
    size_t cap = 0;
    assert_true(getline(&line, &cap, f) > 0);
    fclose(f);
    lc_test_sink = line;
}
LEAKCHECK_TEST(leak_getline) { via_getline(); }

NOINLINE static void via_asprintf(void) {
    char *s = NULL;
    assert_true(asprintf(&s, "value %d", 42) > 0);
    lc_test_sink = s;
}
LEAKCHECK_TEST(leak_asprintf) { via_asprintf(); }

NOINLINE static void via_opendir(void) { lc_test_sink = opendir("/"); }
LEAKCHECK_TEST(leak_opendir) { via_opendir(); }

NOINLINE static void via_regcomp(void) {
    regex_t *re = malloc(sizeof *re);
    assert_int_equal(regcomp(re, "a+b*", REG_EXTENDED), 0);
    lc_test_sink = re; /* neither regfree nor free */
}
LEAKCHECK_TEST(leak_regcomp) { via_regcomp(); }
LEAKCHECK_TEST(clean_regcomp_twin) {
    regex_t re;
    assert_int_equal(regcomp(&re, "a+b*", REG_EXTENDED), 0);
    regfree(&re);
}

NOINLINE static void via_calloc(void) { lc_test_sink = calloc(3, 40); }
LEAKCHECK_TEST(leak_calloc) { via_calloc(); }

NOINLINE static void via_aligned(void) {
    void *p = NULL;
    assert_int_equal(posix_memalign(&p, 64, 96), 0);
    lc_test_sink = p;
    lc_test_sink = aligned_alloc(128, 256);
}
LEAKCHECK_TEST(leak_aligned) { via_aligned(); }

/* a buffer that is reallocated bigger on every call: blocks stay at one,
 * bytes grow */
static char *growing;
static size_t growing_len;
NOINLINE static void append_forever(void) {
    growing = realloc(growing, growing_len + 256);
    memset(growing + growing_len, 'x', 256);
    growing_len += 256;
}
LEAKCHECK_TEST(leak_realloc_growth) { append_forever(); }

NOINLINE static void via_realloc(void) {
    char *p = malloc(8);
    lc_test_sink = realloc(p, 4000);
}
LEAKCHECK_TEST(leak_realloc) { via_realloc(); }

NOINLINE static void big_block(void) {
    char *p = malloc(4u << 20);
    p[0] = 1;
    lc_test_sink = p;
}
LEAKCHECK_TEST(leak_multi_mib) { big_block(); }

struct cyc {
    struct cyc *other;
    char data[16];
};
NOINLINE static void make_cycle(void) {
    struct cyc *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    a->other = b;
    b->other = a;
    lc_test_sink = a; /* the stores keep -O2 from deleting the pair... */
    lc_test_sink = NULL; /* ...and then nothing points to the cycle */
}
LEAKCHECK_TEST(leak_cycle) { make_cycle(); }

LEAKCHECK_TEST(leak_shared_library) { lc_test_sink = shlib_make_label("label"); }
LEAKCHECK_TEST(clean_shared_library_twin) { free(shlib_make_label("label")); }

LEAKCHECK_TEST(leak_dlopen_module) {
    void *h = dlopen(MODULE_PATH, RTLD_NOW);
    assert_non_null(h);
    void (*entry)(int) = (void (*)(int))dlsym(h, "module_leaky_entry");
    assert_non_null(entry);
    entry(4);
    dlclose(h);
}

NOINLINE static void *worker_leaks(void *arg) {
    (void)arg;
    lc_test_sink = malloc(88);
    return NULL;
}
LEAKCHECK_TEST(leak_worker_thread) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, worker_leaks, NULL), 0);
    pthread_join(t, NULL);
}

static void *worker_clean(void *arg) {
    free(malloc(88));
    return arg;
}
LEAKCHECK_TEST(clean_worker_thread_twin) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, worker_clean, NULL), 0);
    pthread_join(t, NULL);
}

LEAKCHECK_TEST_WITH(clean_expected_leak, {.expect = "leak:parse_with_error_path"}) {
    assert_int_equal(parse_with_error_path("!bad"), -1);
}

/* ---------------- threads ---------------- */

static void *block_forever(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}
NOINLINE static void start_blocked_worker(void) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, block_forever, NULL), 0);
    pthread_setname_np(t, "stuck-worker");
}
LEAKCHECK_TEST(leak_thread_blocked) { start_blocked_worker(); }

static void *quick(void *arg) { return arg; }
NOINLINE static void start_unjoined_worker(void) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, quick, NULL), 0);
    /* neither joined nor detached: its stack is never reclaimed */
}
LEAKCHECK_TEST(leak_thread_unjoined) { start_unjoined_worker(); }

LEAKCHECK_TEST(clean_thread_joined) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, quick, NULL), 0);
    pthread_join(t, NULL);
}

LEAKCHECK_TEST(clean_thread_detached_exits) {
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    assert_int_equal(pthread_create(&t, &a, quick, NULL), 0);
    pthread_attr_destroy(&a);
}

/* A detached waiter in an untimed pthread_cond_wait, released by a detached
 * waker after a 20 ms sleep (longer than the settle wait's two looks at a
 * quiet process): while the waker sleeps with a timeout, the wait must not
 * end early (both exit: clean). */
static pthread_mutex_t relay_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t relay_cv = PTHREAD_COND_INITIALIZER;
static int relay_go[64]; /* one flag per iteration's pair */
static unsigned relay_next;
static void *relay_waiter(void *arg) {
    unsigned i = (unsigned)(uintptr_t)arg;
    pthread_mutex_lock(&relay_mu);
    while (!relay_go[i])
        pthread_cond_wait(&relay_cv, &relay_mu);
    pthread_mutex_unlock(&relay_mu);
    return NULL;
}
/* Under ASan too: the blocks ASan's runtime makes as each thread starts
 * (AsanThread::ThreadStart) are not the test's (src/thread_start.c), so
 * pairs that outlive their iteration are no growth there either. */
#define RELAY_SLEEP_NS 20000000
static void *relay_waker(void *arg) {
    unsigned i = (unsigned)(uintptr_t)arg;
    struct timespec ts = {0, RELAY_SLEEP_NS};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&relay_mu);
    relay_go[i] = 1;
    pthread_cond_broadcast(&relay_cv);
    pthread_mutex_unlock(&relay_mu);
    return NULL;
}
LEAKCHECK_TEST(clean_thread_woken_after_timed_sleep) {
    uintptr_t i = relay_next++ % 64;
    pthread_mutex_lock(&relay_mu);
    relay_go[i] = 0;
    pthread_mutex_unlock(&relay_mu);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    assert_int_equal(pthread_create(&t, &a, relay_waiter, (void *)i), 0);
    assert_int_equal(pthread_create(&t, &a, relay_waker, (void *)i), 0);
    pthread_attr_destroy(&a);
}

/* a pool started on first use and kept: one-time */
static pthread_t pool[2];
static int pool_started;
LEAKCHECK_TEST(clean_thread_pool_once) {
    if (!pool_started) {
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&pool[i], NULL, block_forever, NULL), 0);
        pool_started = 1;
    }
}

/* A detached thread per run that frees the argument it was given: on a
 * loaded machine it may not have run when the body returns; the run is
 * counted once it has (clean). */
static void *free_arg(void *arg) {
    free(arg);
    return NULL;
}
LEAKCHECK_TEST(clean_detached_frees_arg) {
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    assert_int_equal(pthread_create(&t, &a, free_arg, malloc(48)), 0);
    pthread_attr_destroy(&a);
}

/* A logger: a detached thread started on first use (handle dropped: nothing
 * needs to join it) that takes messages from a queue and frees them, or, in
 * the leaking twin, keeps them in a list forever. */
struct log_msg {
    struct log_msg *next;
    char *text;
    int keep;
};
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cv = PTHREAD_COND_INITIALIZER;
static struct log_msg *log_queue, *log_kept;
static int logger_started;
static void *logger_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&log_mu);
    for (;;) {
        while (!log_queue)
            pthread_cond_wait(&log_cv, &log_mu);
        struct log_msg *m = log_queue;
        log_queue = m->next;
        if (m->keep) {
            m->next = log_kept; /* the leak: kept, reachable, never freed */
            log_kept = m;
        } else {
            free(m->text);
            free(m);
        }
    }
    return NULL;
}
NOINLINE static void log_message(const char *text, int keep) {
    struct log_msg *m = malloc(sizeof *m);
    assert_non_null(m);
    m->text = strdup(text);
    m->keep = keep;
    pthread_mutex_lock(&log_mu);
    if (!logger_started) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        pthread_t t;
        assert_int_equal(pthread_create(&t, &a, logger_main, NULL), 0);
        pthread_attr_destroy(&a);
        logger_started = 1;
    }
    m->next = log_queue;
    log_queue = m;
    pthread_cond_signal(&log_cv);
    pthread_mutex_unlock(&log_mu);
}
LEAKCHECK_TEST(clean_logger_thread) { log_message("request served", 0); }
LEAKCHECK_TEST(leak_logger_keeps) { log_message("request kept", 1); }

/* A thread per run that fills a thread-local cache and exits: without a
 * destructor (pthread_key_create's) the block outlives its thread. */
__thread char *tls_cache;
NOINLINE static void *tls_cache_fill(void *arg) {
    (void)arg;
    tls_cache = malloc(64);
    lc_test_sink = tls_cache;
    return NULL;
}
LEAKCHECK_TEST(leak_thread_local_cache) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, tls_cache_fill, NULL), 0);
    pthread_join(t, NULL);
}

/* ---------------- file descriptors ---------------- */

NOINLINE static int read_config_fd(const char *path, int fail) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    if (fail)
        return -2; /* error path: fd not closed */
    close(fd);
    return 0;
}
LEAKCHECK_TEST(leak_fd_error_path) { assert_int_equal(read_config_fd("/proc/self/status", 1), -2); }
LEAKCHECK_TEST(clean_fd_twin) { assert_int_equal(read_config_fd("/proc/self/status", 0), 0); }

NOINLINE static void make_pipe(void) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]); /* the write end stays open */
}
LEAKCHECK_TEST(leak_fd_pipe) { make_pipe(); }

NOINLINE static void make_socketpair(void) {
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}
LEAKCHECK_TEST(leak_fd_socketpair) { make_socketpair(); }

NOINLINE static void open_with_fopen(void) { lc_test_sink = fopen("/proc/self/status", "r"); }
LEAKCHECK_TEST(leak_fd_fopen) { open_with_fopen(); }
LEAKCHECK_TEST(clean_fopen_twin) { fclose(fopen("/proc/self/status", "r")); }

/* ---------------- background threads from group setup ---------------- */

static volatile int bg_stop;
static pthread_t bg_churn, bg_pool;
static pthread_mutex_t task_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t task_cv = PTHREAD_COND_INITIALIZER;
static int tasks_pending;

static void *churn(void *arg) {
    while (!bg_stop) {
        void *p = malloc(128);
        lc_test_sink = p;
        free(p);
    }
    return arg;
}

NOINLINE static void pool_task_leaks(void) { lc_test_sink = malloc(72); }

static void *pool_worker(void *arg) {
    pthread_mutex_lock(&task_mu);
    while (!bg_stop) {
        while (!tasks_pending && !bg_stop)
            pthread_cond_wait(&task_cv, &task_mu);
        while (tasks_pending) {
            tasks_pending--;
            pool_task_leaks();
        }
        pthread_cond_broadcast(&task_cv);
    }
    pthread_mutex_unlock(&task_mu);
    return arg;
}

static void submit_and_wait(void) {
    pthread_mutex_lock(&task_mu);
    tasks_pending++;
    pthread_cond_broadcast(&task_cv);
    while (tasks_pending)
        pthread_cond_wait(&task_cv, &task_mu);
    pthread_mutex_unlock(&task_mu);
}

static int group_setup(void **state) {
    (void)state;
    pthread_create(&bg_churn, NULL, churn, NULL);
    pthread_create(&bg_pool, NULL, pool_worker, NULL);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    bg_stop = 1;
    pthread_mutex_lock(&task_mu);
    pthread_cond_broadcast(&task_cv);
    pthread_mutex_unlock(&task_mu);
    pthread_join(bg_churn, NULL);
    pthread_join(bg_pool, NULL);
    return 0;
}

LEAKCHECK_TEST(clean_with_background_churn) { free(malloc(10)); }
LEAKCHECK_TEST(leak_background_pool_task) { submit_and_wait(); }

int main(void) {
    const struct CMUnitTest memory[] = {
        cmocka_unit_test(clean_balanced),
        cmocka_unit_test(clean_lazy_init),
        cmocka_unit_test(clean_cap_in_warmup),
        cmocka_unit_test(clean_cap_in_measured),
        cmocka_unit_test(clean_free_next_iteration),
        cmocka_unit_test(clean_encoded_pointer),
        cmocka_unit_test(clean_interior_pointer),
        cmocka_unit_test(clean_fifo_turnover),
        cmocka_unit_test(leak_every_iteration),
        cmocka_unit_test(clean_every_iteration_twin),
        cmocka_unit_test(leak_reachable_list),
        cmocka_unit_test(leak_every_2nd),
        cmocka_unit_test(leak_every_3rd),
        cmocka_unit_test(leak_strdup),
        cmocka_unit_test(clean_strdup_twin),
        cmocka_unit_test(leak_getline),
        cmocka_unit_test(leak_asprintf),
        cmocka_unit_test(leak_opendir),
        cmocka_unit_test(leak_regcomp),
        cmocka_unit_test(clean_regcomp_twin),
        cmocka_unit_test(leak_calloc),
        cmocka_unit_test(leak_aligned),
        cmocka_unit_test(leak_realloc_growth),
        cmocka_unit_test(leak_realloc),
        cmocka_unit_test(leak_multi_mib),
        cmocka_unit_test(leak_cycle),
        cmocka_unit_test(leak_shared_library),
        cmocka_unit_test(clean_shared_library_twin),
        cmocka_unit_test(leak_dlopen_module),
        cmocka_unit_test(leak_worker_thread),
        cmocka_unit_test(clean_worker_thread_twin),
        cmocka_unit_test(clean_expected_leak),
    };
    const struct CMUnitTest threads_and_fds[] = {
        cmocka_unit_test(leak_thread_blocked),
        cmocka_unit_test(leak_thread_unjoined),
        cmocka_unit_test(clean_thread_joined),
        cmocka_unit_test(clean_thread_detached_exits),
        cmocka_unit_test(clean_thread_pool_once),
        cmocka_unit_test(clean_detached_frees_arg),
        cmocka_unit_test(clean_logger_thread),
        cmocka_unit_test(leak_logger_keeps),
        cmocka_unit_test(leak_thread_local_cache),
        cmocka_unit_test(clean_thread_woken_after_timed_sleep),
        cmocka_unit_test(leak_fd_error_path),
        cmocka_unit_test(clean_fd_twin),
        cmocka_unit_test(leak_fd_pipe),
        cmocka_unit_test(leak_fd_socketpair),
        cmocka_unit_test(leak_fd_fopen),
        cmocka_unit_test(clean_fopen_twin),
    };
    const struct CMUnitTest background[] = {
        cmocka_unit_test(clean_with_background_churn),
        cmocka_unit_test(leak_background_pool_task),
    };
    int failed = cmocka_run_group_tests_name("memory", memory, NULL, NULL);
    failed += cmocka_run_group_tests_name("threads_and_fds", threads_and_fds, NULL, NULL);
    failed += cmocka_run_group_tests_name("background", background, group_setup, group_teardown);
    return failed;
}
