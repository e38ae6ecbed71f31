/* sanitizer.h: whose malloc is in use (sanitizer.c) and the sanitizer
 * allocator's hook entry points (hooks.c). */
#ifndef LC_SANITIZER_H
#define LC_SANITIZER_H

#include <stddef.h>

/* Frames a sanitizer runtime puts between our hook and the program's call
 * (interceptor, allocator, hook runner), captured on top of the depth. */
#define LC_SANITIZER_FRAMES 8

/* Decides once, outside any hook, whose malloc the process uses; installs the
 * sanitizer hooks when it is a sanitizer's. Idempotent. */
void lc__sanitizer_init(void);
/* NULL when allocations are observed (our malloc, or a sanitizer's through
 * its hooks); otherwise the one line that says why none can be. */
const char *lc__malloc_unobserved(void);
/* The same line ending in a newline, as lc__cmocka_fail wants it ("" when
 * allocations are observed). */
const char *lc__malloc_unobserved_text(void);
/* 1 when allocations reach leakcheck through a sanitizer's hooks. */
int lc__malloc_via_sanitizer(void);
/* The loaded sanitizer runtime's name ("AddressSanitizer"), for messages. */
const char *lc__malloc_sanitizer_name(void);

/* Around leakcheck's own work in the program's heap (libdw's symbolizer
 * state): LeakSanitizer ignores what the thread allocates in between, whose
 * only references are in our mmap'd tables, which it does not scan (else
 * every ASan suite with detect_leaks=1 failed at exit on libdw's blocks).
 * No-ops without a LeakSanitizer runtime; pairs nest. Not on the hook path. */
void lc__sanitizer_ignore_begin(void);
void lc__sanitizer_ignore_end(void);

/* ---- sanitizer_exit.c ---- */
/* With a sanitizer runtime loaded: when it ends the process at exit
 * (LeakSanitizer found leaks), the session's and run mode's reports are
 * finished first. Called once the runtime has initialised. Idempotent. */
void lc__sanitizer_exit_install(void);

/* ---- hooks.c ---- */
/* Our malloc, by a hidden alias: its address is ours even when the global
 * symbol malloc resolves to a sanitizer's. */
void *lc__malloc_self(size_t n);
/* Registered with __sanitizer_install_malloc_and_free_hooks (called by the
 * sanitizer allocator after each allocation and before each free), and called
 * by cxx_new.c's operator new/delete under valgrind. Hook path. */
void lc__hook_foreign_alloc(const volatile void *p, size_t n);
void lc__hook_foreign_free(const volatile void *p);

/* ---- probe.c ---- */
/* Calls each allocation entry point once through its global symbol in a
 * counting scope; writes the names of those whose block or free was not seen
 * into missing. Returns 0 when all were seen, 1 when some were not, -1 when
 * none was (or 0 when a scope is already active). */
int lc__probe_family(char *missing, size_t cap);

/* ---- stacks.c ---- */
/* Frames captured above the depth for a foreign allocator's own frames. */
extern int lc__stack_extra_top;

#endif
