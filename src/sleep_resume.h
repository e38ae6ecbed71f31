/* sleep_resume.h: sleep_resume.c's marks around signals of leakcheck's own to
 * the program's threads: _begin right before they are sent (a thread stop for
 * the reachability scan, a stack sample), _end once the threads are let go; a
 * sleep they cut short goes on for the time left. Any thread; not hook path. */
#ifndef LC_SLEEP_RESUME_H
#define LC_SLEEP_RESUME_H

void lc__sleep_signals_begin(void);
void lc__sleep_signals_end(void);
/* Read before a wait: lc__sleep_cut_by_us(that) is 1 when a wait that then
 * ended with EINTR was ended by leakcheck's signals (sleep_resume.c, and
 * wait_resume.c's waits). */
unsigned lc__sleep_signals_now(void);
int lc__sleep_cut_by_us(unsigned before);

#endif
