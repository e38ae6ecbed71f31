/* A module the pattern suite dlopens and dlcloses in every iteration; its
 * function leaks, so the stack must still be symbolized after the dlclose. */
#include <stdlib.h>

extern void *volatile lc_test_sink;

__attribute__((visibility("default"), noinline)) void module_leaky_entry(int n) {
    int *p = malloc(sizeof(int) * (size_t)n);
    if (p)
        p[0] = n;
    lc_test_sink = p;
}
