/* fuzz_util.h: what the harnesses share: the fuzz input as a NUL-terminated
 * copy and as a file (a memfd named by /proc/self/fd/N) for readers that take
 * a path, and stdout sent to /dev/null so the tools' summaries cost nothing.
 * Harness code only; never linked into leakcheck. */
#ifndef LC_FUZZ_UTIL_H
#define LC_FUZZ_UTIL_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static inline char *fz_strdup(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* A memfd holding data; path receives its /proc/self/fd name. */
static inline int fz_file(const char *name, const void *data, size_t size, char *path,
                          size_t len) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    snprintf(path, len, "/proc/self/fd/%d", fd);
    return fd;
}

static inline void fz_quiet_stdout(void) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0 || dup2(fd, 1) < 0)
        abort();
    close(fd);
}

#endif
