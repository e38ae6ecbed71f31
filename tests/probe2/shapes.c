/* shapes.c: leak shapes of the second probe round, as a plain cmocka suite
 * (no leakcheck code): POSIX message queues and shared memory left open
 * (glibc opens both past the open wrappers), and a bounded cache that an
 * earlier test filled, whose entries a later test evicts one for one. Run by
 * run_shapes.py preloaded and under `leakcheck run --cmocka`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

static void *volatile sink;
static int seq;

static void ipc_name(char *b, size_t n, const char *kind) {
    snprintf(b, n, "/lc-probe2-%s-%d-%d", kind, (int)getpid(), seq++);
}

/* Opens a message queue and posts one message; the queue stays open unless
 * close_it. */
static int open_queue(int close_it) {
    char name[64];
    ipc_name(name, sizeof name, "mq");
    struct mq_attr at = {.mq_maxmsg = 2, .mq_msgsize = 16};
    mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &at);
    if (q == (mqd_t)-1)
        return -1;
    mq_unlink(name);
    int rc = mq_send(q, "x", 1, 0);
    if (close_it)
        mq_close(q);
    return rc;
}

/* Maps a shared-memory object; the fd and the mapping stay unless close_it. */
static int map_shared(int close_it) {
    char name[64];
    ipc_name(name, sizeof name, "shm");
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        return -1;
    shm_unlink(name);
    if (ftruncate(fd, 4096) != 0) {
        close(fd);
        return -1;
    }
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return -1;
    }
    m[0] = 1;
    if (close_it) {
        munmap(m, 4096);
        close(fd);
    }
    return 0;
}

/* A process-wide cache of CACHE_CAP entries, oldest evicted first: each new
 * key costs one 48-byte entry and frees the oldest once full. */
#define CACHE_CAP 40
struct entry {
    struct entry *next;
    int key;
    char value[36];
};
static struct entry *head, *tail;
static int count, next_key;

static void cache_put(int bounded) {
    struct entry *e = calloc(1, sizeof *e);
    if (!e)
        return;
    e->key = next_key++;
    snprintf(e->value, sizeof e->value, "value %d", e->key);
    if (tail)
        tail->next = e;
    else
        head = e;
    tail = e;
    sink = e;
    if (++count > CACHE_CAP && bounded) {
        struct entry *old = head;
        head = old->next;
        free(old);
        count--;
    }
}

static void leak_mq_open(void **state) {
    (void)state;
    assert_int_equal(open_queue(0), 0);
}

static void clean_mq_open(void **state) {
    (void)state;
    assert_int_equal(open_queue(1), 0);
}

static void leak_shm_open(void **state) {
    (void)state;
    assert_int_equal(map_shared(0), 0);
}

static void clean_shm_open(void **state) {
    (void)state;
    assert_int_equal(map_shared(1), 0);
}

/* Fills the cache in its first call (one-time), then finds it full. */
static void clean_cache_filled(void **state) {
    (void)state;
    while (count < CACHE_CAP)
        cache_put(1);
    assert_int_equal(count, CACHE_CAP);
}

/* One new key per call into the full cache: each evicts an entry the test
 * above made, for CACHE_CAP calls (more than the test runs), then its own. */
static void clean_cache_evicts(void **state) {
    (void)state;
    cache_put(1);
    assert_int_equal(count, CACHE_CAP);
}

/* The twin: the same insert with no eviction grows by one entry per call. */
static void leak_cache_unbounded(void **state) {
    (void)state;
    cache_put(0);
    assert_true(count > CACHE_CAP);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_mq_open),       cmocka_unit_test(clean_mq_open),
        cmocka_unit_test(leak_shm_open),      cmocka_unit_test(clean_shm_open),
        cmocka_unit_test(clean_cache_filled), cmocka_unit_test(clean_cache_evicts),
        cmocka_unit_test(leak_cache_unbounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
