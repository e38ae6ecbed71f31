/* Planted mapping leaks and threads by handle, each with its clean twin,
 * checked from the JSON report by run_maps.py. Mappings: a 1 MiB mmap per
 * iteration never unmapped (a leak naming map_forever), the same unmapped,
 * a one-time mapping, a partial munmap that leaves one page per iteration, a
 * mapping grown with mremap and then unmapped, a file mapping and a System V
 * segment kept. Threads: a thread started once whose pthread_t is dropped
 * (running, or exited and never joined) is a leak; one whose handle is kept
 * in a global is one-time. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

#define NOINLINE __attribute__((noipa))
#define MIB (1024 * 1024)

static void *volatile sink;

/* ---- mappings ---- */

NOINLINE static void *map_forever(size_t len) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sink = p;
    return p;
}

LEAKCHECK_TEST(leak_mmap_every_iteration) { assert_true(map_forever(MIB) != MAP_FAILED); }

LEAKCHECK_TEST(clean_mmap_twin) {
    void *p = map_forever(MIB);
    assert_true(p != MAP_FAILED);
    assert_int_equal(munmap(p, MIB), 0);
}

static void *once;
LEAKCHECK_TEST(clean_mmap_once) {
    if (!once)
        once = map_forever(MIB);
    assert_true(once != MAP_FAILED);
}

/* four pages mapped, the first three unmapped: the last page stays */
NOINLINE static void *map_four_pages(void) {
    void *p = mmap(NULL, 4 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sink = p;
    return p;
}
LEAKCHECK_TEST(leak_partial_munmap) {
    char *p = map_four_pages();
    assert_true(p != MAP_FAILED);
    assert_int_equal(munmap(p, 3 * 4096), 0);
}
/* the middle pages, then both ends: nothing stays */
LEAKCHECK_TEST(clean_partial_munmap_twin) {
    char *p = map_four_pages();
    assert_true(p != MAP_FAILED);
    assert_int_equal(munmap(p + 4096, 2 * 4096), 0);
    assert_int_equal(munmap(p, 4096), 0);
    assert_int_equal(munmap(p + 3 * 4096, 4096), 0);
}

/* grown with mremap (it may move): the record follows the mapping */
NOINLINE static void *grow_mapping(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return p;
    void *q = mremap(p, 4096, 64 * 4096, MREMAP_MAYMOVE);
    sink = q;
    return q;
}
LEAKCHECK_TEST(leak_mremap) { assert_true(grow_mapping() != MAP_FAILED); }
LEAKCHECK_TEST(clean_mremap_twin) {
    void *q = grow_mapping();
    assert_true(q != MAP_FAILED);
    assert_int_equal(munmap(q, 64 * 4096), 0);
}

NOINLINE static void *map_file(void) {
    int fd = open("/proc/self/exe", O_RDONLY);
    if (fd < 0)
        return MAP_FAILED;
    void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    sink = p;
    return p;
}
LEAKCHECK_TEST(leak_file_mapping) { assert_true(map_file() != MAP_FAILED); }

NOINLINE static void *attach_segment(void) {
    int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    if (id < 0)
        return (void *)-1;
    void *p = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL); /* goes away once detached */
    sink = p;
    return p;
}
LEAKCHECK_TEST(leak_shmat) { assert_true(attach_segment() != (void *)-1); }
LEAKCHECK_TEST(clean_shmat_twin) {
    void *p = attach_segment();
    assert_true(p != (void *)-1);
    assert_int_equal(shmdt(p), 0);
}

/* ---- threads by handle ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static void *wait_forever(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;)
        pthread_cond_wait(&cv, &mu);
    return NULL;
}
static void *finish(void *arg) { return arg; }

/* the handle lives only in this frame: nothing can ever join or stop it */
NOINLINE static void start_dropped(void *(*fn)(void *)) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fn, NULL), 0);
}

static int dropped_started, unjoined_started, kept_started;
LEAKCHECK_TEST(leak_thread_handle_dropped) {
    if (!dropped_started++)
        start_dropped(wait_forever);
}
LEAKCHECK_TEST(leak_thread_exited_unjoined_dropped) {
    if (!unjoined_started++)
        start_dropped(finish);
}

/* the twin: the handle is stored in a global */
static pthread_t kept;
NOINLINE static void start_kept(void) {
    assert_int_equal(pthread_create(&kept, NULL, wait_forever, NULL), 0);
}
LEAKCHECK_TEST(clean_thread_handle_stored) {
    if (!kept_started++)
        start_kept();
}

int main(void) {
    const struct CMUnitTest mappings[] = {
        cmocka_unit_test(leak_mmap_every_iteration),
        cmocka_unit_test(clean_mmap_twin),
        cmocka_unit_test(clean_mmap_once),
        cmocka_unit_test(leak_partial_munmap),
        cmocka_unit_test(clean_partial_munmap_twin),
        cmocka_unit_test(leak_mremap),
        cmocka_unit_test(clean_mremap_twin),
        cmocka_unit_test(leak_file_mapping),
        cmocka_unit_test(leak_shmat),
        cmocka_unit_test(clean_shmat_twin),
    };
    const struct CMUnitTest threads[] = {
        cmocka_unit_test(clean_thread_handle_stored),
        cmocka_unit_test(leak_thread_handle_dropped),
        cmocka_unit_test(leak_thread_exited_unjoined_dropped),
    };
    int failed = cmocka_run_group_tests_name("mappings", mappings, NULL, NULL);
    failed += cmocka_run_group_tests_name("threads_by_handle", threads, NULL, NULL);
    return failed;
}
