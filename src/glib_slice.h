/* glib_slice.h: whether GLib's slice allocator hides allocations (glib_slice.c). */
#ifndef LC_GLIB_SLICE_H
#define LC_GLIB_SLICE_H

#include <stddef.h>

/* From the constructor, before anything else ran: when judges_cmocka, G_SLICE
 * is unset and a GLib before 2.76 is loaded, re-executes the program with
 * G_SLICE=always-malloc (returns only when that failed or was not needed). */
void lc__glib_slice_restart(int judges_cmocka);
/* 1 and one line in buf when a GLib before 2.76 is loaded and either G_SLICE
 * does not ask for always-malloc, or this process is such a restart; 0
 * otherwise. */
int lc__glib_slice_note(char *buf, size_t len);

#endif
