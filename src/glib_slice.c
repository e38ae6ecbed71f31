/* glib_slice.c: GLib before 2.76 carves g_slice_alloc (GList nodes, GHashTable,
 * GObject instances) out of its own slabs unless G_SLICE=always-malloc, read
 * in GLib's constructor: a preloaded cmocka binary restarts itself with it
 * (scope.c's constructor), and session.c says which. Calls dlsym, getenv and
 * execv. Not on the hook path. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* GLib reads G_SLICE once, at its first slice (its own constructor): the
 * value that counts is the one the process started with. */
static int always_malloc(void) {
    const char *v = getenv("G_SLICE");
    return v && (strstr(v, "always-malloc") || strstr(v, "all"));
}

#define RESTARTED_ENV "LC_GLIB_SLICE_RESTARTED"
static int restarted; /* this process is the restart of one whose GLib sliced */

/* A GLib that slices is loaded: its version in v[3]. */
static int slicing_glib(unsigned v[3]) {
    const unsigned *major = dlsym(RTLD_DEFAULT, "glib_major_version");
    const unsigned *minor = dlsym(RTLD_DEFAULT, "glib_minor_version");
    const unsigned *micro = dlsym(RTLD_DEFAULT, "glib_micro_version");
    if (!major || !minor || *major != 2 || *minor >= 76)
        return 0;
    v[0] = *major, v[1] = *minor, v[2] = micro ? *micro : 0u;
    return 1;
}

/* The arguments this process started with, from /proc/self/cmdline. */
static char **own_argv(void) {
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t r = 0;
    while (fd >= 0 && buf && (r = read(fd, buf + len, cap - len - 1)) > 0)
        if ((len += (size_t)r) + 1 == cap) {
            char *n = realloc(buf, cap *= 2);
            if (!n)
                break;
            buf = n;
        }
    if (fd >= 0)
        close(fd);
    if (!buf || r < 0 || len == 0)
        return free(buf), NULL;
    buf[len] = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += buf[i] == 0;
    char **argv = calloc(n + 2, sizeof *argv);
    for (size_t i = 0, k = 0; argv && i < len; i += strlen(buf + i) + 1)
        argv[k++] = buf + i;
    return argv;
}

void lc__glib_slice_restart(int judges_cmocka) {
    unsigned v[3];
    if (getenv(RESTARTED_ENV)) {
        restarted = 1;
        unsetenv(RESTARTED_ENV); /* the program's own children start afresh */
        return;
    }
    if (!judges_cmocka || getenv("G_SLICE") || !slicing_glib(v))
        return;
    char **argv = own_argv();
    if (!argv)
        return;
    setenv("G_SLICE", "always-malloc", 1);
    setenv(RESTARTED_ENV, "1", 1);
    execv("/proc/self/exe", argv);
    unsetenv("G_SLICE"); /* the restart failed: the session's line says so */
    unsetenv(RESTARTED_ENV);
    free(argv[0]);
    free(argv);
}

int lc__glib_slice_note(char *buf, size_t len) {
    unsigned v[3];
    if (!slicing_glib(v))
        return 0;
    if (restarted && always_malloc()) {
        snprintf(buf, len,
                 "[leakcheck] restarted with G_SLICE=always-malloc: GLib %u.%u.%u's slices "
                 "(GList nodes, GHashTable, GObject instances) are mallocs leakcheck sees "
                 "(set G_SLICE to keep another value)",
                 v[0], v[1], v[2]);
        return 1;
    }
    if (always_malloc())
        return 0;
    snprintf(buf, len,
             "[leakcheck] GLib %u.%u.%u's slice allocator serves g_slice_alloc (GList nodes, "
             "GHashTable, GObject instances) from its own slabs: a leak of those is seen only "
             "when a slab fills, and may read as clean; run with G_SLICE=always-malloc "
             "(leakcheck run and leakcheck_add_test set it)",
             v[0], v[1], v[2]);
    return 1;
}
