/* scope.c: the framework-neutral scope API (lc_scope_*), library start-up
 * (options, fork handlers) and the survivors' grouping by stack and iteration.
 * Not on the hook path: called by a harness between iterations. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd_spare.h"
#include "glib_slice.h"
#include "internal.h"
#include "options.h"
#include "report.h"
#include "run.h"
#include "sanitizer.h"
#include "thread_registry.h"

static struct lc_options_values opts;
static int opts_loaded;
static int init_done;

const struct lc_options_values *lc__opts(void) { return &opts; }

const char *lc_version(void) { return LEAKCHECK_VERSION_STRING; }

const char *lc_strerror(int err) {
    switch (err) {
    case LEAKCHECK_OK: return "success";
#define LC_XX_STR(name, value, text)                                                     \
    case LEAKCHECK_E##name: return text;
        LEAKCHECK_ERRNO_MAP(LC_XX_STR)
#undef LC_XX_STR
    }
    return "unknown error";
}

int lc__options_load(void) {
    char err[512];
    if (opts_loaded)
        return 0;
    if (lc__options_from_env(&opts, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    opts_loaded = 1;
    return 0;
}

/* fork: hold every lock of ours across fork so the child never inherits one
 * mid-update. glibc takes its arena locks after these handlers run. The child
 * stops tracking and, not being owner_pid, never writes the parent's reports. */
static void fork_prepare(void) {
    lc__guard_enter();
    lc__registry_lock();
    lc__threads_lock();
    lc__stacks_lock();
    lc__table_lock_all();
}
static void fork_parent(void) {
    lc__table_unlock_all();
    lc__stacks_unlock();
    lc__threads_unlock();
    lc__registry_unlock();
    lc__guard_leave();
}
static void fork_child(void) {
    lc__table_unlock_all();
    lc__stacks_unlock();
    lc__threads_unlock();
    lc__registry_unlock();
    __atomic_store_n(&lc__st.tracking, 0, __ATOMIC_RELAXED);
    lc__guard_leave();
}

int lc__init(void) {
    if (init_done)
        return 0;
    int rc;
    lc__guard_enter();
    if ((rc = lc__table_init()) || (rc = lc__stacks_init()) || (rc = lc__threads_init()) ||
        (rc = lc__registry_init())) {
        lc__guard_leave();
        return rc;
    }
    init_done = 1;
    lc__guard_leave();
    return 0;
}

