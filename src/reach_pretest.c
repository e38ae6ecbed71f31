/* reach_pretest.c: under `leakcheck run --cmocka`, the process scope's blocks
 * live at a test's start (main's and the group setup's fixtures, earlier
 * tests' leftovers) with a sum of their words, so that a single run's scan
 * can tell a block unchanged since then, whose words name only what was there
 * before (a word naming a block the test made is a stale copy), from one the
 * test wrote (reach.c). The preloaded twin is reach_early.c's per-test walk.
 * Memory from lc__mmap; not on the hook path. */
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "reach_early.h"
#include "reach_pretest.h"

#define PRETEST_MAX 65536u              /* more live blocks: no list, no rule */
#define SUM_BLOCK_MAX ((uint64_t)64 << 10) /* larger blocks are listed, not summed */
#define SUM_BUDGET ((uint64_t)4 << 20)     /* bytes summed per list */

struct pretest {
    uintptr_t ptr;
    uint64_t size;
    uint64_t sum; /* 0: not summed */
};

static struct pretest *list;
static size_t nlist, cap;
static uint64_t budget;
static int full;
/* The list is sorted when a scan first searches it, not at every test's
 * start: only a single run's scan reads it, and sorting 65,536 blocks at each
 * of capstone's 2,745 x86 tests was 60% of `leakcheck run --cmocka`'s time. */
static int sorted;

static uint64_t sum_of(uintptr_t p, uint64_t size) { return lc__words_sum(p, p + size); }

static void take(const struct lc_rec_info *r, void *arg) {
    (void)arg;
    if (nlist == cap) {
        full = 1;
        return;
    }
    uint64_t sum = 0;
    if (r->size <= SUM_BLOCK_MAX && r->size <= budget) {
        budget -= r->size;
        sum = sum_of(r->ptr, r->size);
    }
    list[nlist++] = (struct pretest){r->ptr, r->size, sum};
}

/* In-place heap sort by address: no allocation, bounded time. */
static void sift(size_t i, size_t n) {
    for (size_t c; (c = 2 * i + 1) < n; i = c) {
        if (c + 1 < n && list[c + 1].ptr > list[c].ptr)
            c++;
        if (list[i].ptr >= list[c].ptr)
            return;
        struct pretest t = list[i];
        list[i] = list[c];
        list[c] = t;
    }
}

static void sort_list(void) {
    for (size_t i = nlist / 2; i-- > 0;)
        sift(i, nlist);
    for (size_t n = nlist; n > 1; n--) {
        struct pretest t = list[0];
        list[0] = list[n - 1];
        list[n - 1] = t;
        sift(0, n - 1);
    }
}

void lc__reach_pretest_record(void) {
    nlist = 0;
    full = 0;
    if (lc__table_count() > PRETEST_MAX) {
        full = 1;
        return;
    }
    if (!list && !(list = lc__mmap(PRETEST_MAX * sizeof *list)))
        return;
    cap = PRETEST_MAX;
    budget = SUM_BUDGET;
    lc__table_foreach(take, NULL);
    if (full)
        nlist = 0; /* never half a list: a block left out would read as made since */
    sorted = 0;
}

int lc__reach_pretest_ready(void) { return list && !full; }

static const struct pretest *find(uintptr_t p) {
    if (!sorted) {
        sort_list();
        sorted = 1;
    }
    size_t lo = 0, hi = nlist;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid].ptr == p)
            return &list[mid];
        if (list[mid].ptr < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int lc__reach_pretest_was_block(uintptr_t p) { return find(p) != NULL; }

int lc__reach_pretest_unchanged(uintptr_t p, uint64_t size) {
    const struct pretest *t = find(p);
    return t && t->sum && t->size == size && sum_of(p, size) == t->sum;
}
