/* live_server.c: a server-shaped program for the live tests of `leakcheck
 * run` (test_live.sh). It reads commands on stdin, one a line, and answers
 * each on stdout once done, so the test steps it without sleeping:
 *   grow N      cache_store() keeps N more 64-byte entries (the planted growth)
 *   load T      T worker threads churn malloc/free until `unload`; each keeps
 *               100 blocks of 48 bytes live from worker_keep() meanwhile
 *   unload      stops and joins the workers (their blocks freed)
 *   sample N S  sampled_site() keeps N blocks of S bytes (freed at quit)
 *   handler     installs the program's own SIGUSR2 handler
 *   usr2 N      answers once its own handler has seen N SIGUSR2
 *   quit        frees everything and exits 0 (a clean run)
 * It prints "ready PID" first. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct entry {
    struct entry *next;
    char data[56];
};
static struct entry *cache;

__attribute__((noinline)) static void cache_store(int i) {
    struct entry *e = malloc(sizeof *e);
    if (!e)
        exit(3);
    snprintf(e->data, sizeof e->data, "entry %d", i);
    e->next = cache;
    cache = e;
}

static void cache_clear(void) {
    while (cache) {
        struct entry *e = cache;
        cache = e->next;
        free(e);
    }
}

#define MAX_WORKERS 8
#define KEEP 100
static pthread_t workers[MAX_WORKERS];
static int nworkers;
static volatile int stop_workers;
static void *volatile sink;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kept_cv = PTHREAD_COND_INITIALIZER;
static int kept; /* workers whose KEEP blocks are allocated */

/* The empty asm after each call keeps it from being a tail call (the
 * planted function stays a frame of its own in the stack). */
__attribute__((noinline)) static void *worker_keep(void) {
    void *p = malloc(48);
    __asm__ volatile("" ::: "memory");
    return p;
}

static void *worker(void *arg) {
    (void)arg;
    void *keep[KEEP];
    for (int i = 0; i < KEEP; i++)
        keep[i] = worker_keep();
    pthread_mutex_lock(&lock);
    kept++;
    pthread_cond_broadcast(&kept_cv);
    pthread_mutex_unlock(&lock);
    unsigned x = 1;
    while (!stop_workers) { /* churn: every block freed at once */
        x = x * 1103515245u + 12345u;
        void *p = malloc(16 + (x >> 16) % 400);
        sink = p;
        free(p);
    }
    for (int i = 0; i < KEEP; i++)
        free(keep[i]);
    return NULL;
}

static void **samples;
static size_t nsamples;

__attribute__((noinline)) static void *sampled_site(size_t size) {
    void *p = malloc(size);
    __asm__ volatile("" ::: "memory");
    return p;
}

static volatile sig_atomic_t usr2_seen;
static void on_usr2(int sig) {
    (void)sig;
    usr2_seen++;
}

static void reply(const char *s) {
    printf("%s\n", s);
    fflush(stdout);
}

int main(void) {
    char line[256];
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        long a = 0, b = 0;
        char cmd[32] = "";
        sscanf(line, "%31s %ld %ld", cmd, &a, &b);
        if (!strcmp(cmd, "grow")) {
            for (long i = 0; i < a; i++)
                cache_store((int)i);
        } else if (!strcmp(cmd, "load")) {
            stop_workers = 0;
            for (; nworkers < a && nworkers < MAX_WORKERS; nworkers++)
                pthread_create(&workers[nworkers], NULL, worker, NULL);
            pthread_mutex_lock(&lock); /* answer once every worker keeps its blocks */
            while (kept < nworkers)
                pthread_cond_wait(&kept_cv, &lock);
            pthread_mutex_unlock(&lock);
        } else if (!strcmp(cmd, "unload")) {
            stop_workers = 1;
            for (int i = 0; i < nworkers; i++)
                pthread_join(workers[i], NULL);
            nworkers = kept = 0;
        } else if (!strcmp(cmd, "sample")) {
            samples = realloc(samples, (nsamples + (size_t)a) * sizeof *samples);
            for (long i = 0; i < a; i++)
                samples[nsamples++] = sampled_site((size_t)b);
        } else if (!strcmp(cmd, "handler")) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_usr2;
            sa.sa_flags = SA_RESTART; /* fgets goes on after the handler */
            sigaction(SIGUSR2, &sa, NULL);
        } else if (!strcmp(cmd, "usr2")) {
            sigset_t usr2, old;
            sigemptyset(&usr2);
            sigaddset(&usr2, SIGUSR2);
            sigprocmask(SIG_BLOCK, &usr2, &old);
            while (usr2_seen < a)
                sigsuspend(&old); /* no lost wake-up: blocked until we wait */
            sigprocmask(SIG_SETMASK, &old, NULL);
            char ans[32];
            snprintf(ans, sizeof ans, "usr2 %d", (int)usr2_seen);
            reply(ans);
            continue;
        } else if (!strcmp(cmd, "quit")) {
            break;
        }
        reply("ok");
    }
    cache_clear();
    for (size_t i = 0; i < nsamples; i++)
        free(samples[i]);
    free(samples);
    return 0;
}
