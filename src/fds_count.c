/* fds_count.c: how many fds the program has open, counted once per
 * iteration. Linux 6.2 and later give the count as the size of
 * /proc/self/fd (one stat, no directory listing: a listing makes a dentry
 * per fd and was 8% of the pattern suite's CPU time); the first count
 * checks that size against fds.c's listing and keeps the listing when they
 * differ (an older kernel says 0). Report time, never on the hook path. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_spare.h"
#include "fds.h"

enum { UNKNOWN, BY_SIZE, BY_LISTING };
static int method = UNKNOWN;

/* The kernel's count less the spare's fd; -1 when it gives none. */
static long by_size(void) {
    struct stat st;
    if (syscall(SYS_newfstatat, AT_FDCWD, "/proc/self/fd", &st, 0) != 0 || st.st_size <= 0)
        return -1;
    return (long)st.st_size - lc__fd_spare_open_now();
}

uint32_t lc__fds_count(void) {
    int m = __atomic_load_n(&method, __ATOMIC_RELAXED);
    if (m == BY_SIZE) {
        long n = by_size();
        if (n >= 0)
            return (uint32_t)n;
    }
    uint32_t listed = lc__fds_count_listed();
    if (m == UNKNOWN) { /* another thread's open between the two counts: the listing stays */
        long n = by_size();
        __atomic_store_n(&method, n >= 0 && (uint32_t)n == listed ? BY_SIZE : BY_LISTING,
                         __ATOMIC_RELAXED);
    }
    return listed;
}
