/* early_pool.c: the shape of GLib 2.74's GSlice under `leakcheck run`: this
 * library's constructor, which runs before libleakcheck's, allocates its
 * per-thread record (GSlice's ThreadMemory, from glib_init); later calls
 * carve pages kept only through that record. The record was allocated
 * before leakcheck tracked anything, yet what it holds is not lost, also
 * once the buffer allocated right before it is freed (GLib's type nodes). */
#include <stdlib.h>
#include <string.h>

#include "early_pool.h"

struct pool {
    void *pages[8];
    unsigned n;
};
static struct pool *pool; /* an early block: the only holder of the pages */
static void *scratch;      /* the constructor's scratch buffer, right before it */
static void *tail;         /* keeps the pool away from the top chunk */

__attribute__((constructor)) static void pool_init(void) {
    scratch = malloc(4000); /* past tcache: its free() marks the pool's chunk */
    pool = calloc(1, sizeof *pool);
    tail = malloc(32);
}

/* Done with the scratch buffer: glibc clears the PREV_INUSE bit in the
 * pool's chunk header (the bit describes the chunk before it). */
void early_pool_started(void) {
    free(scratch);
    scratch = NULL;
}

int early_pool_grow(void) {
    if (!pool || pool->n == sizeof pool->pages / sizeof pool->pages[0])
        return -1;
    void *page = malloc(496);
    if (!page)
        return -1;
    memset(page, 0, 496);
    pool->pages[pool->n++] = page;
    return 0;
}

/* The planted leak: a page that nothing keeps. */
__attribute__((noinline)) void *early_pool_drop(void) {
    void *page = malloc(200);
    if (page)
        memset(page, 1, 200);
    return page;
}
