/* dot_lib.c: library code a unit test #includes through an include
 * directory that ends in "/." (rtrlib's include_directories(.) and
 * #include "rtrlib/rtr/packets.c"), so the line table's directory reads
 * ".../tests/rtrlib/./lib". dot_encode leaks when asked to (planted). */
#include <stdlib.h>
#include <string.h>

void *volatile dot_sink;

__attribute__((noinline)) static int dot_encode(const char *text, int leak) {
    size_t n = strlen(text) + 1;
    char *copy = malloc(n); /* planted: dropped when leak is set */
    if (!copy)
        return -1;
    memcpy(copy, text, n);
    if (leak) {
        dot_sink = copy;
        dot_sink = NULL;
    } else {
        free(copy);
    }
    return (int)n;
}
