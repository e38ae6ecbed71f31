/* sweep_held.c: what the test still held when an assertion ended it, in a
 * fail-sweep child. At the child's first cmocka failure (_fail, from
 * cmocka_glue.c) its live blocks are classified by a reachability scan,
 * leakcheck's own frames left out; a block lost at the end that was reachable
 * then was held by the test (its variables, its objects) and is its skipped
 * cleanup, not the failing call's leak. Calls the table and reach.c; not on
 * the hook path. */
#include <stdlib.h>

#include "internal.h"
#include "reach.h"
#include "sweep.h"
#include "xml.h"

static int armed;                   /* a sweep child, before its first failure */
static struct lc_reach_block *held; /* reachable at that failure, by pointer */
static size_t nheld;

void lc__sweep_held_arm(void) {
    armed = 1;
    held = NULL;
    nheld = 0;
}

static int by_ptr(const void *a, const void *b) {
    const struct lc_reach_block *x = a, *y = b;
    return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

/* Keeps the reachable blocks of blk[0..n), sorted by pointer. */
static void keep_reachable(struct lc_reach_block *blk, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (blk[i].kind == LC_REACH_REACHABLE)
            blk[k++] = blk[i];
    qsort(blk, k, sizeof *blk, by_ptr);
    held = blk;
    nheld = k;
}

__attribute__((noinline)) void lc__sweep_held_note(const uintptr_t *regs) {
    (void)regs; /* in the caller's frame, which is scanned */
    if (!armed)
        return;
    armed = 0;
    lc__guard_enter();
    struct lc_buf b;
    lc__buf_init(&b, lc__xrealloc, lc__xfree);
    lc__sweep_collect_lost(&b);
    size_t n = b.failed ? 0 : b.len / sizeof(struct lc_reach_block);
    /* this frame and the scan's: stale words of the code under test's
     * returned calls may lie in them, never the test's own */
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t own[1][2] = {{here - (1u << 16), here + 16}};
    struct lc_reach_opts ro = {.exclude = own, .nexclude = 1};
    struct lc_reach_stats st;
    if (n && lc__reach_classify((struct lc_reach_block *)b.data, n, &ro, &st) == 0)
        keep_reachable((struct lc_reach_block *)b.data, n);
    else
        lc__buf_free(&b);
    lc__guard_leave();
}

int lc__sweep_held(uintptr_t ptr, uint32_t stack) {
    struct lc_reach_block key = {.ptr = ptr};
    const struct lc_reach_block *hit =
        nheld ? bsearch(&key, held, nheld, sizeof *held, by_ptr) : NULL;
    return hit && hit->stack == stack;
}
