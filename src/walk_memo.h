/* walk_memo.h: each thread's record of its last few stack walks
 * (walk_memo.c): walk.c confirms a repeat by re-reading the words a walk
 * read instead of following every rule again. Hook path. */
#ifndef LC_WALK_MEMO_H
#define LC_WALK_MEMO_H

#include <stdint.h>

#define LC_MEMO_WORDS 64
#define LC_MEMO_WAYS 4 /* walks kept per thread: a loop with a few sites hits */

/* The walk's start state and bound, the dlclose epoch of the rules it used,
 * and the stack words it read in order (return-address slots, saved rbp
 * slots, a signal frame's registers) with the values found there. A walk
 * with the same start, bound and epoch that finds the same values at the
 * same addresses follows the same rules to the same frames. */
struct lc_walk_memo {
    uintptr_t pc0, sp0, rbp0;
    uint64_t epoch;
    int max, n;   /* n: frames it wrote; -1: nothing recorded */
    int rbp_used; /* rbp0 mattered (an rbp-based CFA used it) */
    int tagged;   /* tag below was set for this walk */
    int nw;       /* words read; > LC_MEMO_WORDS: too many to record */
    uint32_t tag; /* the caller's word for this stack (its depot id) */
    uintptr_t addr[LC_MEMO_WORDS];
    uintptr_t val[LC_MEMO_WORDS];
};

/* A thread's memos: the last LC_MEMO_WAYS distinct walks, replaced in turn. */
struct lc_walk_memos {
    struct lc_walk_memo way[LC_MEMO_WAYS];
    int next; /* the way the next new walk goes to */
    int last; /* the way of the last walk (the one lc__walk_tag tags) */
};

int lc__memo_init(void);
/* The calling thread's memos, claimed on its first call and released when it
 * exits; NULL when none is left (1024 threads at once) or the thread is
 * past its exit destructors. */
struct lc_walk_memos *lc__memo_mine(void);

#endif
