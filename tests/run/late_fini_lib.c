/* late_fini_lib: a library with process-lifetime state, shaped like libuv's
 * signal lock pipe (opened by the first uv_default_loop, closed by its
 * destructor): late_fini_start opens a pipe and allocates a table, and the
 * destructor (which glibc runs after libleakcheck's, since a preloaded library
 * is initialised last) closes and frees both. With LC_LATE_FINI_KEEP=1 in the
 * environment the destructor forgets the pipe, which must then be reported
 * with its opener. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pipefd[2] = {-1, -1};
static void *volatile table;
static int keep;

__attribute__((noinline)) static void late_fini_open(void) {
    if (pipe(pipefd) != 0)
        pipefd[0] = pipefd[1] = -1;
}

int late_fini_start(void) {
    const char *k = getenv("LC_LATE_FINI_KEEP");
    keep = k && strcmp(k, "1") == 0;
    late_fini_open();
    table = malloc(256);
    return pipefd[0] >= 0 && table != NULL;
}

__attribute__((destructor)) static void late_fini_fini(void) {
    free(table);
    table = NULL;
    if (keep || pipefd[0] < 0)
        return;
    close(pipefd[0]);
    close(pipefd[1]);
}
