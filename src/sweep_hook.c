/* sweep_hook.c: the fail sweep's part of the hook path. While recording it
 * appends each attributed allocation call's stack id to a log (mmap, atomic
 * index, no lock); in a sweep child it fails the first call whose stack is
 * the site's, and in persistent mode every later one. hooks.c calls it only
 * on the tracked path, behind one branch on lc__sweep_on. Hook path: no
 * allocation, no lock, no stdio. */
#include <string.h>

/* Why a site is matched by its stack id and not by a countdown of calls (the
 * design's first sketch): the child captures every stack anyway, to name what
 * leaks, and a call index shifts when threads interleave or the test's
 * allocations depend on data, while the stack names the same call. (Calls
 * are still counted: the recording's log is indexed by them.) */

#include "internal.h"
#include "sweep.h"

#define LOG_CAP (1u << 20) /* calls recorded per run; more are counted, not kept */

int lc__sweep_on;

static struct {
    int failing;        /* 0: recording, 1: failing */
    uint32_t *log;      /* recording: stack id per call */
    size_t calls;       /* calls seen (atomic) */
    uint32_t site;      /* failing: the site's stack */
    int persistent;
    int fired;          /* the site's call failed (atomic) */
    size_t fired_index;
} sw;

/* realloc counted its own call: the record it makes is not a second call */
static __thread int realloc_counted __attribute__((tls_model("initial-exec")));

LC_HOOK_TEXT int lc__sweep_call(uint32_t sid) {
    if (realloc_counted)
        return 0;
    size_t i = __atomic_fetch_add(&sw.calls, 1, __ATOMIC_RELAXED);
    if (!sw.failing) {
        if (i < LOG_CAP && sw.log)
            sw.log[i] = sid;
        return 0;
    }
    if (__atomic_load_n(&sw.fired, __ATOMIC_ACQUIRE))
        return sw.persistent;
    if (sid == 0 || sid != sw.site)
        return 0;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&sw.fired, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return sw.persistent; /* another thread's call at the site came first */
    sw.fired_index = i;
    return 1;
}

LC_HOOK_TEXT int lc__sweep_realloc(void) {
    struct lc_tls *t = &lc__tls;
    if (t->guard)
        return 0;
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    if (!lc__thread_attributed(gen))
        return 0;
    int saved = errno;
    t->guard++;
    uint32_t sid = lc__st.stacks ? lc__stack_capture(lc__st.depth) : 0;
    int fail = lc__sweep_call(sid);
    t->guard--;
    errno = saved;
    realloc_counted = !fail;
    return fail;
}

LC_HOOK_TEXT void lc__sweep_realloc_done(void) { realloc_counted = 0; }

void lc__sweep_record_begin(void) {
    if (!sw.log)
        sw.log = lc__reserve(LOG_CAP * sizeof(uint32_t));
    sw.failing = 0;
    __atomic_store_n(&sw.calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lc__sweep_on, 1, __ATOMIC_RELEASE);
}

const uint32_t *lc__sweep_record_end(size_t *n, size_t *lost) {
    __atomic_store_n(&lc__sweep_on, 0, __ATOMIC_RELEASE);
    size_t c = __atomic_load_n(&sw.calls, __ATOMIC_ACQUIRE);
    *n = c < LOG_CAP ? c : LOG_CAP;
    *lost = c - *n;
    return sw.log;
}

void lc__sweep_fail_begin(uint32_t site, int persistent) {
    sw.failing = 1;
    sw.site = site;
    sw.persistent = persistent;
    sw.fired = 0;
    sw.fired_index = 0;
    __atomic_store_n(&sw.calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lc__sweep_on, 1, __ATOMIC_RELEASE);
}

void lc__sweep_fail_end(int *fired, size_t *index, size_t *calls) {
    __atomic_store_n(&lc__sweep_on, 0, __ATOMIC_RELEASE);
    *fired = __atomic_load_n(&sw.fired, __ATOMIC_ACQUIRE);
    *index = sw.fired_index;
    *calls = __atomic_load_n(&sw.calls, __ATOMIC_ACQUIRE);
}
