/* sleep_resume.h: whether leakcheck's own signals (the reachability scan's
 * thread stop, a stack sample, whose handlers count themselves in the
 * thread's lc__tls.own_signals) ended a wait of this thread: sleep_resume.c's
 * sleeps and wait_resume.c's waits then go on for the time left. Any thread;
 * not on the hook path. */
#ifndef LC_SLEEP_RESUME_H
#define LC_SLEEP_RESUME_H

/* Read before a wait; lc__sleep_cut_by_us(that) is 1 when a wait that then
 * ended with EINTR was ended by one of leakcheck's handlers. */
unsigned lc__sleep_signals_now(void);
int lc__sleep_cut_by_us(unsigned before);
/* 1 when rc and errno are an EINTR leakcheck's signals caused since before:
 * errno is then put back to saved, and the caller makes its call again. */
int lc__sleep_ours(long rc, unsigned before, int saved);

/* In a wrapper's body: `real`, libc's function of that name (dlsym
 * RTLD_NEXT, resolved once); the wrapper fails with ENOSYS without it. */
#define LC_RESUME_REAL(name, type)                                                       \
    static type real;                                                                    \
    if (LC_UNLIKELY(!real))                                                              \
        real = (type)dlsym(RTLD_NEXT, #name);                                            \
    if (LC_UNLIKELY(!real)) {                                                            \
        errno = ENOSYS;                                                                  \
        return -1;                                                                       \
    }

#endif
