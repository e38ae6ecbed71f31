/* frames.h: runtime frames in symbolized stacks (frames.c). Report time only. */
#ifndef LC_FRAMES_H
#define LC_FRAMES_H

#include "leakcheck/core.h"

/* 1 for a frame of the C++ standard library: its source file is one of the
 * library's headers (std::vector and std::allocator internals inlined into
 * the caller), or, without line information, its name is in std::,
 * __gnu_cxx:: or an operator new/delete. The first frame after these is the
 * user's frame a report must reach. */
int lc__cxx_library_frame(const lc_frame *f);
/* 1 for a frame of a sanitizer runtime (ASan, LSan, TSan, UBSan; gcc's shared
 * libasan or clang's runtime linked into the program). */
int lc__sanitizer_frame(const lc_frame *f);
/* For the last sanitizer frame above the program's: 1 when it stands for the
 * call the program made and stays the innermost frame, as that call's own
 * frame would without a sanitizer: operator new/delete, an interceptor of a
 * libc function other than the malloc family (renamed "strdup" from
 * "__interceptor_strdup"). 0 for malloc and its family, whose own frames are
 * our hooks, never shown. */
int lc__sanitizer_entry(lc_frame *f);

/* Drops a sanitizer allocator's frames from the top of f[0..n) (keeping the
 * interceptor of a libc function such as strdup, renamed); the new count. */
int lc__cut_sanitizer_top(lc_frame *f, int n);

/* 1 when f[0..n), cut as above, starts in libc's or ld.so's exit machinery
 * (__cxa_finalize, _dl_fini...): what the call made was the sanitizer
 * runtime's own exit-time work (clang's LeakSanitizer starts its symbolizer
 * through two pipes for its report), never the program's, which would have
 * its own function there. */
int lc__sanitizer_exit_work(const lc_frame *f, int n);

/* 1 for a frame of leakcheck itself (its library, its wrappers, the seams
 * around a test body); lc__frames_drop_own removes those from f[0..n) and
 * returns how many frames are left. */
int lc__own_frame(const lc_frame *f);
int lc__frames_drop_own(lc_frame *f, int n);

#endif
