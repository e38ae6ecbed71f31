/* A shared library linked into the pattern suite: a leak inside a library
 * must be named in the library's own function. */
#include <stdlib.h>
#include <string.h>

__attribute__((visibility("default"), noinline)) char *shlib_make_label(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n + 16);
    if (p)
        memcpy(p, s, n);
    return p;
}
