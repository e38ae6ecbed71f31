/* suppress.c: which allocation sites are never reported. Report time only.
 *
 * A rule is LSan-style: `leak:PATTERN` matches a site when any frame's
 * function, file or module matches PATTERN (shell glob: * and ?). The built-in
 * rules cover memory that glibc and libunwind allocate once and keep for the
 * life of the process by design; each says why. Hit counts go in the reports. */
#include <fnmatch.h>
#include <string.h>

#include "report.h"

static struct lc_suppression builtin[] = {
    /* stdio buffers belong to their FILE and are freed by fclose; stdin, stdout
     * and stderr are never closed. A leaked FILE is still reported through its
     * own allocation in fopen/fdopen. */
    {"leak", "_IO_file_doallocate", "glibc stdio buffer, owned by its FILE", 0},
    /* the time zone cache, filled by the first localtime/tzset and kept */
    {"leak", "tzset_internal", "glibc time zone cache", 0},
    {"leak", "__tzfile_read", "glibc time zone cache", 0},
    /* locale data loaded by setlocale stays for the process */
    {"leak", "_nl_*", "glibc locale data", 0},
    {"leak", "setlocale", "glibc locale data", 0},
    /* NSS modules and their state (getpwnam, getaddrinfo) are cached */
    {"leak", "__nss_*", "glibc NSS module cache", 0},
    {"leak", "nss_*", "glibc NSS module cache", 0},
    /* iconv conversion descriptors are cached by gconv */
    {"leak", "__gconv_*", "glibc gconv cache", 0},
    /* setenv keeps every string it was given (POSIX allows no free) */
    {"leak", "__add_to_environ", "glibc setenv strings, never freed by design", 0},
    /* the dynamic loader's own structures for loaded modules and TLS */
    {"leak", "_dl_*", "dynamic loader structures for loaded modules", 0},
    {"leak", "__libc_dlopen_mode", "dynamic loader structures for loaded modules", 0},
    /* dlerror's per-thread buffer is kept until the next dl call */
    {"leak", "_dlerror_run", "glibc dlerror state", 0},
    /* libunwind's caches (trace cache per thread, elf images) */
    {"leak", "_ULx86_64_*", "libunwind caches", 0},
    {"leak", "_Ux86_64_*", "libunwind caches", 0},
    {"leak", "unw_*", "libunwind caches", 0},
};

struct lc_suppression *lc__builtin_suppressions(size_t *n) {
    *n = sizeof builtin / sizeof builtin[0];
    return builtin;
}

static int frame_matches(const lc_frame *f, const char *pattern) {
    const char *fields[3] = {f->function, f->file, f->module};
    for (int i = 0; i < 3; i++) {
        if (!fields[i])
            continue;
        if (fnmatch(pattern, fields[i], 0) == 0)
            return 1;
        /* a module or file pattern without a directory matches the basename */
        const char *slash = strrchr(fields[i], '/');
        if (i > 0 && slash && !strchr(pattern, '/') && fnmatch(pattern, slash + 1, 0) == 0)
            return 1;
    }
    return 0;
}

struct lc_suppression *lc__suppressed(const char *kind, const lc_frame *frames, int n,
                                      struct lc_suppression *rules, size_t nrules) {
    for (size_t r = 0; r < nrules; r++) {
        if (strcmp(rules[r].kind, kind) != 0)
            continue;
        for (int i = 0; i < n; i++)
            if (frame_matches(&frames[i], rules[r].pattern))
                return &rules[r];
    }
    return NULL;
}