__attribute__((constructor(101))) static void lc_ctor(void) {
    lc__guard_enter();
    lc__st.owner_pid = getpid();
    if (lc__options_load())
        _exit(2); /* a bad option: stop before anything runs */
    lc__glib_slice_restart(opts.cmocka); /* GLib's slices as mallocs (glib_slice.c) */
    lc__owner_claim(&opts); /* an exec'd descendant never writes its parent's reports */
    lc__fd_spare_init(); /* an fd for reading /proc at the program's open-file limit */
    char err[1024];
    if (lc__suppressions_load(opts.suppressions, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        _exit(2);
    }
    lc__st.depth = (int)opts.stack_depth;
    lc__st.stacks = opts.stacks;
    lc__st.stacks_allowed = opts.stacks;
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    lc__guard_leave();
    /* whose malloc: decided before any test, outside any allocation-free
     * region or scope of the program's */
    if (lc__init() == 0)
        lc__sanitizer_init();
    if (opts.run_mode)
        lc__run_start();
}

/* The process scope's settings while a harness scope is nested in it. */
static struct {
    int stacks, depth, all_threads;
} outer_saved;

static void scope_configure(const lc_scope_config *cfg) {
    lc__st.stacks = cfg && cfg->stacks >= 0 ? cfg->stacks : opts.stacks;
    lc__st.depth = cfg && cfg->depth > 0 ? cfg->depth : (int)opts.stack_depth;
    if (lc__st.depth > LC_MAX_DEPTH)
        lc__st.depth = LC_MAX_DEPTH;
    lc__st.all_threads = cfg ? cfg->all_threads : 0;
    /* nested in `leakcheck run`, every block may end up in the process
     * report at exit: it needs its stack even in counting iterations */
    if (lc__st.nested && lc__st.stacks_allowed)
        lc__st.stacks = 1;
}

/* A new generation: fresh counters, iteration 0, a new peak window. */
static void scope_new_generation(void) {
    uint32_t gen = __atomic_add_fetch(&lc__st.gen, 1, __ATOMIC_ACQ_REL);
    lc__slots_reset_shared(gen);
    __atomic_store_n(&lc__st.iteration, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&lc__st.peak_epoch, 1, __ATOMIC_RELAXED);
    lc__tls.attrib_gen = gen;
}

int lc_scope_begin(const lc_scope_config *cfg) {
    if (lc_scope_active())
        return LEAKCHECK_EBUSY;
    int rc = lc__init();
    if (rc)
        return rc;
    if (lc__malloc_unobserved())
        return LEAKCHECK_EUNOBSERVED; /* counters would read 0: a lie */
    lc__guard_enter();
    if (lc__st.outer) { /* a test inside `leakcheck run`: nest, keep the records */
        outer_saved.stacks = lc__st.stacks;
        outer_saved.depth = lc__st.depth;
        outer_saved.all_threads = lc__st.all_threads;
        __atomic_store_n(&lc__st.nested, 1, __ATOMIC_RELEASE);
    }
    scope_configure(cfg);
    /* libunwind's first trace on a thread sets up per-thread state (and may
     * allocate): do it now, with the guard up, not inside a measured call */
    if (lc__st.stacks)
        lc__stack_capture(1);
    scope_new_generation();
    __atomic_store_n(&lc__st.tracking, 1, __ATOMIC_RELEASE);
    lc__guard_leave();
    return 0;
}

static uint32_t process_gen;

int lc__scope_begin_process(void) {
    lc_scope_config cfg = {.stacks = -1, .depth = 0, .all_threads = 1};
    int rc = lc_scope_begin(&cfg);
    if (rc == 0) {
        lc__st.outer = 1;
        process_gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    }
    return rc;
}

uint32_t lc__scope_process_gen(void) { return lc__st.outer ? process_gen : 0; }

void lc__scope_end_process(void) {
    lc__st.outer = 0;
    lc__st.nested = 0;
    lc_scope_end();
}

void lc_scope_iteration(unsigned iteration) {
    __atomic_store_n(&lc__st.iteration, iteration > LC_MAX_ITER ? LC_MAX_ITER : iteration,
                     __ATOMIC_RELAXED);
}

void lc_scope_peak_reset(void) { __atomic_add_fetch(&lc__st.peak_epoch, 1, __ATOMIC_RELAXED); }

void lc_scope_set_stacks(int on) {
    lc__st.stacks = (on || lc__st.nested) && lc__st.stacks_allowed;
}

/* The process scope of `leakcheck run` alone is invisible to harnesses: they
 * see no scope and nest theirs in it. */
int lc_scope_active(void) {
    return __atomic_load_n(&lc__st.tracking, __ATOMIC_ACQUIRE) &&
           !(lc__st.outer && !__atomic_load_n(&lc__st.nested, __ATOMIC_ACQUIRE));
}

void lc_scope_counters(lc_counters *out, int cls) {
    if (!lc_scope_active()) {
        memset(out, 0, sizeof *out);
        return;
    }
    lc__counters_sum(out, cls, __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE));
}

/* Ends a scope nested in the process scope: its blocks stay tracked (the
 * process report at exit sees what it left), and the process scope's
 * settings come back with a new generation. */
static void scope_end_nested(void) {
    lc__guard_enter();
    __atomic_store_n(&lc__st.nested, 0, __ATOMIC_RELEASE);
    /* Only blocks the nested scope left carry its mark, and its counters
     * count exactly those (a process block freed meanwhile is not counted):
     * none left, no table to scan. Scanning every table at every test's end
     * was 40% of `leakcheck run --cmocka` on capstone's cstest, whose process
     * table holds every parsed test case and whose tests free all they
     * allocate. */
    lc_counters c;
    lc__counters_sum(&c, LEAKCHECK_ALL, __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE));
    if (c.allocs != c.frees)
        lc__table_demote();
    lc__st.stacks = outer_saved.stacks;
    lc__st.depth = outer_saved.depth;
    lc__st.all_threads = outer_saved.all_threads;
    scope_new_generation();
    lc__guard_leave();
}

void lc_scope_end(void) {
    if (!lc_scope_active())
        return;
    if (lc__st.nested) {
        scope_end_nested();
        return;
    }
    lc__guard_enter();
    __atomic_store_n(&lc__st.tracking, 0, __ATOMIC_RELEASE);
    /* In-flight inserts that read the old generation fail under the shard lock. */
    __atomic_add_fetch(&lc__st.gen, 1, __ATOMIC_ACQ_REL);
    lc__table_clear();
    lc__tls.attrib_gen = 0;
    lc__guard_leave();
}

