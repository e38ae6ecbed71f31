/* hooks.c: the malloc family entry points. This is the hook path.
 *
 * Rules (see ../shared/FACTS.md, "pitfalls"):
 *  - Outside a scope each hook is glibc's __libc_* call plus one predictable
 *    branch on lc__st.tracking.
 *  - No global lock: each thread has its own block table and counters, both
 *    written without a lock or an atomic read-modify-write; freeing another
 *    thread's block locks only that thread's table (table.c).
 *  - Nothing here allocates through the tracked heap (tracker memory is mmap),
 *    calls stdio or getenv, or symbolizes.
 *  - A thread-local guard (initial-exec TLS: no __tls_get_addr, which would
 *    malloc) makes every allocation leakcheck itself causes a pass-through.
 *  - errno is preserved by free and by the bookkeeping.
 *  - The fail sweep (sweep_hook.c) is one predictable branch on lc__sweeping()
 *    in on_alloc and realloc, on the tracked path only.
 *  - Allocation-free regions (bench.c) cost nothing on the fast path: the
 *    thread's noalloc flag is read in on_alloc, which runs only while tracking
 *    is on; the first violation's stack is captured there even when stacks
 *    are off (unless LEAKCHECK_STACKS=0), the later ones are only counted.
 *  - A thread that may still run a pthread_create wrapper's start-up code
 *    (lc__tls.startup, thread_start.c) leaves the fast path: its allocations
 *    are unwound until one shows the program's code, the runtime's unrecorded.
 *  - A record is removed before its block goes back to glibc, so that another
 *    thread reusing the address can never have its record removed by us.
 *  - Blocks are glibc's own (no header), so a pointer the tracker never saw
 *    (allocated before tracking, by an RTLD_DEEPBIND library, by __libc_malloc)
 *    passes through untouched.
 * Every function here lives in the lc_hook_text section: captured stacks drop
 * frames in it. */

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "children.h"
#include "internal.h"
#include "pretest_frees.h"
#include "reach_early.h"
#include "sample.h"
#include "sanitizer.h"
#include "sweep.h"
#include "table_fast.h"
#include "thread_start.h"
#include "threads_fast.h"

#define LC_EXPORT __attribute__((visibility("default")))

__thread struct lc_tls lc__tls __attribute__((tls_model("initial-exec")));
struct lc_state lc__st;

static inline int tracking(void) { return __atomic_load_n(&lc__st.tracking, __ATOMIC_RELAXED); }

/* fork: scope.c's pthread_atfork prepare handler takes every table shard lock
 * and its parent/child handlers release them. Handlers registered before
 * leakcheck's (any library initialized earlier: with `leakcheck run`, nearly
 * all of them) run while the forking thread holds those locks, and a free()
 * from one of them used to spin forever on a shard lock its own thread held.
 * So fork() is wrapped: while it runs, a free() of the forking thread is
 * deferred, block and record untouched, and done after fork returns (in the
 * parent with its bookkeeping, in the child where tracking is off). The block
 * stays allocated meanwhile, so no other thread can be handed its address and
 * have a fresh record removed by the deferred free. A realloc in that window
 * cannot wait: it skips the bookkeeping (the old block's record stays, as if
 * leaked; the new block is untracked). Beyond LC_FORK_DEFER deferred frees the
 * same fallback applies to free. */
#define LC_FORK_DEFER 16 /* few handlers free; and static TLS is scarce */
static __thread struct {
    int active; /* this thread is inside fork() */
    int n;
    void *p[LC_FORK_DEFER];
} fork_defer __attribute__((tls_model("initial-exec")));

/* A stack (capture may set errno). Inlined: stacks.c expects a fixed number
 * of our frames above the caller's, and walks the stack twice when there are
 * more. */
static inline __attribute__((always_inline)) uint32_t capture(void) {
    int saved = errno;
    uint32_t sid = lc__stack_capture(lc__st.depth);
    errno = saved;
    return sid;
}

/* The first allocation in an allocation-free region: its size and stack
 * (captured even when stacks are off, unless LEAKCHECK_STACKS=0). */
static inline __attribute__((always_inline)) void note_noalloc(struct lc_tls *t, size_t n,
                                                               uint32_t sid) {
    if (t->noalloc_count++ == 0) {
        t->noalloc_size = n;
        t->noalloc_stack = sid ? sid : lc__st.stacks_allowed ? capture() : 0;
    }
}

