/* pretest_frees.c: owns the count of blocks made before a test and freed
 * during it (a cache full from an earlier test that evicts its entries), per
 * class. hooks.c's record_free counts them (hook path: two relaxed atomic
 * adds, no lock, no allocation); engine.c and attribution.c read the totals,
 * so that a test replacing older blocks one for one is flat, not growing. */
#include "pretest_frees.h"

static int64_t freed_blocks[2], freed_bytes[2];

void lc__pretest_freed(int cls, uint64_t bytes) {
    cls = cls != 0;
    __atomic_fetch_add(&freed_blocks[cls], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&freed_bytes[cls], (int64_t)bytes, __ATOMIC_RELAXED);
}

void lc__pretest_unfreed(int cls, uint64_t bytes) {
    cls = cls != 0;
    __atomic_fetch_sub(&freed_blocks[cls], 1, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&freed_bytes[cls], (int64_t)bytes, __ATOMIC_RELAXED);
}

void lc__pretest_frees(int cls, int64_t *blocks, int64_t *bytes) {
    cls = cls != 0;
    *blocks = __atomic_load_n(&freed_blocks[cls], __ATOMIC_RELAXED);
    *bytes = __atomic_load_n(&freed_bytes[cls], __ATOMIC_RELAXED);
}
