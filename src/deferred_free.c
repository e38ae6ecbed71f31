/* deferred_free.c: frees the program handed to deferred reclamation, done
 * before an iteration is counted. liburcu's call_rcu queues a callback that
 * its worker thread runs after a grace period, batching 10 ms apart: a test
 * that retires one object per run through it (bind9's databases) otherwise
 * grows by what is still queued. rcu_barrier() of every liburcu flavor the
 * process has loaded waits for exactly those callbacks (it returns at once
 * when none is queued). Called by engine.c between iterations, never on the
 * hook path; the barrier's own allocations pass through untracked. */
#include <dlfcn.h>
#include <unistd.h>

#include "engine.h"
#include "internal.h"
#include "options.h"

/* liburcu 0.13's names, then the older ones (0.10..0.12) of the same flavor. */
static const char *const barrier_names[][2] = {
    {"urcu_memb_barrier", "rcu_barrier_memb"}, {"urcu_mb_barrier", "rcu_barrier_mb"},
    {"urcu_signal_barrier", "rcu_barrier_sig"}, {"urcu_qsbr_barrier", "rcu_barrier_qsbr"},
    {"urcu_bp_barrier", "rcu_barrier_bp"},
};
#define NFLAVORS (sizeof barrier_names / sizeof barrier_names[0])

static void (*barriers[NFLAVORS])(void);
static pid_t resolved_in; /* a forked child has no call_rcu worker to wait for */

void lc__deferred_resolve(void) {
    lc__guard_enter(); /* a failing dlsym allocates */
    for (size_t i = 0; i < NFLAVORS; i++) {
        void *f = dlsym(RTLD_DEFAULT, barrier_names[i][0]);
        if (!f)
            f = dlsym(RTLD_DEFAULT, barrier_names[i][1]);
        barriers[i] = (void (*)(void))f;
    }
    resolved_in = getpid();
    lc__guard_leave();
}

void lc__deferred_drain(void) {
    if (!lc__opts()->rcu_barrier || resolved_in != getpid())
        return;
    lc__guard_enter();
    for (size_t i = 0; i < NFLAVORS; i++)
        if (barriers[i])
            barriers[i]();
    lc__guard_leave();
}