/* Whether the fail sweep fails this call (sweep_hook.c); errno kept. */
static inline __attribute__((always_inline)) int sweep_fails(int cls, uint32_t sid) {
    int saved = errno;
    int fail = cls == LEAKCHECK_ATTRIBUTED && lc__sweep_call(sid);
    errno = saved;
    return fail;
}

/* A thread's first tracked allocation: one that has not been through our
 * trampoline while a wrapper sits behind ours may be in that wrapper's
 * start-up (thread_start.c); the trampoline sets both fields itself. */
static inline __attribute__((always_inline)) void note_birth(struct lc_tls *t) {
    t->born = 1;
    if (__atomic_load_n(&lc__start_behind, __ATOMIC_ACQUIRE) && !t->attrib_gen)
        t->startup = LC_STARTUP_BEFORE;
}

/* The class of what thread t allocates or frees in scope generation gen:
 * attributed to the test (its thread, or every thread) or background. */
static inline int thread_class(const struct lc_tls *t, uint32_t gen) {
    return lc__st.all_threads || t->attrib_gen == gen ? LEAKCHECK_ATTRIBUTED
                                                      : LEAKCHECK_BACKGROUND;
}

/* Returns p, or NULL when the fail sweep fails this call: the block is then
 * given back and errno is ENOMEM. The fast path reads the thread's TLS block
 * once, the shared state line and the thread's own slot and table; nothing in
 * it sets errno (the slow parts that can, binding a slot, capturing a stack,
 * growing a table, keep it). */
LC_HOOK_TEXT static void *record_alloc(void *p, size_t n) {
    struct lc_tls *t = &lc__tls;
    if (t->guard)
        return p;
    t->guard++;
    if (LC_UNLIKELY(!t->born))
        note_birth(t);
    if (LC_UNLIKELY(t->startup) && lc__start_runtime_only()) {
        t->guard--; /* a pthread_create wrapper's start-up: the runtime's block */
        return p;
    }
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    struct lc_slot *s = lc__slot_fast(t, gen);
    int cls = thread_class(t, gen);
    uint32_t sid = LC_UNLIKELY(lc__st.stacks) ? capture() : 0;
    if (LC_UNLIKELY(lc__sweeping()) && sweep_fails(cls, sid)) {
        t->guard--;
        __libc_free(p);
        errno = ENOMEM;
        return NULL;
    }
    if (LC_UNLIKELY(t->noalloc))
        note_noalloc(t, n, sid);
    uint32_t iter = __atomic_load_n(&lc__st.iteration, __ATOMIC_RELAXED);
    if (LC_UNLIKELY(lc__st.nested))
        sid |= LC_STACK_INNER;
    uint32_t self = s->index; /* 0: the shared slot, whose table is locked */
    if (LC_LIKELY(self) && lc__tab_put_fast(&lc__tabs[self], (uintptr_t)p, n, sid, iter, cls))
        lc__count_alloc_own(s, cls, n);
    else if (lc__table_insert((uintptr_t)p, n, sid, iter, self, cls, gen))
        lc__count_alloc(s, cls, n);
    t->guard--;
    return p;
}

/* The calling thread's slot index for table lookups (UINT32_MAX: none). */
static inline uint32_t self_index(const struct lc_tls *t) {
    return t->slot ? t->slot->index : UINT32_MAX;
}

/* Removes p's record from the thread's own table when it is in its home
 * bucket (the usual case); 1 and what on_free needs in *info. */
static inline int take_own(struct lc_tls *t, void *p, struct lc_rec_info *info) {
    struct lc_slot *s = t->slot;
    lc__rec_t r;
    if (!s || !s->index || !lc__tab_take_fast(&lc__tabs[s->index], (uintptr_t)p, &r))
        return 0;
    info->ptr = (uintptr_t)p;
    info->size = r.size;
    info->stack = r.stack & ~LC_STACK_INNER;
    info->inner = (r.stack & LC_STACK_INNER) != 0;
    info->iteration = (uint32_t)(r.key >> ITER_SHIFT) & LC_MAX_ITER;
    info->cls = (int)(r.key >> CLS_SHIFT) & 1;
    info->thread = s->index;
    return 1;
}

/* The counting path of record_alloc when nothing but a record and counts is
 * wanted (no stack, no sweep, no allocation-free region, no nested scope, a
 * slot of this scope with its own table, room in the home bucket): 1 when
 * done. It calls nothing, so it is a leaf that saves no registers; anything
 * else returns 0 before touching the table and record_alloc does it all. The
 * guard is up while the table changes (a signal handler's malloc passes). */
