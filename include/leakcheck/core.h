/* leakcheck core: the framework-neutral tracking API.
 *
 * Linking libleakcheck (or preloading it) interposes the whole malloc family.
 * Outside a scope every hook is a pass-through. Inside a scope each allocation
 * is recorded in a side table with its requested size, its allocation stack
 * (unless counting only), the current iteration number and the allocating
 * thread. A harness (the cmocka glue, or your own) drives it:
 *
 *     lc_scope_begin(NULL);             // the calling thread is the test thread
 *     for (unsigned i = 0; i < n; i++) {
 *         lc_scope_iteration(i);        // blocks allocated from now on carry i
 *         body();
 *         lc_scope_counters(&snap[i], LEAKCHECK_ATTRIBUTED);
 *     }
 *     lc_survivors *s;
 *     lc_scope_survivors(&s);           // live blocks by stack and iteration
 *     ...                               // lc_stack_symbolize() per site
 *     lc_survivors_free(s);
 *     lc_scope_end();
 *
 * Attribution: the thread that begins the scope and every thread it starts
 * (directly or not) during the scope are "attributed"; any other thread's
 * allocations are counted apart as "background", so a library's or a fixture's
 * worker thread never moves a test's counts. Both kinds are in the survivors.
 *
 * Thread safety: one scope at a time per process. lc_scope_* functions are
 * called from one (harness) thread; the hooks run on every thread.
 */
#ifndef LEAKCHECK_CORE_H
#define LEAKCHECK_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LEAKCHECK_API __attribute__((visibility("default")))

/* The all-defaults options of LEAKCHECK_TEST and LEAKCHECK_BENCH: {0} in C,
 * {} in C++ (where {0} warns under -Wmissing-field-initializers). */
#ifdef __cplusplus
#define LEAKCHECK_DEFAULTS {}
#else
#define LEAKCHECK_DEFAULTS {0}
#endif

/* Around the options of LEAKCHECK_TEST_WITH and LEAKCHECK_BENCH_WITH: g++
 * warns about every field a C++20 designated initializer leaves out
 * (-Wmissing-field-initializers), which are the defaults here; C does not. */
#if defined(__cplusplus) && defined(__GNUC__)
#define LEAKCHECK_OPTIONS_BEGIN_                                                         \
    _Pragma("GCC diagnostic push")                                                       \
    _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")
#define LEAKCHECK_OPTIONS_END_ _Pragma("GCC diagnostic pop")
#else
#define LEAKCHECK_OPTIONS_BEGIN_
#define LEAKCHECK_OPTIONS_END_
#endif

/* Error codes: 0 is success, failures are negative. XX(name, value, text)
 * defines LEAKCHECK_E<name> (the names stay clear of <errno.h>'s macros). */
#define LEAKCHECK_ERRNO_MAP(XX)                                                          \
    XX(BUSY, -1, "a scope is already active")                                            \
    XX(NOSCOPE, -2, "no scope is active")                                                \
    XX(NOMEM, -3, "out of memory for tracker data")                                      \
    XX(INVAL, -4, "invalid argument")                                                    \
    XX(IO, -5, "input/output error")                                                     \
    XX(FORMAT, -6, "malformed input")                                                    \
    XX(UNOBSERVED, -7, "allocations cannot be observed in this process")

enum lc_error {
    LEAKCHECK_OK = 0,
#define LEAKCHECK_XX_ENUM(name, value, text) LEAKCHECK_E##name = value,
    LEAKCHECK_ERRNO_MAP(LEAKCHECK_XX_ENUM)
#undef LEAKCHECK_XX_ENUM
};

/* A static string describing an lc_error code. */
LEAKCHECK_API const char *lc_strerror(int err);
/* The library's version string, e.g. "0.1.0". */
LEAKCHECK_API const char *lc_version(void);

/* Which allocations a counter set describes. */
enum lc_class {
    LEAKCHECK_ATTRIBUTED = 0, /* the scope's thread and the threads it started */
    LEAKCHECK_BACKGROUND = 1, /* threads that were running before the scope began */
    LEAKCHECK_ALL = 2         /* both */
};

typedef struct lc_counters {
    uint64_t allocs;          /* allocation calls that returned a block */
    uint64_t frees;           /* frees of blocks allocated in the scope */
    uint64_t bytes_allocated; /* requested bytes, summed over allocs */
    uint64_t bytes_freed;     /* requested bytes of the blocks freed */
    uint64_t live_blocks;     /* allocs - frees */
    uint64_t live_bytes;      /* bytes_allocated - bytes_freed */
    uint64_t peak_bytes;      /* highest live_bytes since the scope began or the last
                                 lc_scope_peak_reset(); exact when one thread allocates,
                                 an upper bound (sum of per-thread peaks) otherwise */
} lc_counters;

