/* glib_slice.c: whether GLib's slice allocator hides allocations: before 2.76
 * it carves g_slice_alloc (GList nodes, GHashTable, GObject instances) out of
 * its own slabs, so a leaked slice shows only when a slab fills, unless
 * G_SLICE=always-malloc. Asked once per process by session.c; calls dlsym and
 * getenv only. Not on the hook path. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* GLib reads G_SLICE once, at its first slice (its own constructor): the
 * value that counts is the one the process started with. */
static int always_malloc(void) {
    const char *v = getenv("G_SLICE");
    return v && (strstr(v, "always-malloc") || strstr(v, "all"));
}

int lc__glib_slice_note(char *buf, size_t len) {
    const unsigned *major = dlsym(RTLD_DEFAULT, "glib_major_version");
    const unsigned *minor = dlsym(RTLD_DEFAULT, "glib_minor_version");
    const unsigned *micro = dlsym(RTLD_DEFAULT, "glib_micro_version");
    if (!major || !minor || *major != 2 || *minor >= 76 || always_malloc())
        return 0;
    snprintf(buf, len,
             "[leakcheck] GLib %u.%u.%u's slice allocator serves g_slice_alloc (GList nodes, "
             "GHashTable, GObject instances) from its own slabs: a leak of those is seen only "
             "when a slab fills, and may read as clean; run with G_SLICE=always-malloc "
             "(leakcheck run and leakcheck_add_test set it)",
             *major, *minor, micro ? *micro : 0u);
    return 1;
}
