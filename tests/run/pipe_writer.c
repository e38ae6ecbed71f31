/* pipe_writer: writes numbered lines to stdout, N of them (argument) or until
 * the reader goes away, which kills it with SIGPIPE before any exit handler
 * runs (seq or sort before `| head` in a pipeline). Each line is formatted
 * into a heap buffer that is freed, so the clean case has nothing to report.
 * SIGPIPE is set to its default action first: a runner that ignores it would
 * otherwise turn the kill into a plain EPIPE exit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : -1;
    signal(SIGPIPE, SIG_DFL);
    for (long i = 0; n < 0 || i < n; i++) {
        char *line = malloc(32);
        if (!line)
            return 1;
        int len = snprintf(line, 32, "%ld\n", i);
        ssize_t w = write(1, line, (size_t)len);
        free(line);
        if (w != len)
            return 1;
    }
    return 0;
}