static inline __attribute__((always_inline)) int count_fast(void *p, size_t n) {
    struct lc_tls *t = &lc__tls;
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    struct lc_slot *s = t->slot;
    if (LC_UNLIKELY(!s || s->gen != gen || !s->index || lc__st.stacks | lc__st.nested |
                                                           t->noalloc | t->startup |
                                                           lc__sweeping()))
        return 0;
    int cls = thread_class(t, gen);
    uint32_t iter = __atomic_load_n(&lc__st.iteration, __ATOMIC_RELAXED);
    t->guard++;
    int done = lc__tab_put_home(&lc__tabs[s->index], (uintptr_t)p, n, 0, iter, cls);
    if (LC_LIKELY(done))
        lc__count_alloc_own(s, cls, n);
    t->guard--;
    return done;
}

/* ours, or not sampled (counted by sample.h); else the record. Split from
 * record_alloc so that an unsampled call saves no registers; the call below
 * is a sibling call at -O2, so no frame is added for stacks.c to cut (at -O0
 * the capture just walks one more). */
LC_HOOK_TEXT __attribute__((noinline)) static void *on_alloc_sampled(void *p, size_t n) {
    if (lc__sample_skip(p, n))
        return p;
    return record_alloc(p, n);
}

LC_HOOK_TEXT static void *on_alloc(void *p, size_t n) {
    if (lc__tls.guard)
        return p;
    if (LC_UNLIKELY(lc__sample_on()))
        return on_alloc_sampled(p, n); /* a sibling call too */
    if (LC_LIKELY(count_fast(p, n)))
        return p;
    return record_alloc(p, n);
}

static int record_free(void *p, struct lc_rec_info *info);

/* Removes p's record; returns 1 (and the record) when p was tracked. With
 * --sample, a block whose filter byte is clear never had one (counted by
 * sample.h), and sample.c learns what the table said of the others. */
LC_HOOK_TEXT static int on_free(void *p, struct lc_rec_info *info) {
    if (LC_LIKELY(!lc__sample_on()) || lc__tls.guard)
        return record_free(p, info);
    if (lc__sample_unmarked(p))
        return 0;
    int found = record_free(p, info);
    lc__sample_freed(p, found);
    return found;
}

/* free()'s bookkeeping, a leaf function on its usual path: the record in
 * the thread's own table found and counted in a slot of this scope, with no
 * sampling and no nested scope. Anything else goes to on_free, before the
 * table is touched or after the record was not found in it. */
LC_HOOK_TEXT static void free_slow(void *p) {
    struct lc_rec_info info;
    on_free(p, &info);
}

LC_HOOK_TEXT static void free_record(void *p) {
    struct lc_tls *t = &lc__tls;
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    struct lc_slot *s = t->slot;
    lc__rec_t r;
    if (LC_UNLIKELY(!s || s->gen != gen || !s->index || t->guard ||
                    (lc__sample.mean != 0) | lc__st.nested))
        goto slow;
    t->guard++;
    if (LC_UNLIKELY(!lc__tab_take_home(&lc__tabs[s->index], (uintptr_t)p, &r))) {
        t->guard--;
        goto slow;
    }
    lc__count_free_own(s, (int)(r.key >> CLS_SHIFT) & 1, r.size);
    t->guard--;
    return;
slow:
    free_slow(p);
}

LC_HOOK_TEXT static int record_free(void *p, struct lc_rec_info *info) {
    struct lc_tls *t = &lc__tls;
    int program = t->guard == 0; /* not leakcheck's own free */
    t->guard++;
    int found = take_own(t, p, info) || lc__table_remove((uintptr_t)p, self_index(t), info);
    size_t early = 0;
    if (!found) /* a block from before the test: no root of its scans from now on */
        early = lc__reach_early_freed((uintptr_t)p);
    /* a block of the process scope freed during a nested (test) scope is not
     * the test's: its counters never saw it allocated */
    if (found && !(LC_UNLIKELY(lc__st.nested) && !info->inner)) {
        uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
        lc__count_free(lc__slot_fast(t, gen), info->cls, info->size);
    } else if (program && (found || early)) {
        /* made before the test (a full cache evicting an earlier test's
         * entries): counted apart, so that replacing it is not growth */
        uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
        int cls = thread_class(t, gen);
        lc__pretest_freed(cls, found ? info->size : early);
    }
    t->guard--;
    return found;
}

/* Puts back the record of a block realloc kept (in place, or refused to
 * move): the same stack, iteration and class, now in this thread's table. */
