/* own_frees.h: leakcheck's own small frees, held until a test's first run is
 * over (own_frees.c). */
#ifndef LC_OWN_FREES_H
#define LC_OWN_FREES_H

#include <stddef.h>

/* 1 when p (a block of leakcheck's own, zeroed, n usable bytes) is held, to
 * be freed by the next lc__own_frees_release; 0 when the caller frees it. */
int lc__own_free_hold(void *p, size_t n);
/* A test starts: from now on leakcheck's own small frees are held. */
void lc__own_frees_enable(void);
/* Frees every held block: the engine, once a test's first run is counted. */
void lc__own_frees_release(void);

#endif
