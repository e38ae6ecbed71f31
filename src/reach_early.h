/* reach_early.h: the chunks glibc's main heap held before leakcheck tracked,
 * roots of the reachability scan (reach_early.c). Not on the hook path. */
#ifndef LC_REACH_EARLY_H
#define LC_REACH_EARLY_H

#include <stddef.h>
#include <stdint.h>

struct lc__rangev;

/* At most this many chunks are kept; those past it are counted. */
#define LC__EARLY_MAX 65536u

/* Walks the main heap once, before tracking starts (`leakcheck run`): every
 * chunk in use then is the program's, allocated before leakcheck saw it. */
void lc__reach_early_record(void);
/* Preloaded, at each test's start: the chunks in use then (glibc's free
 * lists left out) replace the list, roots of the test's single-run scan. */
void lc__reach_early_rerecord(void);
/* Hook path (a free of a block no table holds, while a test runs): a
 * recorded chunk freed since is no root. Returns its usable size when p was
 * a recorded chunk not freed before (a block from before the test), else 0. */
size_t lc__reach_early_freed(uintptr_t p);
/* `leakcheck run --cmocka`: p, a block untracked because leakcheck's own
 * repetition of a test made it, stays a root while in use. */
void lc__reach_early_keep(uintptr_t p);
/* How many chunks were kept; *dropped (may be NULL): in use, not kept. */
size_t lc__reach_early_count(size_t *dropped);
/* Pushes the recorded chunks still in use onto roots (maps: the scan's
 * /proc/self/maps), those whose words are all as recorded flagged
 * LC__R_PRETEST. Returns 0 / LEAKCHECK_ENOMEM. */
int lc__reach_early_roots(struct lc__rangev *roots, const struct lc__rangev *maps);
/* Two running sums (Fletcher's) over the words of [lo, hi), never 0: any
 * one word changed, and any two swapped, change it. Direct reads. */
uint64_t lc__words_sum(uintptr_t lo, uintptr_t hi);
/* 1 when p was the user address of a recorded chunk: a LC__R_PRETEST root's
 * word naming a block counts only then (reach.c). */
int lc__reach_early_was_block(uintptr_t p);

#endif
