/* A shared library for test_fork whose constructor registers fork handlers
 * that free memory. Linked after libleakcheck, it is initialized before it, so
 * its handlers are registered first: its prepare handler then runs after
 * leakcheck's (which holds every table lock until fork returns) and its
 * parent and child handlers before leakcheck's unlock. Each handler frees the
 * block left in its slot, as a library dropping a cache across fork would. */
#include <pthread.h>
#include <stdlib.h>

void *volatile atfork_prepare_block;
void *volatile atfork_parent_block;
void *volatile atfork_child_block;

static void release(void *volatile *slot) {
    void *p = *slot;
    *slot = NULL;
    free(p);
}

static void on_prepare(void) { release(&atfork_prepare_block); }
static void on_parent(void) { release(&atfork_parent_block); }
static void on_child(void) { release(&atfork_child_block); }

__attribute__((constructor)) static void register_handlers(void) {
    pthread_atfork(on_prepare, on_parent, on_child);
}
