/* reach_fault.c: fault-tolerant reads for the reachability scan while some
 * thread could not be stopped: that thread may unmap memory the scan reads (its
 * own stack as it exits, a large block it frees). SIGSEGV/SIGBUS handlers,
 * installed only for such a scan, turn a fault in lc__safe_copy into a short
 * copy. Called under reach.c's lock; not on the hook path. */
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "internal.h"
#include "reach_impl.h"

#define LC__PAGE 4096u

/* In scratch memory, never a root: it holds register values of the scan. */
static sigjmp_buf *env;
static volatile int armed;  /* a copy is running on guard_tid */
static int guard_tid;
static struct sigaction old_segv, old_bus;
static int on;

/* A fault of another thread, or outside a copy, is not ours: the previous
 * handler takes it (the default one by returning, so the access faults again). */
static void on_fault(int sig, siginfo_t *si, void *uc) {
    if (armed && lc__gettid() == guard_tid)
        siglongjmp(*env, 1);
    struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        old->sa_sigaction(sig, si, uc);
    } else if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_IGN &&
               old->sa_handler != SIG_DFL) {
        old->sa_handler(sig);
    } else {
        sigaction(sig, old, NULL);
    }
}

int lc__fault_guard_on(void) {
    if (on)
        return 0;
    env = lc__rmap(sizeof *env);
    if (!env)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER; /* siglongjmp leaves the mask as it was */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &old_segv) != 0) {
        lc__runmap(env, sizeof *env);
        return -1;
    }
    if (sigaction(SIGBUS, &sa, &old_bus) != 0) {
        sigaction(SIGSEGV, &old_segv, NULL);
        lc__runmap(env, sizeof *env);
        return -1;
    }
    guard_tid = lc__gettid();
    on = 1;
    return 0;
}

void lc__fault_guard_off(void) {
    if (!on)
        return;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    lc__runmap(env, sizeof *env);
    on = 0;
}

/* Not memcpy: under ASan that is its interceptor, which checks the program's
 * memory and aborted the scan on a global's redzone (global-buffer-overflow in
 * descriptor_tid, seen about 1 run in 50 of the ASan pattern suite under
 * load). Volatile reads: the loop is not turned back into a memcpy call. */
static void raw_copy(char *d, uintptr_t s, size_t n) {
    size_t i = 0;
    if ((s | (uintptr_t)d) % sizeof(uintptr_t) == 0)
        for (; i + sizeof(uintptr_t) <= n; i += sizeof(uintptr_t))
            *(uintptr_t *)(d + i) = *(const volatile uintptr_t *)(s + i);
    for (; i < n; i++)
        d[i] = *(const volatile char *)(s + i);
}

size_t lc__safe_copy(void *dst, uintptr_t src, size_t n) {
    volatile size_t done = 0;
    if (sigsetjmp(*env, 0) != 0) {
        armed = 0;
        return done;
    }
    armed = 1;
    while (done < n) {
        size_t in_page = LC__PAGE - (size_t)((src + done) % LC__PAGE);
        size_t chunk = n - done < in_page ? n - done : in_page;
        raw_copy((char *)dst + done, src + done, chunk);
        done += chunk;
    }
    armed = 0;
    return done;
}

int lc__read_word(uintptr_t a, uintptr_t *out) {
    if (!on) {
        *out = *(const uintptr_t *)a;
        return 1;
    }
    return lc__safe_copy(out, a, sizeof *out) == sizeof *out;
}
