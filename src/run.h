/* run.h: the traced side of `leakcheck run` (run.c). */
#ifndef LC_RUN_H
#define LC_RUN_H

/* Called by the library constructor when LEAKCHECK_RUN_MODE is set: opens the
 * process scope in the process the tool started (or follows). */
void lc__run_start(void);

#endif
