/* run_kinds: one block of each leak kind and one fd left open, for
 * `leakcheck run`; with "clean" as argument, the same allocations, all
 * released. The lost blocks are made on a worker thread that is joined, so no
 * stale copy of their addresses survives on a live stack.
 *   definite   make_lost: 24 B, nothing points to it
 *   definite + indirect   make_cycle: two 48 B nodes pointing at each other
 *   possible   make_interior: 64 B, only a pointer 16 bytes inside it
 *   reachable  make_kept: 40 B, from a global
 *   fd         open_forever: /dev/null, never closed */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct node {
    struct node *volatile next; /* volatile: -O2 drops stores to unescaped heap memory */
    char pad[40];
};

void *volatile kept;
char *volatile interior;
static int clean;

__attribute__((noinline)) static void make_lost(void) {
    void *volatile p = malloc(24);
    memset(p, 1, 24);
    if (clean)
        free(p);
}

__attribute__((noinline)) static struct node *cycle_node(void) {
    struct node *n = malloc(sizeof *n);
    memset(n, 0, sizeof *n);
    return n;
}

__attribute__((noinline)) static void make_cycle(void) {
    struct node *volatile a = cycle_node(), *volatile b = cycle_node();
    a->next = b;
    b->next = a;
    if (clean) {
        free(a);
        free(b);
    }
}

__attribute__((noinline)) static void make_interior(void) {
    char *p = malloc(64);
    interior = p + 16;
}

__attribute__((noinline)) static void make_kept(void) { kept = malloc(40); }

__attribute__((noinline)) static int open_forever(void) {
    volatile int fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* no tail call */
    return fd;
}

static void *worker(void *arg) {
    (void)arg;
    make_lost();
    make_cycle();
    return NULL;
}

int main(int argc, char **argv) {
    clean = argc > 1 && strcmp(argv[1], "clean") == 0;
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    make_interior();
    make_kept();
    int fd = open_forever();
    if (clean) {
        free(interior - 16);
        interior = NULL;
        free(kept);
        kept = NULL;
        close(fd);
    }
    return 0;
}
