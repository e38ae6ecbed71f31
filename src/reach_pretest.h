/* reach_pretest.h: the process scope's blocks at a test's start under
 * `leakcheck run --cmocka`, with sums of their words (reach_pretest.c), for
 * the single run's scan (reach.c). Not on the hook path. */
#ifndef LC_REACH_PRETEST_H
#define LC_REACH_PRETEST_H

#include <stdint.h>

/* At a test's start, before its scope: every tracked block (all the process
 * scope's then), summed up to 64 KiB a block and 4 MiB in all; no list when
 * more than 65,536 are live (the rule below is then off). Guard up. */
void lc__reach_pretest_record(void);
/* 1 when the list of the current test's start is complete. */
int lc__reach_pretest_ready(void);
/* 1 when p was a listed block's address. */
int lc__reach_pretest_was_block(uintptr_t p);
/* 1 when the block at p, of this size, was listed and summed and its words
 * are all as they were. Direct reads: every other thread stopped. */
int lc__reach_pretest_unchanged(uintptr_t p, uint64_t size);

#endif
