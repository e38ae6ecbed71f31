/* run_live_signal.c: the snapshot signal. Its handler only wakes the helper
 * (lc__live_wake). Refused at start when the program already ignores or handles
 * it; sigaction, signal, sysv_signal, bsd_signal and sigset are interposed so a
 * handler the program installs later wins, with one line on stderr. Not on the
 * hook path. */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "run_live.h"

#define LC_EXPORT __attribute__((visibility("default")))

static int snap_sig;  /* 0: none */
static int active;    /* our handler is the one installed */

static void on_snapshot_signal(int sig) {
    (void)sig;
    int saved = errno;
    lc__live_wake();
    errno = saved;
}

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
static void *real_sigaction;

static int call_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    void *p = __atomic_load_n(&real_sigaction, __ATOMIC_RELAXED);
    sigaction_fn f = (sigaction_fn)(p ? p : lc__resolve_next(&real_sigaction, "sigaction"));
    if (!f) {
        errno = ENOSYS;
        return -1;
    }
    return f(sig, act, old);
}

/* One line, written without stdio (the program may be anywhere). */
static void say(const char *what) {
    char line[256], name[32];
    int n = snprintf(line, sizeof line, "leakcheck: run: %s %s: snapshots by signal are off "
                     "(the program's handler wins)\n",
                     lc__live_signal_name(snap_sig, name, sizeof name), what);
    if (n > 0 && write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
        return;
}

int lc__live_signal_install(int sig) {
    struct sigaction old, sa;
    snap_sig = sig;
    if (call_sigaction(sig, NULL, &old) != 0)
        return -1;
    if (old.sa_handler != SIG_DFL) {
        say(old.sa_handler == SIG_IGN ? "is ignored by the program"
                                      : "already has a handler in the program");
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_snapshot_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (call_sigaction(sig, &sa, NULL) != 0)
        return -1;
    __atomic_store_n(&active, 1, __ATOMIC_RELEASE);
    return 0;
}

int lc__live_signal_active(void) { return __atomic_load_n(&active, __ATOMIC_ACQUIRE); }

/* The program sets a disposition h for sig: if it is the snapshot signal,
 * the program's wins from now on (unless it puts ours back, as a program
 * that saved and restores every handler does). */
static void program_takes(int sig, sighandler_t h) {
    if (!sig || sig != snap_sig || h == on_snapshot_signal)
        return;
    if (__atomic_exchange_n(&active, 0, __ATOMIC_ACQ_REL))
        say(h == SIG_DFL   ? "was reset to its default action by the program"
            : h == SIG_IGN ? "is now ignored by the program"
                           : "is now handled by the program");
}

LC_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
    if (act && !lc__tls.guard)
        program_takes(sig, (act->sa_flags & SA_SIGINFO) ? (sighandler_t)(void (*)(void))
                                                              act->sa_sigaction
                                                        : act->sa_handler);
    return call_sigaction(sig, act, old);
}

typedef sighandler_t (*signal_fn)(int, sighandler_t);

static sighandler_t forward_signal(void **slot, const char *name, int sig, sighandler_t h) {
    void *p = __atomic_load_n(slot, __ATOMIC_RELAXED);
    signal_fn f = (signal_fn)(p ? p : lc__resolve_next(slot, name));
    if (!f) {
        errno = ENOSYS;
        return SIG_ERR;
    }
    if (!lc__tls.guard && h != SIG_ERR)
        program_takes(sig, h);
    return f(sig, h);
}

static void *real_signal, *real_sysv, *real_bsd, *real_sigset;

LC_EXPORT sighandler_t signal(int sig, sighandler_t h) {
    return forward_signal(&real_signal, "signal", sig, h);
}

LC_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h) {
    return forward_signal(&real_sysv, "sysv_signal", sig, h);
}

LC_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h) {
    return forward_signal(&real_bsd, "bsd_signal", sig, h);
}

LC_EXPORT sighandler_t sigset(int sig, sighandler_t h) {
    return forward_signal(&real_sigset, "sigset", sig, h);
}
