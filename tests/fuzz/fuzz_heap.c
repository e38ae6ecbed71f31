/* fuzz_heap.c: routes glibc's __libc_malloc family, which util.c's lc__x*
 * helpers call to stay off a tracked heap, to plain malloc in the fuzz
 * binaries, so that ASan sees (and checks) every block leakcheck's parsers
 * allocate. Definitions in the executable win over libc's. Fuzz builds only. */
#include <stdlib.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t sz);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

void *__libc_malloc(size_t n) { return malloc(n); }
void *__libc_calloc(size_t n, size_t sz) { return calloc(n, sz); }
void *__libc_realloc(void *p, size_t n) { return realloc(p, n); }
void __libc_free(void *p) { free(p); }