typedef struct lc_scope_config {
    int stacks;      /* 1: capture allocation stacks; 0: count only; -1: LEAKCHECK_STACKS */
    int depth;       /* frames kept per stack; 0: LEAKCHECK_STACK_DEPTH */
    int all_threads; /* 1: attribute every thread (a whole-process scope) */
} lc_scope_config;

/* Begins tracking. cfg may be NULL (options from the environment). Returns 0,
 * LEAKCHECK_EBUSY when a scope is active, LEAKCHECK_ENOMEM when tracker memory
 * cannot be mapped, LEAKCHECK_EUNOBSERVED when the process's malloc cannot be
 * observed (see lc_unobserved_reason). */
LEAKCHECK_API int lc_scope_begin(const lc_scope_config *cfg);
/* NULL when leakcheck sees this process's allocations (its own malloc, or
 * AddressSanitizer's through its allocator hooks); otherwise one line saying
 * why it cannot (valgrind without --soname-synonyms=somalloc=nouserintercepts,
 * TSan, LSan, MSan, a malloc with no hooks ahead of leakcheck's). Static
 * string. */
LEAKCHECK_API const char *lc_unobserved_reason(void);
/* Sets the iteration number that blocks allocated from now on carry (0..511;
 * larger values are clamped). */
LEAKCHECK_API void lc_scope_iteration(unsigned iteration);
/* Reads the counters of one class (enum lc_class). Zeros without a scope. */
LEAKCHECK_API void lc_scope_counters(lc_counters *out, int cls);
/* Starts a new peak window: peak_bytes restarts from the current live bytes. */
LEAKCHECK_API void lc_scope_peak_reset(void);
/* Turns stack capture on or off inside the active scope (counting goes on). */
LEAKCHECK_API void lc_scope_set_stacks(int on);
/* Ends tracking and forgets every record. Blocks still live stay valid memory. */
LEAKCHECK_API void lc_scope_end(void);
/* 1 while a scope is active. */
LEAKCHECK_API int lc_scope_active(void);

/* One allocation site: the live blocks that share a stack and a class. */
typedef struct lc_site {
    uint32_t stack;           /* depot id, 0 when stacks were off */
    int cls;                  /* LEAKCHECK_ATTRIBUTED or LEAKCHECK_BACKGROUND */
    uint64_t blocks, bytes;   /* live blocks and requested bytes */
    uint64_t *iter_blocks;    /* [niter]: live blocks allocated in iteration i */
    uint64_t *iter_bytes;     /* [niter] */
} lc_site;

typedef struct lc_survivors {
    size_t nsites;
    lc_site *sites;  /* sorted by bytes, largest first */
    unsigned niter;  /* highest iteration number seen + 1 */
    uint64_t blocks, bytes;
    void *internal_; /* owned by the library */
} lc_survivors;

/* Collects the blocks still live in the active scope. *out is owned by the
 * caller; release it with lc_survivors_free(). Returns 0 or a negative code. */
LEAKCHECK_API int lc_scope_survivors(lc_survivors **out);
LEAKCHECK_API void lc_survivors_free(lc_survivors *s);

/* One symbolized frame. Strings are interned by the library and stay valid for
 * the life of the process; any of them may be NULL when unknown. */
typedef struct lc_frame {
    uintptr_t address;    /* return address (or pc) as captured */
    const char *function; /* demangled where possible */
    const char *file;     /* source file, as recorded in DWARF */
    unsigned line;        /* 0 when unknown */
    const char *module;   /* path of the executable or shared object */
    int inlined;          /* 1: an inlined call inside the next frame */
} lc_frame;

/* Raw return addresses of a depot stack; returns the number written (<= max). */
LEAKCHECK_API int lc_stack_addresses(uint32_t stack, uintptr_t *pcs, int max);
/* Symbolizes a depot stack into frames[0..max), innermost first, leakcheck's own
 * frames (and above them a sanitizer allocator's) and the harness frames below
 * the test body removed; inlined calls are expanded. Returns the number of
 * frames written. Call with no scope's hooks in flight on this thread (report
 * time). */
LEAKCHECK_API int lc_stack_symbolize(uint32_t stack, lc_frame *frames, int max);

/* Tracker memory (bytes mapped for the block table and the stack depot). */
LEAKCHECK_API void lc_tracker_memory(uint64_t *table_bytes, uint64_t *depot_bytes);

#ifdef __cplusplus
}
#endif

#endif
