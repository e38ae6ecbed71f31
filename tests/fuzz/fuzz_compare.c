/* fuzz_compare.c: `leakcheck compare OLD NEW`, whose reader takes a report or
 * a baseline (load_entries in tools/compare.c). The input is both files,
 * split at the first NUL byte (no NUL: the same text twice). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "tool.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fz_quiet_stdout();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t n1 = nul ? (size_t)(nul - data) : size;
    const uint8_t *second = nul ? nul + 1 : data;
    size_t n2 = nul ? size - n1 - 1 : size;
    char p1[64], p2[64];
    int f1 = fz_file("old.json", data, n1, p1, sizeof p1);
    int f2 = fz_file("new.json", second, n2, p2, sizeof p2);
    char *argv[] = {"--format", "markdown", p1, p2, NULL};
    lc_cmd_compare(4, argv);
    close(f1);
    close(f2);
    return 0;
}
