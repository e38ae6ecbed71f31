/* A program that leaks one block and closes stdout and stderr in an atexit
 * handler, as coreutils' close_stdout does: `leakcheck run` must still print
 * its report (test_run_cli.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* the block's address, inverted: no pointer to it remains (definitely lost) */
volatile uintptr_t closes_stderr_sink;

static void close_streams(void) {
    fclose(stdout);
    fclose(stderr);
}

__attribute__((noinline)) static void leak_before_exit(void) {
    closes_stderr_sink = ~(uintptr_t)malloc(77);
}

int main(void) {
    atexit(close_streams);
    leak_before_exit();
    puts("done");
    return 0;
}
