/* unwind.h: the one call into libunwind's unw_backtrace, shared by the
 * allocation stacks (stacks.c) and a thread's current stack (thread_registry.c).
 * Hook path: always inlined, so it adds no frame of its own; quiet under
 * valgrind (below), one predictable branch natively. */
#ifndef LC_UNWIND_H
#define LC_UNWIND_H

#include <stdint.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define LC_HAVE_VALGRIND 1
#endif
#endif

/* Under valgrind, unw_backtrace's memory validation (libunwind 1.6 writes one
 * byte of each page it is about to read to a pipe, x86_64/Ginit.c) makes
 * memcheck report "Syscall param write(buf) points to uninitialised byte(s)"
 * on stack pages: errors of the unwinder looking at memory, never of the
 * program. They are hidden for the length of the call with valgrind's
 * per-thread error-reporting switch. 1 when running under valgrind
 * (sanitizer.c sets it once, at start-up). */
extern int lc__under_valgrind;

static inline __attribute__((always_inline)) int lc__backtrace(void **buf, int n) {
#ifdef LC_HAVE_VALGRIND
    if (__builtin_expect(lc__under_valgrind, 0)) {
        VALGRIND_DISABLE_ERROR_REPORTING;
        n = unw_backtrace(buf, n);
        VALGRIND_ENABLE_ERROR_REPORTING;
        return n;
    }
#endif
    return unw_backtrace(buf, n);
}

/* walk.c: the stack walker with cached CFA rules (x86_64). lc__stack_walk
 * writes the calling thread's return addresses to pcs[0..max), starting with
 * a pc in its caller (as unw_backtrace does) and leaving out the leading
 * frames whose pc is in [lo, hi) given to lc__walk_init (leakcheck's hook
 * section); it returns how many, -1 when a frame has a rule it does not
 * follow (then unwind with lc__backtrace), or LC_WALK_SAME when the stack is
 * exactly the one this thread's previous walk with the same max found and
 * tagged: then pcs is left alone and *tag is the tag lc__walk_tag gave that
 * walk. Same addresses as unw_backtrace's. */
#define LC_WALK_SAME (-2)
void lc__walk_init(uintptr_t lo, uintptr_t hi, int memo); /* memo: keep the last walks */
int lc__stack_walk(uintptr_t *pcs, int max, uint32_t *tag);
/* Tags this thread's last walk (when it wrote frames) with the caller's
 * word for its stack. */
void lc__walk_tag(uint32_t tag);
uint64_t lc__walk_misses(void); /* CFA rules read from .eh_frame so far (cache misses) */

/* RUNNING_ON_VALGRIND where the header was available at build time, else 0. */
static inline int lc__valgrind_running(void) {
#ifdef LC_HAVE_VALGRIND
    return RUNNING_ON_VALGRIND ? 1 : 0;
#else
    return 0;
#endif
}

#endif