LC_HOOK_TEXT static void reinsert(const struct lc_rec_info *info, size_t n, int unfree) {
    struct lc_tls *t = &lc__tls;
    int program = t->guard == 0;
    t->guard++;
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    struct lc_slot *s = lc__slot_fast(t, gen);
    uint32_t sid = info->stack | (info->inner ? LC_STACK_INNER : 0);
    int kept = lc__table_insert(info->ptr, n, sid, info->iteration, s->index, info->cls, gen);
    if (kept && !(lc__st.nested && !info->inner)) {
        if (unfree)
            lc__slot_account_unfree(s, info->cls, n);
        else
            lc__count_alloc(s, info->cls, n);
    } else if (program && lc__st.nested && !info->inner) {
        /* a block from before the test that realloc kept: record_free
         * counted it as freed (pretest_frees.c); it is not */
        int cls = thread_class(t, gen);
        lc__pretest_unfreed(cls, info->size);
    }
    t->guard--;
}

LC_EXPORT LC_HOOK_TEXT void *malloc(size_t n) {
    void *p = __libc_malloc(n);
    if (LC_UNLIKELY(tracking()) && p)
        p = on_alloc(p, n);
    return p;
}

LC_EXPORT LC_HOOK_TEXT void free(void *p) {
    if (!p)
        return;
    if (LC_UNLIKELY(tracking())) {
        if (LC_UNLIKELY(fork_defer.active)) {
            if (fork_defer.n < LC_FORK_DEFER) {
                fork_defer.p[fork_defer.n++] = p; /* freed when fork returns */
                return;
            }
        } else if (LC_UNLIKELY(lc__sample.mean != 0)) {
            struct lc_rec_info info; /* --sample: most frees are of unsampled blocks */
            on_free(p, &info);
        } else {
            free_record(p);
        }
    }
    __libc_free(p);
}

LC_EXPORT LC_HOOK_TEXT void *calloc(size_t n, size_t size) {
    void *p = __libc_calloc(n, size); /* overflow: NULL with ENOMEM */
    if (LC_UNLIKELY(tracking()) && p)
        p = on_alloc(p, n * size);
    return p;
}

LC_EXPORT LC_HOOK_TEXT void *realloc(void *p, size_t n) {
    if (LC_LIKELY(!tracking()) || LC_UNLIKELY(fork_defer.active))
        return __libc_realloc(p, n); /* fork_defer: see above */
    if (!p) {
        void *q = __libc_malloc(n);
        if (q)
            q = on_alloc(q, n);
        return q;
    }
    if (LC_UNLIKELY(lc__sweeping()) && lc__sweep_realloc()) {
        errno = ENOMEM; /* the fail sweep: p stays as it was */
        return NULL;
    }
    /* Remove first: once glibc has freed or moved p, another thread may get
     * its address. Put the record back if glibc fails and p stays valid. */
    struct lc_rec_info info;
    int tracked = on_free(p, &info);
    void *q = __libc_realloc(p, n);
    if (q == p && tracked && !lc__tls.guard) {
        /* in place: the same block, grown or shrunk; it keeps its stack and
         * iteration, so a site's growth shows in bytes, not blocks */
        reinsert(&info, n, 0);
    } else if (q) {
        (void)on_alloc(q, n); /* counted by lc__sweep_realloc: never fails here */
    } else if (n != 0 && tracked) {
        reinsert(&info, info.size, 1);
    }
    if (LC_UNLIKELY(lc__sweeping()))
        lc__sweep_realloc_done();
    return q;
}

