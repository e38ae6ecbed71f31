/* thread_start.h: a new thread's start-up, run by a runtime that wraps
 * pthread_create (see thread_start.c). */
#ifndef LC_THREAD_START_H
#define LC_THREAD_START_H

#include <stddef.h>
#include <stdint.h>

/* lc__tls.startup: 0, or the thread may be in a wrapper's start-up code */
#define LC_STARTUP_INSIDE 1 /* a wrapper ahead of ours: between our trampoline and the routine */
#define LC_STARTUP_BEFORE 2 /* a wrapper behind ours: before our trampoline runs */

extern int lc__start_ahead;  /* some pthread_create wrapper calls ours */
extern int lc__start_behind; /* ours calls some wrapper before glibc's */

/* Once, from our pthread_create (guard up): next is the pthread_create it
 * calls. */
void lc__start_init(void *next);
/* Hook path, guard up, for a thread whose lc__tls.startup is set: 1 when the
 * calling allocation has nothing but the wrappers' and glibc's frames up to
 * our trampoline (or to the thread's first frame): the runtime's own block.
 * 0 when a frame of the program is there: start-up is over (startup cleared). */
int lc__start_runtime_only(void);

/* thread_start_syms.c: the ranges of the sanitizer runtime's functions in the
 * executable (symbol names), loaded once with load bias bias; how many. */
size_t lc__start_syms_load(uintptr_t bias);
/* Hook path: 1 when pc is in one of them. */
int lc__start_syms_has(uintptr_t pc);

#endif
