/* Internal declarations shared by leakcheck's modules. Names: lc__ for
 * cross-file internals (hidden by -fvisibility=hidden), lc_ for the public API.
 * Everything marked "hook path" may run inside malloc on any thread: it must not
 * allocate through the tracked heap, take a global lock, call stdio or getenv. */
#ifndef LC_INTERNAL_H
#define LC_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "leakcheck/core.h"

#define LC_LIKELY(x) __builtin_expect(!!(x), 1)
#define LC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LC_HIDDEN __attribute__((visibility("hidden")))
/* Code in this section is "ours" for stack cutting: frames whose pc falls in it
 * are dropped from the top of every captured stack. */
#define LC_HOOK_TEXT __attribute__((section("lc_hook_text"), noinline))
/* The harness's call into a test body; frames from here down are cut. */
#define LC_BODY_TEXT __attribute__((section("lc_body_text"), noinline))

#define LC_MAX_DEPTH 128
#define LC_MAX_ITER 511 /* 9 bits in a table record */
#define LC_MAX_THREADS 1024

/* glibc's real allocator entry points (exported by libc.so.6). */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

/* ---- per-thread state (initial-exec TLS: no __tls_get_addr, no malloc) ---- */
struct lc_slot;
struct lc_tls {
    int guard;              /* >0: inside leakcheck; hooks pass through */
    int locks;              /* spin locks of ours this thread holds (session.c checks) */
    int dead;               /* thread is past its exit destructor */
    uint32_t slot_gen;      /* scope generation the slot was bound in */
    uint32_t attrib_gen;    /* scope generation in which this thread is attributed */
    struct lc_slot *slot;   /* counters of this thread */
    /* Allocation-free regions (bench.c): on_alloc counts every allocation of
     * this thread while noalloc > 0 and keeps the first one's stack and size. */
    int noalloc;
    uint32_t noalloc_stack;
    uint64_t noalloc_count;
    uint64_t noalloc_size;
    uint32_t remote_hint;   /* table.c: the other thread's table our last foreign free hit */
    /* thread_start.c: LC_STARTUP_* while the thread may still run a
     * pthread_create wrapper's start-up code (its blocks are not recorded) */
    int startup;
    int born;               /* hooks.c has looked at this thread once */
    /* leakcheck's own signal handlers (the scan's stop, a stack sample) that
     * ran on this thread: a wait they ended resumes (sleep_resume.c) */
    unsigned own_signals;
};
extern __thread struct lc_tls lc__tls __attribute__((tls_model("initial-exec")));

/* RAII-ish guard helpers: everything leakcheck does outside the hook fast path
 * (reports, symbolization, option parsing) runs with the guard up so that its
 * own allocations are never tracked. */
static inline void lc__guard_enter(void) { lc__tls.guard++; }
static inline void lc__guard_leave(void) { lc__tls.guard--; }

/* ---- global state ---- */
struct lc_state {
    int tracking;            /* read on every hook: 0 outside scopes */
    uint32_t gen;            /* scope generation, bumped at begin and end */
    uint32_t iteration;      /* stamped into new records */
    int stacks;              /* capture stacks now */
    int stacks_allowed;      /* LEAKCHECK_STACKS: stacks may be captured at all */
    int depth;               /* frames kept */
    int all_threads;         /* attribute every thread */
    uint32_t peak_epoch;     /* bumped by lc_scope_peak_reset */
    uint32_t dl_epoch;       /* bumped by every dlclose */
    int owner_pid;           /* process that owns reports (not a fork child) */
    int outer;               /* a process scope (leakcheck run) is active */
    int nested;              /* a harness scope runs inside the process scope */
};
extern struct lc_state lc__st;

/* ---- util.c: memory that never touches the tracked heap ---- */
void *lc__mmap(size_t bytes);            /* zeroed, page granular; NULL on failure */
void lc__munmap(void *p, size_t bytes);
void *lc__reserve(size_t bytes);         /* virtual reservation, touched lazily */
/* The mappings lc__mmap and lc__reserve made that are still mapped, as
 * [lo, hi) pairs in out[0..max); returns how many (the scan's exclusions). */
size_t lc__own_mappings(uintptr_t (*out)[2], size_t max);
void *lc__xmalloc(size_t n);             /* __libc_malloc, report time only */
void *lc__xcalloc(size_t n, size_t sz);
void *lc__xrealloc(void *p, size_t n);
char *lc__xstrdup(const char *s);
/* dlsym(RTLD_NEXT, name) stored in *slot, with the guard up and errno kept. */
void *lc__resolve_next(void **slot, const char *name);
/* A formatted string in lc__xmalloc'd memory (report time); NULL when out of memory. */
char *lc__xsprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lc__xfree(void *p);
/* Zeroes 64 KiB of dead stack below the caller's frame: values a finished call
 * left there (a test body's pthread_t) must not look stored to a later scan. */
void lc__stack_scrub(void);
const char *lc__intern(const char *s);   /* process-lifetime copy, deduplicated */

/* Spin locks guard short critical sections (a shard of the block table, the
 * depot's insert path). A holder may be preempted on a loaded machine, so a
 * waiter yields the CPU after a short spin instead of burning its slice. */
