/* wait_resume.c: the waits any signal handler ends with EINTR (poll, ppoll,
 * select, pselect, epoll_wait, epoll_pwait, pause, sigsuspend, sigtimedwait,
 * sigwaitinfo, epoll_pwait2, System V's semtimedop, and _FORTIFY_SOURCE's __poll_chk and
 * __ppoll_chk), made again
 * for the time left when one of leakcheck's own handlers (the scan's thread
 * stop, a stack sample) ended them (sleep_resume.h), so that a program that
 * takes EINTR for a request to stop, or does not loop on it, runs as without
 * leakcheck. Calls libc's (dlsym RTLD_NEXT). Not on the hook path. */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <time.h>

#include "internal.h"
#include "sleep_resume.h"

#define LC_EXPORT __attribute__((visibility("default")))

/* ---- deadlines ---- */

static struct timespec now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static struct timespec plus(struct timespec a, struct timespec d) {
    a.tv_sec += d.tv_sec;
    a.tv_nsec += d.tv_nsec;
    if (a.tv_nsec >= 1000000000L) {
        a.tv_sec++;
        a.tv_nsec -= 1000000000L;
    }
    return a;
}

/* deadline - now, or {0, 0} once it has passed. */
static struct timespec left(struct timespec deadline) {
    struct timespec t = now(), r = {deadline.tv_sec - t.tv_sec, deadline.tv_nsec - t.tv_nsec};
    if (r.tv_nsec < 0) {
        r.tv_sec--;
        r.tv_nsec += 1000000000L;
    }
    if (r.tv_sec < 0)
        r.tv_sec = r.tv_nsec = 0;
    return r;
}

/* A positive timeout in milliseconds as a deadline (unused otherwise). */
static struct timespec ms_deadline(int ms) {
    if (ms <= 0)
        return (struct timespec){0, 0};
    return plus(now(), (struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L});
}

/* Milliseconds left, rounded up (a wait never ends before its deadline). */
static int left_ms(struct timespec deadline) {
    struct timespec r = left(deadline);
    long long ms = (long long)r.tv_sec * 1000 + (r.tv_nsec + 999999L) / 1000000L;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static int ours(int rc, unsigned before, int saved) { return lc__sleep_ours(rc, before, saved); }

/* ---- timeouts in milliseconds ---- */

typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
typedef int (*epoll_wait_fn)(int, struct epoll_event *, int, int);
typedef int (*epoll_pwait_fn)(int, struct epoll_event *, int, int, const sigset_t *);

LC_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout) {
    LC_RESUME_REAL(poll, poll_fn);
    struct timespec deadline = ms_deadline(timeout);
    int saved = errno, rc;
    for (unsigned before;; timeout = timeout > 0 ? left_ms(deadline) : timeout) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(fds, n, timeout), before, saved))
            return rc;
    }
}

LC_EXPORT int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout) {
    LC_RESUME_REAL(epoll_wait, epoll_wait_fn);
    struct timespec deadline = ms_deadline(timeout);
    int saved = errno, rc;
    for (unsigned before;; timeout = timeout > 0 ? left_ms(deadline) : timeout) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(ep, ev, max, timeout), before, saved))
            return rc;
    }
}

LC_EXPORT int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout,
                          const sigset_t *mask) {
    LC_RESUME_REAL(epoll_pwait, epoll_pwait_fn);
    struct timespec deadline = ms_deadline(timeout);
    int saved = errno, rc;
    for (unsigned before;; timeout = timeout > 0 ? left_ms(deadline) : timeout) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(ep, ev, max, timeout, mask), before, saved))
            return rc;
    }
}

/* ---- timeouts as timespec or timeval ---- */

typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
typedef int (*select_fn)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
typedef int (*pselect_fn)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
                          const sigset_t *);
typedef int (*sigtimedwait_fn)(const sigset_t *, siginfo_t *, const struct timespec *);

