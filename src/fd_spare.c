/* fd_spare.c: one file descriptor held in reserve for leakcheck's own reads
 * of /proc, so that a program at its open-file limit (a test that opens until
 * EMFILE, fds leaked up to ulimit -n) is still observed: when such an open
 * fails with EMFILE or ENFILE, the spare is closed, the open is made again in
 * its slot, and the spare is taken back in that slot once the read is done.
 * Raw system calls, no allocation; a lock word taken only at EMFILE. Called
 * by reach_proc.c, fds.c, engine.c and scope.c's constructor; not on the
 * hook path. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_spare.h"
#include "fds.h"
#include "internal.h"

#define SPARE_HIGH 1023 /* where the spare sits: above what programs number */

static int spare = -1;        /* the reserve fd, -1 while lent or when there is none */
static int spare_slot = -1;   /* its number */
static uint64_t spare_dev, spare_ino; /* a memfd's: another file in the slot is not ours */
static int lent = -1;         /* the fd opened in the spare's slot, until it is closed */
static int busy;              /* lock word: lending and taking back */

static int sys_open(const char *path, int flags) {
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags | O_CLOEXEC, 0600);
}

/* A new anonymous file: a memfd (its own inode), else /dev/null. */
static int new_file(void) {
    int fd = (int)syscall(SYS_memfd_create, "leakcheck-spare", MFD_CLOEXEC);
    return fd >= 0 ? fd : sys_open("/dev/null", O_RDONLY);
}

static int identify(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    spare_dev = (uint64_t)st.st_dev;
    spare_ino = (uint64_t)st.st_ino;
    return 0;
}

/* fd moved to slot want exactly; -1 (and fd closed) if that slot is taken. */
static int place(int fd, int want) {
    if (fd < 0 || fd == want)
        return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, want);
    syscall(SYS_close, fd);
    if (moved != want && moved >= 0) {
        syscall(SYS_close, moved);
        return -1;
    }
    return moved;
}

/* fd as the spare: its file noted, marked leakcheck's. */
static int adopt(int fd) {
    if (fd < 0)
        return -1;
    if (identify(fd) != 0) {
        syscall(SYS_close, fd);
        return -1;
    }
    lc__fd_mark_ours(fd);
    spare_slot = fd;
    return fd;
}

void lc__fd_spare_init(void) {
    struct rlimit rl;
    if (spare >= 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < 16)
        return;
    int high = rl.rlim_cur - 1 < SPARE_HIGH ? (int)rl.rlim_cur - 1 : SPARE_HIGH;
    int fd = new_file();
    if (fd < 0)
        return;
    /* the lowest free slot at or above high: the program's numbers stay as they were */
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, high);
    syscall(SYS_close, fd);
    spare = adopt(moved);
}

/* Still our file in its slot (the program may have closed every fd above 2
 * and opened others since). */
static int still_ours(void) {
    struct stat st;
    return fstat(spare, &st) == 0 && (uint64_t)st.st_dev == spare_dev &&
           (uint64_t)st.st_ino == spare_ino;
}

int lc__fd_spare_open(const char *path, int flags) {
    int fd = sys_open(path, flags);
    if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || spare < 0)
        return fd;
    int saved = errno;
    if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
        return errno = saved, -1;
    if (spare >= 0 && lent < 0 && still_ours()) {
        syscall(SYS_close, spare);
        spare = -1;
        fd = sys_open(path, flags);
        if (fd >= 0) {
            lent = fd; /* taken back when it is closed */
            __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
            return fd;
        }
        saved = errno;
        spare = adopt(place(new_file(), spare_slot));
    } else if (spare >= 0 && lent < 0) {
        spare = -1; /* the program's file now: never closed by us */
    }
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
    errno = saved;
    return -1;
}

/* The slot of the fd lent (closed now) takes the spare back. A lock held by
 * a thread the scan stopped is not waited for: the spare is then lost, and
 * later opens at the limit fail as they would without it. */
static void take_back(int fd) {
    if (fd != __atomic_load_n(&lent, __ATOMIC_ACQUIRE))
        return;
    for (int i = 0; __atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE); i++)
        if (i == 1000)
            return;
    lent = -1;
    spare = adopt(place(new_file(), spare_slot));
    __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

void lc__fd_spare_close(int fd) {
    if (fd < 0)
        return;
    int saved = errno;
    syscall(SYS_close, fd);
    take_back(fd);
    errno = saved;
}

void lc__fd_spare_closed(int fd) {
    int saved = errno;
    take_back(fd);
    errno = saved;
}

int lc__fd_spare_is(int fd) {
    return fd >= 0 && fd == __atomic_load_n(&spare_slot, __ATOMIC_RELAXED) && lc__fd_ours(fd);
}

int lc__fd_spare_open_now(void) {
    int slot = __atomic_load_n(&spare_slot, __ATOMIC_RELAXED);
    return lc__fd_spare_is(slot) && syscall(SYS_fcntl, slot, F_GETFD) >= 0;
}
