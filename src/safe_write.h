/* safe_write.h: writing a file a user named (report, baseline, result file)
 * without following planted links, replacing devices or blocking on FIFOs.
 * One implementation (safe_write.c) for the library and the tools; depends
 * only on libc. Never on the hook path. */
#ifndef LC_SAFE_WRITE_H
#define LC_SAFE_WRITE_H

#include <stddef.h>
#include <sys/types.h>

/* How a target is written (lc__safe_install's and lc__safe_kind's result). */
enum lc_sink_kind {
    LC_SINK_FILE = 1,   /* regular file or none yet: private temp file, then rename */
    LC_SINK_STREAM = 2, /* character device or FIFO (/dev/null, /dev/stdout): in place */
};
#define LC_WRITE_FSYNC 1u /* flags: fsync the temp file before the rename */

/* Writes data to path by the rules of safe_write.c: a regular file (or a new
 * one) is replaced by a temp file ".NAME.lctmp-PID-RANDOM" created with
 * O_EXCL|O_NOFOLLOW in the same directory (mode 0644 minus the umask), written
 * fully, then renamed; a character device or FIFO is written in place; a
 * directory, socket, block device, dangling symlink or a symlink owned by
 * another user is refused. Returns 0, or -1 with one line
 * "leakcheck: cannot write 'PATH': REASON" in err. */
int lc__safe_write(const char *path, const void *data, size_t len, unsigned flags, char *err,
                   size_t errlen);
/* The same, returning the kind written (LC_SINK_*) or -1; for LC_SINK_FILE
 * with fd non-NULL, *fd is the open (O_WRONLY) descriptor of the file now at
 * the path, for in-place updates by pwrite; the caller closes it. */
int lc__safe_install(const char *path, const void *data, size_t len, unsigned flags, int *fd,
                     char *err, size_t errlen);
/* What lc__safe_install would do with path: LC_SINK_* or -1 (err set). */
int lc__safe_kind(const char *path, char *err, size_t errlen);
/* pwrite all of data at off, through short writes and EINTR: 0 or an errno. */
int lc__pwrite_all(int fd, const void *data, size_t len, off_t off);

#endif
