/* own_frees.c: leakcheck's own small frees (lc__xfree: its reports, jansson's
 * objects, its findings), zeroed and held until the next test's first run is
 * over, so that the first run's blocks do not take an address leakcheck just
 * gave back: a word some live structure still held pointing at it made a
 * block the single run lost read as reachable (suite_cmocka's
 * once_counter_leaks with LEAKCHECK_JSON: 8% of runs on a loaded machine,
 * 4.7% with this). Only once a test has run in the process; report time
 * only, never on a hook's path: a try-lock (a busy one frees at once). */
#include <stdint.h>

#include "internal.h"
#include "own_frees.h"
#include "reach_early.h"

#define HELD_MAX 65536u /* pointers; a full list is released at once */
#define HELD_BYTES (8u << 20) /* beyond it, blocks are freed at once */

static int enabled; /* a test has started in this process */
static void **held;
static size_t nheld, nbytes;
static int lock;

static void release_locked(void) {
    for (size_t i = 0; i < nheld; i++) {
        lc__reach_early_freed((uintptr_t)held[i]); /* no root of a single run any more */
        __libc_free(held[i]);
    }
    nheld = nbytes = 0;
}

int lc__own_free_hold(void *p, size_t n) {
    if (!__atomic_load_n(&enabled, __ATOMIC_RELAXED) ||
        __atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        return 0; /* no test yet; another thread, or a signal handler over this one */
    if (!held)
        held = lc__mmap(HELD_MAX * sizeof *held);
    int kept = held != NULL && nbytes + n <= HELD_BYTES;
    if (kept) {
        if (nheld == HELD_MAX)
            release_locked();
        held[nheld++] = p;
        nbytes += n;
    }
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
    return kept;
}

void lc__own_frees_enable(void) { __atomic_store_n(&enabled, 1, __ATOMIC_RELAXED); }

void lc__own_frees_release(void) {
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        ;
    release_locked();
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}
