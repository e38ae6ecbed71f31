/* sleep_resume.c: sleep, usleep, nanosleep and clock_nanosleep resumed for the
 * time left when a signal of leakcheck's own (the reachability scan stopping
 * threads, a leaked thread's stack sampled) cut them short, as a sleeping
 * thread never notices without leakcheck. Those signals' handlers count
 * themselves in the thread's lc__tls.own_signals. Calls libc's (dlsym
 * RTLD_NEXT). Not on the hook path. */
#include <dlfcn.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sleep_resume.h"

#define LC_EXPORT __attribute__((visibility("default")))

/* A wait of this thread that ended with EINTR was ended by one of
 * leakcheck's handlers when the thread's count moved while it waited (one
 * of the program's arriving in the same wait is then taken for ours too). */
unsigned lc__sleep_signals_now(void) {
    return __atomic_load_n(&lc__tls.own_signals, __ATOMIC_RELAXED);
}

int lc__sleep_cut_by_us(unsigned before) { return lc__sleep_signals_now() != before; }

int lc__sleep_ours(long rc, unsigned before, int saved) {
    if (rc != -1 || errno != EINTR || !lc__sleep_cut_by_us(before))
        return 0;
    errno = saved;
    return 1;
}

static unsigned signals_now(void) { return lc__sleep_signals_now(); }
static int cut_by_us(unsigned before) { return lc__sleep_cut_by_us(before); }

typedef int (*nanosleep_fn)(const struct timespec *, struct timespec *);
typedef int (*clock_nanosleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);

static nanosleep_fn real_nanosleep(void) {
    static nanosleep_fn real;
    if (!real)
        real = (nanosleep_fn)dlsym(RTLD_NEXT, "nanosleep");
    return real;
}

/* A relative sleep of *req, resumed while leakcheck's signals cut it short. */
static int sleep_for(const struct timespec *req, struct timespec *rem) {
    nanosleep_fn real = real_nanosleep();
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    struct timespec left = *req, r = {0, 0};
    int saved = errno;
    for (;;) {
        unsigned before = signals_now();
        int rc = real(&left, &r);
        if (rc == 0 || errno != EINTR || !cut_by_us(before)) {
            if (rc != 0 && rem)
                *rem = r;
            return rc;
        }
        errno = saved; /* leakcheck's signal: the rest of it, as if never cut */
        left = r;
    }
}

LC_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem) {
    if (!req) { /* libc's own answer (EFAULT) */
        nanosleep_fn real = real_nanosleep();
        return real ? real(req, rem) : (errno = ENOSYS, -1);
    }
    return sleep_for(req, rem);
}

LC_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                              struct timespec *rem) {
    static clock_nanosleep_fn real;
    if (!real)
        real = (clock_nanosleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
    if (!real)
        return ENOSYS;
    if (!req)
        return real(clock, flags, req, rem);
    struct timespec left = *req, r = {0, 0};
    for (;;) {
        unsigned before = signals_now();
        int rc = real(clock, flags, &left, &r); /* an error number, errno untouched */
        if (rc != EINTR || !cut_by_us(before)) {
            if (rc == EINTR && rem && !(flags & TIMER_ABSTIME))
                *rem = r;
            return rc;
        }
        if (!(flags & TIMER_ABSTIME))
            left = r; /* an absolute deadline stays what it was */
    }
}

/* glibc's sleep and usleep call its nanosleep internally, out of reach of
 * interposition: both are rebuilt on sleep_for with their own results. */
LC_EXPORT unsigned int sleep(unsigned int seconds) {
    struct timespec req = {(time_t)seconds, 0}, rem = {0, 0};
    if (sleep_for(&req, &rem) == 0)
        return 0;
    return (unsigned int)rem.tv_sec + (rem.tv_nsec >= 500000000L);
}

LC_EXPORT int usleep(useconds_t usec) {
    struct timespec req = {(time_t)(usec / 1000000), (long)(usec % 1000000) * 1000};
    return sleep_for(&req, NULL);
}
