/* For leakcheck run (run_maps.py): a program that leaves at exit one 1 MiB
 * anonymous mapping made by keep_mapping (another is unmapped), a thread whose
 * handle is kept in a global, one whose handle was dropped, both blocked, and
 * one that exited with its handle dropped and was never joined. The mapping
 * and the threads are listed as information ("fails": false), the two dropped
 * threads say so; the run exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static void *volatile sink;
static pthread_t kept;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile int quick_tid;

__attribute__((noipa)) static void keep_mapping(void) {
    sink = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

__attribute__((noipa)) static void unmapped_twin(void) {
    void *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sink = p;
    munmap(p, 8192);
}

static void *blocked(void *arg) {
    pthread_mutex_lock(&mu); /* held by main until exit */
    return arg;
}
static void *quick(void *arg) {
    quick_tid = gettid();
    return arg;
}

/* Until the kernel has let the thread go (its task is gone from /proc, which
 * happens after its cleanup handlers, leakcheck's included, ran). */
static void wait_gone(void) {
    while (!quick_tid)
        sched_yield();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d", quick_tid);
    while (access(path, F_OK) == 0)
        sched_yield();
}

__attribute__((noipa)) static void start_dropped(void *(*fn)(void *)) {
    pthread_t t;
    pthread_create(&t, NULL, fn, NULL);
}

int main(void) {
    keep_mapping();
    unmapped_twin();
    pthread_mutex_lock(&mu);
    pthread_create(&kept, NULL, blocked, NULL);
    start_dropped(blocked);
    start_dropped(quick);
    wait_gone();
    return sink == MAP_FAILED;
}
