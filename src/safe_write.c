/* safe_write.c: the one way the library and the tools write a file a user
 * named (report, baseline, result file): owns the target policy (regular file:
 * private temp file + rename; device or FIFO: in place; else refused) and the
 * removal of orphan temp files. Calls libc only (getrandom, openat, renameat),
 * never allocates; report time only, not on the hook path. */

#include "safe_write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Symlinks at the target path are followed only when they are kernel names
 * (under /dev/ or /proc/, such as /dev/stdout) or owned by the caller or root;
 * a regular file reached that way is replaced in its own directory. A link
 * owned by anybody else, or one that dangles, is refused: that is how a report
 * in a shared directory gets hijacked. */

#define TMP_TAG ".lctmp-"

static int fail(char *err, size_t errlen, const char *path, const char *why) {
    if (err && errlen)
        snprintf(err, errlen, "leakcheck: cannot write '%s': %s", path, why);
    return -1;
}

static int fail_errno(char *err, size_t errlen, const char *path, int e) {
    return fail(err, errlen, path, strerror(e));
}

/* Writes all of data, through short writes and EINTR. 0, or an errno. */
static int write_all(int fd, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        if (w == 0)
            return EIO;
        off += (size_t)w;
    }
    return 0;
}

int lc__pwrite_all(int fd, const void *data, size_t len, off_t off) {
    const char *p = data;
    while (len) {
        ssize_t w = pwrite(fd, p, len, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        if (w == 0)
            return EIO;
        p += w;
        len -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Splits path into its directory (opened O_PATH-like as a directory fd) and
 * its last component. Returns the dir fd or -1 with errno set. */
static int open_parent(const char *path, char *base, size_t baselen) {
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t n = slash ? (size_t)(slash - path) : 0;
    char dir[PATH_MAX];
    if (strlen(name) >= baselen || n >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(base, name, strlen(name) + 1);
    if (!*base) {
        errno = EISDIR;
        return -1;
    }
    if (!slash) {
        dir[0] = '.';
        dir[1] = 0;
    } else if (n == 0) {
        dir[0] = '/';
        dir[1] = 0;
    } else {
        memcpy(dir, path, n);
        dir[n] = 0;
    }
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* ".NAME.lctmp-PID-RANDOM": hidden, unpredictable (64 random bits), and
 * recognisable with the pid of its writer, so a later write can tell an
 * orphan (its writer is gone) from a write in progress. */
static int tmp_name(char *out, size_t len, const char *base) {
    unsigned char rnd[8];
    ssize_t got;
    do
        got = getrandom(rnd, sizeof rnd, GRND_NONBLOCK);
    while (got < 0 && errno == EINTR);
    if (got != (ssize_t)sizeof rnd)
        return -1;
    int n = snprintf(out, len, ".%s" TMP_TAG "%d-", base, (int)getpid());
    for (size_t i = 0; i < sizeof rnd && n > 0 && (size_t)n + 2 < len; i++)
        n += snprintf(out + n, len - (size_t)n, "%02x", rnd[i]);
    return n > 0 && (size_t)n + 1 < len ? 0 : -1;
}

/* Removes ".BASE.lctmp-PID-*" files of ours whose writer no longer runs. */
static void remove_orphans(int dirfd, const char *base) {
    char prefix[NAME_MAX + 16];
    int plen = snprintf(prefix, sizeof prefix, ".%s" TMP_TAG, base);
    if (plen <= 0 || (size_t)plen >= sizeof prefix)
        return;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, (size_t)plen) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (end == e->d_name + plen || *end != '-' || pid <= 0 || pid == getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* still running (or not ours to ask): maybe writing */
        struct stat st;
        if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid())
            unlinkat(dirfd, e->d_name, 0);
    }
    closedir(d);
}

static int kernel_name(const char *path) {
    return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

/* Writes in place to a character device or FIFO: never created, truncated or
 * replaced; a FIFO without a reader is refused instead of blocking forever.
 * What is opened is checked again (the path may have changed since it was
 * classified): only a kernel name such as /dev/stdout may lead to a regular
 * file, which is then appended to, as the shell's redirection would. */
static int write_in_place(const char *path, int was_link, const void *data, size_t len,
                          char *err, size_t errlen) {
    int fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                            (was_link ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return errno == ENXIO ? fail(err, errlen, path, "a FIFO with no reader")
                              : fail_errno(err, errlen, path, errno);
    struct stat st;
    int flags = fcntl(fd, F_GETFL);
    int e = 0;
    if (fstat(fd, &st) != 0)
        e = errno;
    else if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode) &&
             !(S_ISREG(st.st_mode) && kernel_name(path)))
        e = EINVAL;
    else if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        e = errno;
    if (!e)
        e = write_all(fd, data, len);
    if (close(fd) != 0 && !e && errno != EINTR)
        e = errno;
    if (e == EINVAL)
        return fail(err, errlen, path, "not a device or FIFO when opened (not written)");
    return e ? fail_errno(err, errlen, path, e) : 0;
}

/* What to do with the target at path: LC_SINK_FILE (replace by rename, after
 * resolving a trusted symlink into `resolved`), LC_SINK_STREAM (write in
 * place), or -1 (refused, err set). */
static int classify(const char *path, char *resolved, size_t rlen, int *was_link, char *err,
                    size_t errlen) {
    struct stat st;
    snprintf(resolved, rlen, "%s", path);
    *was_link = 0;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? LC_SINK_FILE : fail_errno(err, errlen, path, errno);
    if (S_ISLNK(st.st_mode)) {
        *was_link = 1;
        struct stat t;
        if (stat(path, &t) != 0)
            return fail(err, errlen, path, "a symlink to a missing file (not followed)");
        if (S_ISCHR(t.st_mode) || S_ISFIFO(t.st_mode))
            return kernel_name(path) || st.st_uid == 0 || st.st_uid == geteuid()
                       ? LC_SINK_STREAM
                       : fail(err, errlen, path, "a symlink owned by another user (not followed)");
        if (!S_ISREG(t.st_mode))
            return fail(err, errlen, path, "a symlink to something that is not a regular file");
        if (kernel_name(path))
            return LC_SINK_STREAM; /* /dev/stdout redirected to a file: append to it */
        if (st.st_uid != 0 && st.st_uid != geteuid())
            return fail(err, errlen, path, "a symlink owned by another user (not followed)");
        if (!realpath(path, resolved) || strlen(resolved) + 1 >= rlen)
            return fail_errno(err, errlen, path, errno ? errno : ENAMETOOLONG);
        return LC_SINK_FILE;
    }
    if (S_ISREG(st.st_mode))
        return LC_SINK_FILE;
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
        return LC_SINK_STREAM;
    return fail(err, errlen, path,
                S_ISDIR(st.st_mode)    ? "a directory"
                : S_ISSOCK(st.st_mode) ? "a socket (not replaced)"
                                       : "a block device (not replaced)");
}

/* Temp file + rename in the directory of path. With keep, the installed
 * file's descriptor is returned in *keep (for in-place updates). */
static int replace_file(const char *path, const void *data, size_t len, unsigned flags,
                        int *keep, char *err, size_t errlen) {
    char base[NAME_MAX + 1], tmp[NAME_MAX + 64];
    int dirfd = open_parent(path, base, sizeof base);
    if (dirfd < 0)
        return fail_errno(err, errlen, path, errno);
    remove_orphans(dirfd, base);
    int fd = -1, e = 0;
    for (int tries = 0; fd < 0 && tries < 8; tries++) {
        if (tmp_name(tmp, sizeof tmp, base) != 0) {
            e = ENAMETOOLONG;
            break;
        }
        /* the kernel applies the umask to 0644 at creation: no chmod window */
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        e = fd < 0 ? errno : 0;
        if (e != EEXIST)
            break;
    }
    if (fd < 0) {
        close(dirfd);
        return fail_errno(err, errlen, path, e ? e : EIO);
    }
    e = write_all(fd, data, len);
    if (!e && (flags & LC_WRITE_FSYNC) && fsync(fd) != 0)
        e = errno;
    if (!e && renameat(dirfd, tmp, dirfd, base) != 0)
        e = errno;
    if (e)
        unlinkat(dirfd, tmp, 0);
    if (!e && keep)
        *keep = fd;
    else if (close(fd) != 0 && !e && errno != EINTR)
        e = errno;
    close(dirfd);
    return e ? fail_errno(err, errlen, path, e) : 0;
}

int lc__safe_install(const char *path, const void *data, size_t len, unsigned flags, int *fd,
                     char *err, size_t errlen) {
    char resolved[PATH_MAX];
    if (fd)
        *fd = -1;
    if (!path || !*path)
        return fail(err, errlen, "", "empty path");
    int was_link;
    int kind = classify(path, resolved, sizeof resolved, &was_link, err, errlen);
    if (kind < 0)
        return -1;
    if (kind == LC_SINK_STREAM)
        return write_in_place(path, was_link, data, len, err, errlen) ? -1 : LC_SINK_STREAM;
    return replace_file(resolved, data, len, flags, fd, err, errlen) ? -1 : LC_SINK_FILE;
}

int lc__safe_write(const char *path, const void *data, size_t len, unsigned flags, char *err,
                   size_t errlen) {
    return lc__safe_install(path, data, len, flags, NULL, err, errlen) < 0 ? -1 : 0;
}

int lc__safe_kind(const char *path, char *err, size_t errlen) {
    char resolved[PATH_MAX];
    int was_link;
    return classify(path, resolved, sizeof resolved, &was_link, err, errlen);
}
