/* A loadable module for test_dlopen: one exported, never-inlined function that
 * allocates and keeps the block only in the module's own sink, so the block is
 * still live (a leak) after the module is dlclosed and its code unmapped. The
 * report must then name this function from the file on disk. */
#include <stdlib.h>

void *volatile plugin_leaky_sink;

__attribute__((noinline, visibility("default"))) void plugin_make_leak(size_t n) {
    plugin_leaky_sink = malloc(n);
}