LC_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
                    const sigset_t *mask) {
    LC_RESUME_REAL(ppoll, ppoll_fn);
    struct timespec deadline = tmo ? plus(now(), *tmo) : (struct timespec){0, 0}, l;
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(fds, n, tmo, mask), before, saved))
            return rc;
        if (tmo)
            l = left(deadline), tmo = &l;
    }
}

/* On EINTR the sets are as they were (Linux); the timeout is taken from the
 * deadline again, and left in *tv as Linux leaves the time not slept. */
LC_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv) {
    LC_RESUME_REAL(select, select_fn);
    struct timespec deadline =
        tv ? plus(now(), (struct timespec){tv->tv_sec, tv->tv_usec * 1000L})
           : (struct timespec){0, 0};
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(n, r, w, x, tv), before, saved))
            return rc;
        if (tv) {
            struct timespec l = left(deadline);
            tv->tv_sec = l.tv_sec;
            tv->tv_usec = l.tv_nsec / 1000;
        }
    }
}

LC_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *x, const struct timespec *tmo,
                      const sigset_t *mask) {
    LC_RESUME_REAL(pselect, pselect_fn);
    struct timespec deadline = tmo ? plus(now(), *tmo) : (struct timespec){0, 0}, l;
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(n, r, w, x, tmo, mask), before, saved))
            return rc;
        if (tmo)
            l = left(deadline), tmo = &l;
    }
}

LC_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo) {
    LC_RESUME_REAL(sigtimedwait, sigtimedwait_fn);
    struct timespec deadline = tmo ? plus(now(), *tmo) : (struct timespec){0, 0}, l;
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(set, info, tmo), before, saved))
            return rc;
        if (tmo)
            l = left(deadline), tmo = &l;
    }
}

/* ---- no timeout ---- */

typedef int (*pause_fn)(void);
typedef int (*sigsuspend_fn)(const sigset_t *);
typedef int (*sigwaitinfo_fn)(const sigset_t *, siginfo_t *);

LC_EXPORT int pause(void) {
    LC_RESUME_REAL(pause, pause_fn);
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(), before, saved))
            return rc;
    }
}

LC_EXPORT int sigsuspend(const sigset_t *mask) {
    LC_RESUME_REAL(sigsuspend, sigsuspend_fn);
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(mask), before, saved))
            return rc;
    }
}

LC_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info) {
    LC_RESUME_REAL(sigwaitinfo, sigwaitinfo_fn);
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(set, info), before, saved))
            return rc;
    }
}

/* ---- _FORTIFY_SOURCE's entry points: glibc's call its poll internally ---- */

void __chk_fail(void) __attribute__((noreturn)); /* glibc's */

LC_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen) {
    if (fdslen / sizeof *fds < n)
        __chk_fail(); /* glibc's own check and its answer */
    return poll(fds, n, timeout);
}

LC_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo,
                          const sigset_t *mask, size_t fdslen) {
    if (fdslen / sizeof *fds < n)
        __chk_fail();
    return ppoll(fds, n, tmo, mask);
}

typedef int (*semtimedop_fn)(int, struct sembuf *, size_t, const struct timespec *);

LC_EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *tmo) {
    LC_RESUME_REAL(semtimedop, semtimedop_fn);
    struct timespec deadline = tmo ? plus(now(), *tmo) : (struct timespec){0, 0}, l;
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(id, ops, n, tmo), before, saved))
            return rc;
        if (tmo)
            l = left(deadline), tmo = &l;
    }
}

typedef int (*epoll_pwait2_fn)(int, struct epoll_event *, int, const struct timespec *,
                               const sigset_t *);

LC_EXPORT int epoll_pwait2(int ep, struct epoll_event *ev, int max, const struct timespec *tmo,
                           const sigset_t *mask) {
    LC_RESUME_REAL(epoll_pwait2, epoll_pwait2_fn);
    struct timespec deadline = tmo ? plus(now(), *tmo) : (struct timespec){0, 0}, l;
    int saved = errno, rc;
    for (unsigned before;;) {
        before = lc__sleep_signals_now();
        if (!ours(rc = real(ep, ev, max, tmo, mask), before, saved))
            return rc;
        if (tmo)
            l = left(deadline), tmo = &l;
    }
}
