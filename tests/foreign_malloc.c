/* Another allocator preloaded before leakcheck (as jemalloc or a sanitizer
 * runtime would be): the malloc family forwarded to glibc, so leakcheck's
 * hooks see nothing. test_failsafe.sh checks that every test is then an error,
 * never CLEAN. */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n) { return __libc_malloc(n); }
void *calloc(size_t n, size_t s) { return __libc_calloc(n, s); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
