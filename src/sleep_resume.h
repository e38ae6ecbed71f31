/* sleep_resume.h: sleep_resume.c's mark for a signal of leakcheck's own to the
 * program's threads. Call it right before the signal is sent (a thread stop
 * for the reachability scan, a stack sample): a sleep it cuts short goes on
 * for the time left. Any thread; not on the hook path. */
#ifndef LC_SLEEP_RESUME_H
#define LC_SLEEP_RESUME_H

void lc__sleep_signals_begin(void);

#endif
