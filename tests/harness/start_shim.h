/* start_shim.h: the test side of start_shim.c, a pthread_create wrapper that
 * allocates on each new thread before the program's start routine. */
#ifndef START_SHIM_H
#define START_SHIM_H

#define START_SHIM_KEEP 0 /* start-up blocks are kept until start_shim_release */
#define START_SHIM_HOLD 1 /* each thread waits in its start-up, holding its blocks */

void start_shim_mode(int mode);
/* Frees the kept start-up blocks. */
void start_shim_release(void);
/* Returns once n threads in all are held in their start-up (HOLD). */
void start_shim_wait_holding(unsigned n);
/* Lets the first n held threads go on (they free their blocks, then run the
 * program's routine). */
void start_shim_let_go(unsigned n);

#endif
