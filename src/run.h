/* run.h: the traced side of `leakcheck run` (run.c). */
#ifndef LC_RUN_H
#define LC_RUN_H

/* Called by the library constructor when LEAKCHECK_RUN_MODE is set: opens the
 * process scope in the process the tool started (or follows). */
void lc__run_start(void);

/* The final check and hand-off now, if the process scope is open and not
 * yet handed off (a sanitizer ending the process before the destructors). */
void lc__run_finish_now(void);

struct lc_buf;
/* The process's counters: the one place `leakcheck run` reads them (the
 * tracked blocks' plus, with --sample, the unsampled ones'). */
#include "leakcheck/core.h"
void lc__run_counters(lc_counters *c);
/* Pieces of the hand-off record (handoff.h), shared by the exit record and
 * the snapshots (run_live.c): the header lines up to "self", the module map,
 * and every live block grouped by stack (sites listed as reachable; 0, or -1
 * when out of memory). */
void lc__run_put_header(struct lc_buf *out);
void lc__run_put_modules(struct lc_buf *out);
int lc__run_put_live(struct lc_buf *out);

#endif
