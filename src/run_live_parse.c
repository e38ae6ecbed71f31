/* run_live_parse.c: the values of leakcheck run's live options: the snapshot
 * signal (a name or a number, refused when the kernel, glibc or leakcheck
 * itself needs it) and sizes with KiB/MiB/GiB suffixes (--sample). Compiled
 * into the library and the tool, which checks them before anything runs.
 * Calls only string functions; not on the hook path. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reach.h"
#include "run_live.h"

const char *lc__live_signal_name(int sig, char *buf, size_t len) {
    const char *a = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
    if (a)
        snprintf(buf, len, "SIG%s", a);
    else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, len, "%d", sig);
    return buf;
}

/* The number for a name ("SIGUSR2", "USR2", "RTMIN+3") or a number; 0 if none. */
static int signal_number(const char *s) {
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    char *end;
    long v = strtol(s, &end, 10);
    if (end != s && !*end)
        return v > 0 && v < NSIG ? (int)v : 0;
    if (!strncasecmp(s, "RTMIN", 5)) {
        long k = s[5] == '+' ? strtol(s + 6, &end, 10) : 0;
        if ((s[5] && s[5] != '+') || (s[5] == '+' && (end == s + 6 || *end)))
            return 0;
        return SIGRTMIN + k <= SIGRTMAX ? SIGRTMIN + (int)k : 0;
    }
    for (int i = 1; i < SIGRTMIN; i++) {
        const char *a = sigabbrev_np(i);
        if (a && !strcasecmp(a, s))
            return i;
    }
    return 0;
}

/* Why sig cannot carry snapshots, or NULL. */
static const char *reserved(int sig, int stack_signal) {
    switch (sig) {
    case SIGKILL:
    case SIGSTOP:
        return "cannot be caught";
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
        return "reports a fault or an abort";
    case SIGCHLD:
        return "reports child processes";
    default:
        break;
    }
    if (sig < SIGRTMIN && !sigabbrev_np(sig))
        return "is reserved by glibc";
    if (sig == SIGRTMIN + LC_REACH_SIGNAL_OFFSET)
        return "is leakcheck's own (it stops threads for the exit check)";
    if (sig == stack_signal)
        return "is leakcheck's own (LEAKCHECK_STACK_SIGNAL)";
    return NULL;
}

int lc__live_parse_signal(const char *s, int stack_signal, int *sig, char *err, size_t len) {
    int n = s && *s ? signal_number(s) : 0;
    if (!n) {
        snprintf(err, len, "leakcheck: LEAKCHECK_SNAPSHOT_SIGNAL='%s' is not a signal (a name "
                 "such as SIGUSR2, or a number)", s ? s : "");
        return -1;
    }
    const char *why = reserved(n, stack_signal);
    if (why) {
        char name[32];
        snprintf(err, len, "leakcheck: LEAKCHECK_SNAPSHOT_SIGNAL: %s %s; use another (such as "
                 "SIGUSR2)", lc__live_signal_name(n, name, sizeof name), why);
        return -1;
    }
    *sig = n;
    return 0;
}

int lc__live_parse_size(const char *s, uint64_t *out, char *err, size_t len) {
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0}, {"B", 0}, {"KiB", 10}, {"K", 10}, {"MiB", 20}, {"M", 20},
                 {"GiB", 30}, {"G", 30}};
    char *end;
    unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
    if (s && *s >= '0' && *s <= '9')
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (!strcasecmp(end, units[i].suffix) && v <= (1ull << 40) >> units[i].shift) {
                *out = (uint64_t)v << units[i].shift;
                return 0;
            }
    snprintf(err, len, "leakcheck: LEAKCHECK_SAMPLE='%s' is not a size (bytes, or a number "
             "with KiB, MiB or GiB, at most 1 TiB; 0: off)", s ? s : "");
    return -1;
}