void lc__spin_wait(int *l);
static inline void lc__spin_lock(int *l) {
    if (LC_UNLIKELY(__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)))
        lc__spin_wait(l);
    lc__tls.locks++;
}
static inline void lc__spin_unlock(int *l) {
    lc__tls.locks--;
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* ---- table.c: live blocks (hook path) ---- */
struct lc_rec_info {
    uintptr_t ptr;
    uint64_t size;
    uint32_t stack;
    uint32_t iteration;
    uint32_t thread; /* slot index */
    int cls;         /* LEAKCHECK_ATTRIBUTED / LEAKCHECK_BACKGROUND */
    int inner;       /* allocated inside a scope nested in the process scope */
};
/* The top bit of a record's stack id marks a block allocated inside a scope
 * nested in `leakcheck run`'s process scope (depot ids stay below 2^22). */
#define LC_STACK_INNER 0x80000000u
int lc__table_init(void);
/* Inserts a record into the table of counter slot `thread`, which must be the
 * calling thread's own slot (or the shared slot 0), unless the scope
 * generation moved on; returns 1 if inserted. */
int lc__table_insert(uintptr_t p, uint64_t size, uint32_t stack, uint32_t iter,
                     uint32_t thread, int cls, uint32_t gen);
/* Removes p; returns 1 and fills *out when p was tracked. `self` is the
 * calling thread's own slot (looked at first, without a lock), or UINT32_MAX
 * when it has none. */
int lc__table_remove(uintptr_t p, uint32_t self, struct lc_rec_info *out);
/* hooks.c: p's record and counts removed as by free, the block kept. */
int lc__hooks_untrack(void *p);
/* Visits every live record (shard by shard, each under its lock, copied out). */
void lc__table_foreach(void (*fn)(const struct lc_rec_info *, void *), void *arg);
void lc__table_clear(void);
/* Clears every record's inner mark: the nested scope's blocks now belong to
 * the process scope. */
void lc__table_demote(void);
void lc__table_lock_all(void);
void lc__table_unlock_all(void);
uint64_t lc__table_bytes(void);
uint64_t lc__table_count(void); /* live records, approximate while hooks run */

/* ---- stacks.c: capture and depot ---- */
int lc__stacks_init(void);
void lc__stacks_warm(void); /* libunwind's first trace (its pipe), before fd baselines */
uint32_t lc__stack_capture(int depth); /* hook path; 0 when the depot is full */
int lc__stack_get(uint32_t id, const uintptr_t **pcs, uint32_t *epoch);
void lc__stacks_lock(void);
void lc__stacks_unlock(void);
uint64_t lc__stacks_bytes(void);
int lc__in_hook_text(uintptr_t pc);
int lc__in_body_text(uintptr_t pc);
void lc__hook_text_range(uintptr_t *lo, uintptr_t *hi); /* our wrappers' text */

/* ---- threads.c: per-thread counter slots, pthread_create wrapper ---- */
struct lc_ctr {
    uint64_t allocs, frees, bytes_allocated, bytes_freed;
    int64_t live;      /* bytes this slot added minus removed (may be negative) */
    int64_t peak;      /* max of live within peak_epoch */
    uint32_t peak_epoch;
    uint32_t spare[3]; /* 64 bytes: c[cls] is a shift, not a multiply */
};
struct lc_slot {
    int state;         /* 0 free, 1 owned by a thread, 2 shared overflow */
    uint32_t gen;      /* scope generation the counters belong to */
    struct lc_ctr c[2];
    uint32_t index;    /* in the slot array (and of the thread's block table) */
    char pad[52];      /* 192 bytes */
};
struct lc_slot *lc__slot_get(uint32_t gen); /* hook path */
uint32_t lc__slot_index(const struct lc_slot *s);
void lc__slot_account_unfree(struct lc_slot *s, int cls, uint64_t size);
void lc__counters_sum(lc_counters *out, int cls, uint32_t gen);
void lc__threads_lock(void);
void lc__threads_unlock(void);
int lc__thread_attributed(uint32_t gen);
int lc__threads_init(void);
void lc__slots_reset_shared(uint32_t gen);

/* ---- options.c ---- */
int lc__options_load(void); /* 0, or -1 after printing a one-line error */
struct lc_options_values;
const struct lc_options_values *lc__opts(void);
/* owner.c: drops report paths inherited from the process that owns them and
 * marks this process as the owner of its own (constructor, guard up). */
void lc__owner_claim(struct lc_options_values *o);

/* ---- modules.c: dlclose records (module list: symtab.h) ---- */
/* dlclose: record the module before it goes (returns a record number, 0 if
 * none); afterwards, drop the record if the module is in fact still mapped,
 * else bump the dlclose epoch and flush libunwind's caches. */
int lc__dl_note_close(void *handle);
void lc__dl_after_close(int noted, int (*real_close)(void *));

/* ---- symbolize.c (report time; the resolver itself is symtab.h) ---- */
void lc__symbolizer_reset(void);
/* Symbolizes raw pcs (return addresses) captured now, not from the depot. */
int lc__symbolize_pcs(const uintptr_t *pcs, int n, lc_frame *frames, int max);

/* ---- scope.c: the process scope of `leakcheck run` (run.c) ---- */
/* Begins a scope of every thread that harness scopes nest in; 0 or an lc_error. */
int lc__scope_begin_process(void);
void lc__scope_end_process(void);
/* The generation the process scope began with; 0 when there is none. Every
 * generation since then belongs to the process (its tests' scopes nest). */
uint32_t lc__scope_process_gen(void);

/* ---- exit_status.c ---- */
/* Set when main returns or exit() is called: the frame below which the
 * exiting thread's stack holds only the exit path's own (dead) data. */
extern uintptr_t lc__exit_frame;

/* ---- init ---- */
int lc__init(void); /* idempotent; called outside hooks */
/* Allocations the table could not record (no memory for a rehash), ever. */
uint64_t lc__table_lost(void);
/* failsafe.c: 0 when a test can be observed, else -1 and one line in err
 * (init failed, no check enabled, malloc not ours; at the end: records lost). */
int lc__failsafe_begin(unsigned checks, char *err, size_t errlen);
int lc__failsafe_end(char *err, size_t errlen);

#endif
