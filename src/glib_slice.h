/* glib_slice.h: whether GLib's slice allocator hides allocations (glib_slice.c). */
#ifndef LC_GLIB_SLICE_H
#define LC_GLIB_SLICE_H

#include <stddef.h>

/* 1 and one line in buf when a GLib before 2.76 is loaded and G_SLICE does not
 * ask for always-malloc; 0 otherwise. */
int lc__glib_slice_note(char *buf, size_t len);

#endif
