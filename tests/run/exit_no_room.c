/* exit_no_room.c: a program that leaves no address space for leakcheck's
 * exit check. It loses one 100-byte block, then lowers RLIMIT_AS to its
 * current size plus SLACK KiB (argv[1]) and returns: with little slack the
 * check cannot list or scan the live blocks, and must say that memory was not
 * judged (exit 125) instead of calling it clean or the blocks lost; with room
 * enough, the block is definitely lost in main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void *volatile sink;

static long vm_size_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmSize:", 7))
            kib = strtol(line + 7, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

int main(int argc, char **argv) {
    long slack = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    sink = malloc(100);
    sink = NULL; /* lost */
    long kib = vm_size_kib();
    rlim_t limit = (rlim_t)(kib + slack) * 1024;
    struct rlimit r = {limit, limit};
    if (kib < 0 || setrlimit(RLIMIT_AS, &r) != 0) {
        perror("exit_no_room: setrlimit");
        return 3;
    }
    return 0;
}
