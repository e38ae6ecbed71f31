/* toy.c: the library under test (see toy.h). Planted leaks are real lost
 * pointers, stored through memory the compiler cannot see through, so -O2
 * keeps them. */
#include "toy.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
    char *name;
};

static struct entry *queue[TOY_QUEUE_CAP];
static size_t queue_len;
static int registered, registered_leaky;

void toy_init(void) {
    queue_len = 0;
    memset(queue, 0, sizeof queue);
}

__attribute__((noinline)) int toy_queue_push(const char *name) {
    if (queue_len >= TOY_QUEUE_CAP)
        return -1;
    struct entry *e = malloc(sizeof *e);
    if (!e)
        return -1;
    e->name = strdup(name);
    queue[queue_len++] = e;
    return 0;
}

size_t toy_queue_len(void) { return queue_len; }

void toy_queue_reset(void) {
    for (size_t i = 0; i < queue_len; i++) {
        free(queue[i]->name);
        free(queue[i]);
    }
    queue_len = 0;
}

__attribute__((noinline)) void toy_queue_reset_leaky(void) {
    for (size_t i = 0; i < queue_len; i++)
        free(queue[i]); /* the name is lost */
    queue_len = 0;
}

__attribute__((noinline)) static char *config_read(void) {
    char *buf = malloc(64);
    if (!buf)
        return NULL;
    if (toy_source_read(buf, 64) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *toy_config_load(void) { return config_read(); }

__attribute__((noinline)) char *toy_config_load_leaky(void) {
    char *buf = malloc(48);
    if (!buf)
        return NULL;
    if (toy_source_read(buf, 48) < 0)
        return NULL; /* planted: buf is lost on the error path */
    return buf;
}

/* ---- the worker ---- */

static pthread_t worker;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int job, done, stop;
static void *volatile worker_kept;

__attribute__((noinline)) static void worker_job(int leak) {
    char *scratch = malloc(128);
    if (!scratch)
        return;
    memset(scratch, 1, 128);
    if (leak)
        worker_kept = scratch; /* planted: the previous job's block is lost */
    else
        free(scratch);
}

static void *worker_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!job && !stop)
            pthread_cond_wait(&cv, &mu);
        if (stop)
            break;
        int leak = job - 1;
        pthread_mutex_unlock(&mu);
        worker_job(leak);
        pthread_mutex_lock(&mu);
        job = 0;
        done = 1;
        pthread_cond_broadcast(&cv);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int toy_worker_start(void) {
    stop = 0;
    return pthread_create(&worker, NULL, worker_main, NULL);
}

void toy_worker_stop(void) {
    pthread_mutex_lock(&mu);
    stop = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(worker, NULL);
}

void toy_worker_run(int leak) {
    pthread_mutex_lock(&mu);
    job = leak ? 2 : 1;
    done = 0;
    pthread_cond_broadcast(&cv);
    while (!done)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

/* ---- once-only state ---- */

int toy_register(void) { return ++registered; }

static void *volatile registry_kept;

__attribute__((noinline)) int toy_register_leaky(void) {
    registry_kept = malloc(56); /* planted: the previous block is lost */
    registry_kept = NULL;
    return ++registered_leaky;
}

int toy_lock_create(const char *path) {
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static volatile int lock_fd;

__attribute__((noinline)) int toy_lock_create_leaky(const char *path) {
    /* planted: the descriptor stays open */
    lock_fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    return lock_fd;
}

static char first_buffer[16] = "first";
static char *buffer = first_buffer;

char *toy_take_buffer(void) {
    char *b = buffer;
    buffer = NULL;
    return b;
}