/* ---- survivors ---- */

struct collect {
    struct lc_rec_info *recs;
    size_t n, cap;
    int oom;
};

static void collect_one(const struct lc_rec_info *r, void *arg) {
    struct collect *c = arg;
    if (lc__st.nested && !r->inner)
        return; /* the process scope's, not the nested test's */
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        struct lc_rec_info *nr = lc__xrealloc(c->recs, ncap * sizeof *nr);
        if (!nr) {
            c->oom = 1;
            return;
        }
        c->recs = nr;
        c->cap = ncap;
    }
    c->recs[c->n++] = *r;
}

static int site_cmp(const void *a, const void *b) {
    const lc_site *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    if (x->blocks != y->blocks)
        return x->blocks > y->blocks ? -1 : 1;
    return x->stack < y->stack ? -1 : x->stack > y->stack;
}

int lc_scope_survivors(lc_survivors **out) {
    *out = NULL;
    if (!lc_scope_active())
        return LEAKCHECK_ENOSCOPE;
    lc__guard_enter();
    struct collect c = {0};
    lc__table_foreach(collect_one, &c);
    int rc = LEAKCHECK_ENOMEM;
    lc_survivors *s = lc__xcalloc(1, sizeof *s);
    if (c.oom || !s)
        goto fail;
    unsigned niter = 0;
    for (size_t i = 0; i < c.n; i++)
        if (c.recs[i].iteration + 1 > niter)
            niter = c.recs[i].iteration + 1;
    s->niter = niter;
    /* group by (stack, class) with an open-addressing map of site indexes */
    size_t mapcap = 64;
    while (mapcap < c.n * 2)
        mapcap *= 2;
    uint32_t *map = lc__xcalloc(mapcap, sizeof *map);
    lc_site *sites = lc__xcalloc(c.n ? c.n : 1, sizeof *sites);
    uint64_t *vec = lc__xcalloc((c.n ? c.n : 1) * (size_t)(niter ? niter : 1) * 2, sizeof *vec);
    if (!map || !sites || !vec) {
        lc__xfree(map);
        lc__xfree(sites);
        lc__xfree(vec);
        goto fail;
    }
    size_t nsites = 0;
    for (size_t i = 0; i < c.n; i++) {
        const struct lc_rec_info *r = &c.recs[i];
        uint64_t key = ((uint64_t)r->stack << 1) | (uint64_t)r->cls;
        size_t j = (key * 0x9e3779b97f4a7c15ull >> 20) & (mapcap - 1);
        lc_site *site = NULL;
        while (map[j]) {
            lc_site *cand = &sites[map[j] - 1];
            if (cand->stack == r->stack && cand->cls == r->cls) {
                site = cand;
                break;
            }
            j = (j + 1) & (mapcap - 1);
        }
        if (!site) {
            site = &sites[nsites];
            site->stack = r->stack;
            site->cls = r->cls;
            site->iter_blocks = vec + nsites * (size_t)niter * 2;
            site->iter_bytes = site->iter_blocks + niter;
            map[j] = (uint32_t)++nsites;
        }
        site->blocks++;
        site->bytes += r->size;
        site->iter_blocks[r->iteration]++;
        site->iter_bytes[r->iteration] += r->size;
        s->blocks++;
        s->bytes += r->size;
    }
    lc__xfree(map);
    /* sorting moves sites, whose vectors point into vec: that stays valid */
    qsort(sites, nsites, sizeof *sites, site_cmp);
    s->sites = sites;
    s->nsites = nsites;
    s->internal_ = vec;
    lc__xfree(c.recs);
    lc__guard_leave();
    *out = s;
    return 0;
fail:
    lc__xfree(c.recs);
    lc__xfree(s);
    lc__guard_leave();
    return rc;
}

void lc_survivors_free(lc_survivors *s) {
    if (!s)
        return;
    lc__xfree(s->internal_);
    lc__xfree(s->sites);
    lc__xfree(s);
}

void lc_tracker_memory(uint64_t *table_bytes, uint64_t *depot_bytes) {
    if (table_bytes)
        *table_bytes = lc__table_bytes();
    if (depot_bytes)
        *depot_bytes = lc__stacks_bytes();
}
