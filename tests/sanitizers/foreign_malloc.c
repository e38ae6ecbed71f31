/* A malloc that is neither leakcheck's nor a sanitizer's (like jemalloc or
 * tcmalloc linked ahead of libleakcheck): it forwards to glibc, offers no
 * hooks, and comes first in symbol lookup. run_sanitizers.py links san_leak.c
 * with it: every test must fail with leakcheck's one line, none is CLEAN. */
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n) { return __libc_malloc(n); }
void *calloc(size_t n, size_t size) { return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
