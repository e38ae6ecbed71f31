/* run_live_series.c: leakcheck run's memory time series: a bounded ring
 * (mmap) of points (lc__run_counters, threads and fds counted in /proc by
 * getdents64), filled by the helper thread, written into the exit record; when
 * full, every other point goes and the spacing doubles. Not on the hook path. */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fds.h"
#include "internal.h"
#include "run.h"
#include "run_live.h"

#define LC_SERIES_MAX 4096

struct point {
    uint64_t t_ms, allocs, frees, live_blocks, live_bytes, peak, threads, fds;
};

static struct point *ring;
static size_t npoints;
static unsigned stride = 1; /* samples per kept point after decimation */
static unsigned skipped;

int lc__series_init(unsigned interval_ms) {
    (void)interval_ms;
    ring = lc__mmap(LC_SERIES_MAX * sizeof *ring);
    return ring ? 0 : -1;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Numeric entries of a /proc directory, except skip (a tid or an fd; -1: none)
 * and, for fds, the listing's own fd and leakcheck's. */
static uint64_t count_entries(const char *path, int skip, int fds) {
    int d = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return 0;
    char buf[4096];
    uint64_t n = 0;
    long got;
    while ((got = syscall(SYS_getdents64, d, buf, sizeof buf)) > 0)
        for (long off = 0; off < got;) {
            struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
            off += e->d_reclen;
            if (e->d_name[0] < '0' || e->d_name[0] > '9')
                continue;
            int v = 0;
            for (const char *p = e->d_name; *p >= '0' && *p <= '9'; p++)
                v = v * 10 + (*p - '0');
            if (v == skip || (fds && (v == d || lc__fd_ours(v))))
                continue;
            n++;
        }
    close(d);
    return n;
}

/* Counters through run.c's one reader. */
static void read_counters(struct point *p) {
    lc_counters c;
    lc__run_counters(&c);
    p->allocs = c.allocs;
    p->frees = c.frees;
    p->live_blocks = c.live_blocks;
    p->live_bytes = c.live_bytes;
    p->peak = c.peak_bytes;
}

static void decimate(void) {
    size_t k = 0;
    for (size_t i = 0; i < npoints; i += 2)
        ring[k++] = ring[i];
    npoints = k;
    stride *= 2;
}

void lc__series_sample(uint64_t t_ms, int skip_tid, int force) {
    if (!ring)
        return;
    if (++skipped < stride && !force)
        return;
    skipped = 0;
    if (npoints == LC_SERIES_MAX)
        decimate();
    struct point *p = &ring[npoints];
    p->t_ms = t_ms;
    read_counters(p);
    /* the peak is the highest so far (the counters' per-thread peaks can sum
     * lower after threads retire) */
    uint64_t prev = npoints ? ring[npoints - 1].peak : 0;
    if (p->peak < prev)
        p->peak = prev;
    if (p->peak < p->live_bytes)
        p->peak = p->live_bytes;
    p->threads = count_entries("/proc/self/task", skip_tid, 0);
    p->fds = count_entries("/proc/self/fd", -1, 1);
    npoints++;
}

void lc__series_put(struct lc_buf *out) {
    for (size_t i = 0; ring && i < npoints; i++) {
        const struct point *p = &ring[i];
        lc__buf_printf(out, "series %llu %llu %llu %llu %llu %llu %llu %llu\n",
                       (unsigned long long)p->t_ms, (unsigned long long)p->allocs,
                       (unsigned long long)p->frees, (unsigned long long)p->live_blocks,
                       (unsigned long long)p->live_bytes, (unsigned long long)p->peak,
                       (unsigned long long)p->threads, (unsigned long long)p->fds);
    }
}
