/* A second loadable module for test_dlopen, loaded after plugin_leaky is
 * closed. The loader usually maps it where plugin_leaky was, so a symbolizer
 * that looked only at the live process would name this module's function for
 * plugin_leaky's old addresses. Its own leak must still name itself. */
#include <stdlib.h>

void *volatile plugin_other_sink;

__attribute__((noinline, visibility("default"))) void plugin_other_leak(size_t n) {
    plugin_other_sink = malloc(n);
}
