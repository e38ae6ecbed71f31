/* pretest_frees.h: blocks allocated before a test began and freed while it
 * runs (pretest_frees.c). Counted on the hook path, read by the engine and
 * the attribution pass, which take them off the test's live series. */
#ifndef LC_PRETEST_FREES_H
#define LC_PRETEST_FREES_H

#include <stdint.h>

/* Hook path: the calling thread, of class cls, freed a block made before the
 * test (bytes: its requested size when known, else the chunk's usable size). */
void lc__pretest_freed(int cls, uint64_t bytes);
/* Hook path: takes back one such free (realloc kept the block after all). */
void lc__pretest_unfreed(int cls, uint64_t bytes);
/* How many such frees of class cls, and their bytes, since the process
 * started (callers take differences). */
void lc__pretest_frees(int cls, int64_t *blocks, int64_t *bytes);

#endif
