/* reach_proc.c: /proc/self readers for the reachability scan: the address
 * space (maps), the thread list (task, read with getdents64), a blocked
 * thread's stack pointer and signal mask. Raw syscalls only: no stdio, no
 * opendir (both malloc), and none of fds.c's open/close wrappers. Buffers come
 * from lc__mmap. Not on the hook path; safe while other threads are stopped. */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_spare.h"
#include "internal.h"
#include "reach_impl.h"

int lc__gettid(void) { return (int)syscall(SYS_gettid); }

/* raw openat and close; at the open-file limit, in fd_spare.c's slot */
static int sys_open(const char *path) { return lc__fd_spare_open(path, O_RDONLY); }
static void sys_close(int fd) { lc__fd_spare_close(fd); }

/* Reads a whole small file into buf (NUL-terminated); returns its length or -1. */
long lc__proc_read(const char *path, char *buf, size_t cap) {
    int fd = sys_open(path);
    if (fd < 0)
        return -1;
    size_t n = 0;
    for (;;) {
        long r = syscall(SYS_read, fd, buf + n, cap - 1 - n);
        if (r <= 0 || (n += (size_t)r) == cap - 1)
            break;
    }
    sys_close(fd);
    buf[n] = 0;
    return (long)n;
}

/* head + id + leaf ("/proc/self/task/" 42 "/syscall"), without snprintf. */
void lc__proc_path(char *out, const char *head, int id, const char *leaf) {
    char digits[16];
    int k = 0;
    do
        digits[k++] = (char)('0' + id % 10);
    while ((id /= 10) > 0);
    char *p = stpcpy(out, head);
    while (k > 0)
        *p++ = digits[--k];
    strcpy(p, leaf);
}

static uintptr_t parse_hex(const char **s) {
    const char *p = *s;
    uintptr_t v = 0;
    if (p[0] == '0' && p[1] == 'x')
        p += 2;
    for (;; p++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0'
              : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
        if (d < 0)
            break;
        v = v << 4 | (uintptr_t)d;
    }
    *s = p;
    return v;
}

/* Reads the whole file into a mapping that doubles until it fits. */
static char *read_big(const char *path, size_t *len, size_t *mapped) {
    size_t cap = 1 << 16;
    char *buf = lc__rmap(cap);
    int fd = sys_open(path);
    if (!buf || fd < 0) {
        if (fd >= 0)
            sys_close(fd);
        lc__runmap(buf, cap);
        return NULL;
    }
    size_t n = 0;
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = lc__rmap(cap * 2);
            if (!nb)
                break;
            memcpy(nb, buf, n);
            lc__runmap(buf, cap);
            buf = nb;
            cap *= 2;
        }
        long r = syscall(SYS_read, fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    sys_close(fd);
    buf[n] = 0;
    *len = n;
    *mapped = cap;
    return buf;
}

int lc__proc_maps(struct lc__rangev *out) {
    size_t len, mapped;
    lc__rmem_freeze();
    char *buf = read_big("/proc/self/maps", &len, &mapped);
    if (!buf)
        return -1;
    int rc = 0;
    for (const char *p = buf; *p && rc == 0;) {
        uintptr_t lo = parse_hex(&p);
        p++; /* '-' */
        uintptr_t hi = parse_hex(&p);
        p++; /* ' ' */
        int fl = (p[0] == 'r' ? LC__R_READ : 0) | (p[1] == 'w' ? LC__R_WRITE : 0);
        int private = p[3] == 'p';
        /* perms offset dev inode [path]: anonymous is inode 0 with no path
         * (or a name given by prctl, "[anon:...]"); [heap], [stack] are not */
        int field = 0;
        const char *path = NULL;
        uintptr_t inode = 1;
        while (*p && *p != '\n') {
            if (*p == ' ') {
                while (*p == ' ')
                    p++;
                if (++field == 3)
                    inode = parse_hex(&p);
                else if (field == 4 && *p != '\n')
                    path = p;
                continue;
            }
            p++;
        }
        if (private && inode == 0 && (!path || strncmp(path, "[anon:", 6) == 0))
            fl |= LC__R_ANON;
        rc = lc__rangev_push(out, lo, hi, fl);
        if (*p)
            p++;
    }
    lc__runmap(buf, mapped);
    return rc;
}

struct lc_dirent64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

int lc__proc_tids(int *tids, size_t cap, size_t *n) {
    int fd = lc__fd_spare_open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    char buf[4096] __attribute__((aligned(8)));
    *n = 0;
    for (;;) {
        long r = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (r <= 0)
            break;
        for (long off = 0; off < r;) {
            struct lc_dirent64 *d = (struct lc_dirent64 *)(buf + off);
            int tid = 0;
            const char *c = d->name;
            for (; *c >= '0' && *c <= '9'; c++)
                tid = tid * 10 + (*c - '0');
            if (tid > 0 && !*c) {
                if (*n < cap)
                    tids[*n] = tid;
                (*n)++;
            }
            off += d->reclen;
        }
    }
    sys_close(fd);
    return 0;
}

/* /proc/self/task/TID/syscall: "NR a1..a6 SP PC" while blocked in a system call,
 * "-1 SP PC" while blocked elsewhere, "running" otherwise. The stack pointer is
 * the next-to-last field. Readable by the process itself without ptrace rights. */
uintptr_t lc__proc_task_sp(int tid) {
    char path[64], buf[256];
    lc__proc_path(path, "/proc/self/task/", tid, "/syscall");
    if (lc__proc_read(path, buf, sizeof buf) <= 0 || buf[0] == 'r')
        return 0;
    uintptr_t f[9];
    int k = 0;
    for (const char *p = buf; *p && k < 9;) {
        while (*p == ' ')
            p++;
        if (*p == '-') /* "-1" */
            p++;
        if (!*p || *p == '\n')
            break;
        f[k++] = parse_hex(&p);
        while (*p && *p != ' ' && *p != '\n')
            p++;
    }
    return k >= 3 ? f[k - 2] : 0;
}

int lc__proc_task_deaf(int tid, int sig) {
    char path[64], buf[2048];
    lc__proc_path(path, "/proc/self/task/", tid, "/status");
    if (lc__proc_read(path, buf, sizeof buf) <= 0)
        return 1;
    const char *st = strstr(buf, "\nState:\t");
    if (st && (st[8] == 'Z' || st[8] == 'X'))
        return 1;
    const char *bl = strstr(buf, "\nSigBlk:\t");
    if (!bl || sig <= 0)
        return 0;
    bl += 9;
    uint64_t mask = parse_hex(&bl);
    return (int)((mask >> (sig - 1)) & 1);
}
