/* sleep_resume.h: sleep_resume.c's marks around signals of leakcheck's own to
 * the program's threads: _begin right before they are sent (a thread stop for
 * the reachability scan, a stack sample), _end once the threads are let go; a
 * sleep they cut short goes on for the time left. Any thread; not hook path. */
#ifndef LC_SLEEP_RESUME_H
#define LC_SLEEP_RESUME_H

void lc__sleep_signals_begin(void);
void lc__sleep_signals_end(void);

#endif
