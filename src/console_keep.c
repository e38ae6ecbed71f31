/* console_keep.c: copies of standard output and error, taken before the
 * first test, for leakcheck's console lines once the program has closed or
 * replaced fd 1 or 2 (tpm2-tss's io test: a mocked socket() hands out fd 1,
 * which the code under test then closes). Calls stdio, fcntl and fds.c;
 * report time, never on the hook path. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "fds.h"
#include "internal.h"

static struct {
    FILE *copy;
    dev_t dev;
    ino_t ino;
    char buf[4096]; /* the copy's line buffer: stdio never allocates one */
} kept[2];

/* Takes the copies (once; the caller has the guard up). Above fd 100, out
 * of the way of tests that close and reuse low numbers; leakcheck's own. */
void lc__console_keep(void) {
    for (int i = 0; i < 2; i++) {
        struct stat st;
        if (kept[i].copy || fstat(i + 1, &st) != 0)
            continue;
        int fd = fcntl(i + 1, F_DUPFD_CLOEXEC, 100);
        if (fd < 0)
            continue;
        FILE *f = fdopen(fd, "w");
        if (!f) {
            close(fd);
            continue;
        }
        lc__fd_mark_ours(fd);
        setvbuf(f, kept[i].buf, _IOLBF, sizeof kept[i].buf);
        kept[i].dev = st.st_dev;
        kept[i].ino = st.st_ino;
        kept[i].copy = f;
    }
}

/* stdout or stderr while its fd is still the file it was when the copies
 * were taken; else the copy (after the program's own buffered lines). */
FILE *lc__console_kept(FILE *f) {
    int i = f == stderr;
    struct stat st;
    if (!kept[i].copy ||
        (fstat(i + 1, &st) == 0 && st.st_dev == kept[i].dev && st.st_ino == kept[i].ino))
        return f;
    fflush(f); /* what the program wrote before, where it goes now */
    return kept[i].copy;
}
