/* reach_impl.h: what the files of the reachability scan share: scratch memory
 * and range vectors (reach_mem.c), /proc readers on raw syscalls (reach_proc.c),
 * stopping threads (reach_stop.c), root ranges (reach_roots.c), guarded reads
 * (reach_fault.c). Not on the hook
 * path; nothing here mallocs or takes a lock a stopped thread could hold. */
#ifndef LC_REACH_IMPL_H
#define LC_REACH_IMPL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

struct lc__range {
    uintptr_t lo, hi;
    int flags; /* LC__R_*: readable/writable for maps; what a root is for roots */
};
#define LC__R_READ 1
#define LC__R_WRITE 2
#define LC__R_NOBLOCKS 4 /* a root that may overlap heap blocks: skip their extents */
#define LC__R_ANON 8     /* maps: private anonymous memory the program mapped ([anon:...] too) */
#define LC__R_PRETEST 16 /* a chunk unchanged since before tracking: names only blocks of then */
struct lc__rangev {
    struct lc__range *v;
    size_t n, cap;
};
/* ---- reach_mem.c: scratch memory and range vectors ---- */
void *lc__rmap(size_t bytes);             /* zeroed mapping, noted; NULL on failure */
void lc__runmap(void *p, size_t bytes);   /* unmapped now, or by lc__rmem_flush once frozen */
void lc__rmem_freeze(void);               /* before reading /proc/self/maps */
int lc__rmem_exclude(struct lc__rangev *out); /* every noted mapping, as ranges */
void lc__rmem_flush(void);                /* unmaps the retired mappings, thaws */
int lc__rangev_push(struct lc__rangev *rv, uintptr_t lo, uintptr_t hi, int flags); /* 0 / LEAKCHECK_ENOMEM */
void lc__rangev_free(struct lc__rangev *rv);
void lc__rangev_sort(struct lc__rangev *rv); /* by lo; insertion sort (small vectors) */
/* The range holding a (v sorted by lo, not overlapping), or NULL. */
const struct lc__range *lc__rangev_find(const struct lc__rangev *rv, uintptr_t a);

/* ---- reach_proc.c: /proc through raw syscalls (no stdio, no fd wrappers) ---- */
int lc__proc_maps(struct lc__rangev *out);             /* 0 / LEAKCHECK_ENOMEM / -1 unreadable */
int lc__proc_tids(int *tids, size_t cap, size_t *n);   /* 0, or -1 unreadable; *n may exceed cap */
/* head + id + leaf ("/proc/self/task/" 42 "/syscall") into out, without snprintf. */
void lc__proc_path(char *out, const char *head, int id, const char *leaf);
/* A whole small file into buf, NUL-terminated: its length, or -1 unreadable. */
long lc__proc_read(const char *path, char *buf, size_t cap);
/* Stack pointer of a thread blocked in the kernel (/proc/self/task/TID/syscall); 0 if none. */
uintptr_t lc__proc_task_sp(int tid);
/* 1 when the thread is gone or a zombie, or blocks signal sig (if > 0); 0 otherwise. */
int lc__proc_task_deaf(int tid, int sig);
int lc__gettid(void);

/* ---- reach_stop.c: stopping the other threads ---- */
#define LC__NREGS (sizeof(mcontext_t) / sizeof(uintptr_t))
struct lc__thread {
    int tid;
    int state;     /* LC__T_*; written by the thread's handler */
    uintptr_t sp;  /* stack pointer at the interruption (or from /proc) */
    uintptr_t tp;  /* thread pointer (pthread_self), 0 when unknown */
    uintptr_t regs[LC__NREGS];
};
enum { LC__T_SIGNALLED = 0, LC__T_SAVING, LC__T_STOPPED, LC__T_LEFT, LC__T_GONE, LC__T_UNSTOPPED };
struct lc__stop {
    struct lc__thread *t;
    size_t n, cap;
    size_t bytes;        /* mapped size of t */
    int nstopped;        /* futex word: handlers that saved their registers */
    int release;         /* futex word: 1 lets the stopped threads go */
    unsigned unstopped;  /* threads that did not stop (LC__T_UNSTOPPED) */
    unsigned overflow;   /* threads beyond cap: neither stopped nor scanned */
};
int lc__reach_stop(struct lc__stop *s, unsigned timeout_ms); /* 0 / LEAKCHECK_ENOMEM */
void lc__reach_release(struct lc__stop *s);

/* ---- reach_fault.c: reads that survive memory unmapped under the scan ---- */
int lc__fault_guard_on(void);   /* SIGSEGV/SIGBUS handlers for this thread's copies; 0 / -1 */
void lc__fault_guard_off(void); /* the previous handlers back */
size_t lc__safe_copy(void *dst, uintptr_t src, size_t n); /* bytes copied before a fault */
int lc__read_word(uintptr_t a, uintptr_t *out); /* 1, or 0 on a fault (guarded reads only) */

/* ---- reach_roots.c: root ranges ---- */
/* Before the stop (dl_iterate_phdr takes the loader lock): writable PT_LOAD
 * segments of every module but leakcheck's own. Returns 0 / LEAKCHECK_ENOMEM. */
int lc__roots_modules(struct lc__rangev *out, unsigned *modules);
void lc__roots_prepare(void); /* looks up the static TLS size, outside the stop */
/* After the stop: stacks and TLS of the caller (its sp given) and of s's threads,
 * registers excluded (scanned from s directly). *unscanned: threads that did
 * not stop and whose stack could not be located. */
int lc__roots_threads(struct lc__rangev *out, const struct lc__rangev *maps,
                      struct lc__stop *s, uintptr_t self_sp, unsigned *scanned,
                      unsigned *unscanned);

#endif
