/* run.h: the whole-process mode of `leakcheck run` (run.c). Not on the hook
 * path. */
#ifndef LC_RUN_H
#define LC_RUN_H

/* Opens the process's one scope; called by the library's constructor when
 * LEAKCHECK_RUN_MODE is set. */
void lc__run_start(void);

#endif