LC_EXPORT LC_HOOK_TEXT void *reallocarray(void *p, size_t n, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

static inline int valid_alignment(size_t a) { return a && !(a & (a - 1)); }

LC_EXPORT LC_HOOK_TEXT int posix_memalign(void **out, size_t align, size_t size) {
    if (!valid_alignment(align) || align % sizeof(void *))
        return EINVAL;
    int saved = errno; /* posix_memalign reports through its result, not errno */
    void *p = __libc_memalign(align, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    if (LC_UNLIKELY(tracking()) && !(p = on_alloc(p, size)))
        return ENOMEM;
    *out = p;
    return 0;
}

/* glibc 2.36 exports aligned_alloc and memalign at one address, with the same
 * semantics (any alignment is rounded up to a power of two); keep that. */
LC_EXPORT LC_HOOK_TEXT void *memalign(size_t align, size_t size) {
    void *p = __libc_memalign(align, size);
    if (LC_UNLIKELY(tracking()) && p)
        p = on_alloc(p, size);
    return p;
}

LC_EXPORT LC_HOOK_TEXT void *aligned_alloc(size_t align, size_t size) {
    void *p = __libc_memalign(align, size);
    if (LC_UNLIKELY(tracking()) && p)
        p = on_alloc(p, size);
    return p;
}

LC_EXPORT LC_HOOK_TEXT void *valloc(size_t size) {
    void *p = __libc_valloc(size);
    if (LC_UNLIKELY(tracking()) && p)
        p = on_alloc(p, size);
    return p;
}

LC_EXPORT LC_HOOK_TEXT void *pvalloc(size_t size) {
    void *p = __libc_pvalloc(size);
    if (LC_UNLIKELY(tracking()) && p)
        p = on_alloc(p, size);
    return p;
}

/* Our malloc under a name the global symbol lookup cannot redirect
 * (sanitizer.c compares it with the malloc in use). */
#if defined(__GNUC__) && !defined(__clang__) /* the alias keeps malloc's attributes */
extern __typeof(malloc) lc__malloc_self
    __attribute__((alias("malloc"), copy(malloc), visibility("hidden")));
#else
extern __typeof(malloc) lc__malloc_self __attribute__((alias("malloc"), visibility("hidden")));
#endif

/* ---- a foreign allocator: a sanitizer's (sanitizer.c installs these as its
 * hooks) or valgrind's operator new (cxx_new.c calls them) ----
 * It runs instead of ours and these are called after every allocation and
 * before every free, realloc being a free and an allocation, with the
 * requested size. Tracking, stacks and errno are as in our own hooks. A free
 * inside fork (the forking thread holds every shard lock, see above) cannot be
 * deferred here: its record stays, as for a realloc in that window. */
LC_HOOK_TEXT void lc__hook_foreign_alloc(const volatile void *p, size_t n) {
    if (LC_UNLIKELY(tracking()) && p)
        (void)on_alloc((void *)p, n); /* a foreign allocator's block cannot fail here */
}

LC_HOOK_TEXT void lc__hook_foreign_free(const volatile void *p) {
    if (LC_UNLIKELY(tracking()) && p && !fork_defer.active) {
        struct lc_rec_info info;
        on_free((void *)p, &info);
    }
}

/* Blocks are glibc's, so glibc's own malloc_usable_size answers for them;
 * it is interposed only so that the family is complete in one place. */
typedef size_t (*usable_fn)(void *);
static usable_fn real_usable;

LC_EXPORT size_t malloc_usable_size(void *p) {
    usable_fn f = __atomic_load_n(&real_usable, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (usable_fn)dlsym(RTLD_NEXT, "malloc_usable_size");
        __atomic_store_n(&real_usable, f, __ATOMIC_RELEASE);
    }
    return p && f ? f(p) : 0;
}

/* ---- dlclose: remember the module so stacks through it still symbolize ---- */
typedef int (*dlclose_fn)(void *);
static dlclose_fn real_dlclose;

LC_EXPORT int dlclose(void *handle) {
    if (!real_dlclose)
        real_dlclose = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
    int noted = tracking() ? lc__dl_note_close(handle) : 0;
    int rc = real_dlclose(handle);
    lc__dl_after_close(noted, real_dlclose);
    return rc;
}

typedef pid_t (*fork_fn)(void);
static fork_fn real_fork;

LC_EXPORT LC_HOOK_TEXT pid_t fork(void) {
    fork_fn f = __atomic_load_n(&real_fork, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (fork_fn)dlsym(RTLD_NEXT, "fork");
        if (!f) {
            errno = ENOSYS;
            return -1;
        }
        __atomic_store_n(&real_fork, f, __ATOMIC_RELEASE);
    }
    fork_defer.active = 1;
    pid_t pid = f();
    int saved = errno;
    fork_defer.active = 0;
    /* Every lock is free again: the deferred frees take the normal path. */
    for (int i = 0; i < fork_defer.n; i++)
        free(fork_defer.p[i]);
    fork_defer.n = 0;
    if (pid > 0)
        lc__children_note(pid); /* the stack that started it, for the processes check */
    errno = saved;
    return pid;
}

/* A free's bookkeeping without the free: p's record and its counts go, the
 * block stays the program's, untracked from now on (its later free passes
 * through). 1 when p was tracked. Not on the hook path. */
int lc__hooks_untrack(void *p) {
    struct lc_rec_info info;
    return p ? record_free(p, &info) : 0;
}
