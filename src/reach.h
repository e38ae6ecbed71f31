/* reach.h: the reachability scan, a library service (issue 8). Classifies a
 * caller's list of live blocks as definitely, indirectly or possibly lost, or
 * reachable, by a conservative scan of the roots (module data, thread stacks,
 * registers and TLS) with every other thread stopped by a signal (no ptrace).
 * Not on the hook path: called at exit (run.c) or at the end of a test. */
#ifndef LC_REACH_H
#define LC_REACH_H

#include <stddef.h>
#include <stdint.h>

enum lc_reach_kind { LC_REACH_DEFINITE = 0, LC_REACH_INDIRECT, LC_REACH_POSSIBLE, LC_REACH_REACHABLE };
/* "definite", "indirect", "possible", "reachable"; "?" for anything else. */
const char *lc__reach_kind_name(int kind);

struct lc_reach_block {
    uintptr_t ptr;     /* block start as returned to the program */
    uint64_t size;     /* requested size (a 0-byte block is hit only by a pointer equal to ptr) */
    uint32_t stack;    /* depot id, carried through untouched */
    uint32_t user;     /* caller's data (e.g. record flags), carried through untouched */
    int kind;          /* out: enum lc_reach_kind */
};

struct lc_reach_opts {
    /* extra address ranges NOT to scan as roots (e.g. a buffer of the caller's); may be NULL/0.
     * The blocks array and the needle arrays are always left out, listed or not. */
    const uintptr_t (*exclude)[2]; size_t nexclude;
    /* optional needles (issue 13: pthread_t values): needle_found[i] set to 1 when values[i] is stored in a
       root or in a reachable/possible block, ignoring the ranges in needle_ignore (a thread's own descriptor), and the saved registers of
       a stopped thread whose stack pointer lies in one of those ranges (the thread's own copy).
       needle_found[i] is set to 0 otherwise. */
    const uintptr_t *needles; size_t nneedles; int *needle_found;
    const uintptr_t (*needle_ignore)[2]; size_t nneedle_ignore;
    unsigned stop_timeout_ms; /* budget for stopping other threads; 0 = default 200 ms total */
    int early_roots; /* the heap's chunks recorded before tracking (reach_early.c) are roots */
};

struct lc_reach_stats {
    uint64_t root_bytes, heap_bytes_scanned;
    unsigned threads;           /* threads whose stacks were scanned, the caller's included */
    unsigned threads_unstopped; /* threads that did not stop in time (scanned while running,
                                   from the stack pointer /proc gave, or not at all) */
    double seconds;
    /* added fields */
    unsigned threads_unscanned; /* of threads_unstopped: no stack pointer known, stack not scanned */
    unsigned modules;           /* loaded modules whose writable segments were roots */
    double stop_seconds;        /* of seconds: stopping the other threads */
    uint64_t bytes_unreadable;  /* root or block bytes that faulted, unmapped by a thread
                                   that ran unstopped (read through guarded copies) */
};

/* Sorts blocks by ptr and sets each kind. Blocks must not overlap. o and st may be NULL.
 * Returns 0, LEAKCHECK_ENOMEM (tracker memory could not be mapped) or LEAKCHECK_EIO
 * (/proc/self/maps unreadable); on an error the kinds are not set. Serialized: a second
 * caller waits for the first. Never allocates through the heap; safe at exit() with other
 * threads still running (they are stopped for the scan and released before it returns). */
int lc__reach_classify(struct lc_reach_block *blocks, size_t n, const struct lc_reach_opts *o,
                       struct lc_reach_stats *st);

/* Why lc__reach_classify returned rc, for a one-line message (into buf). */
const char *lc__reach_error(int rc, char *buf, size_t len);

/* The real-time signal that stops threads is SIGRTMIN + LC_REACH_SIGNAL_OFFSET (the thread
 * registry samples current stacks with LEAKCHECK_STACK_SIGNAL, SIGURG by default). */
#ifndef LC_REACH_SIGNAL_OFFSET
#define LC_REACH_SIGNAL_OFFSET 4
#endif

#endif
