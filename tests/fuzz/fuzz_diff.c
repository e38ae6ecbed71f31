/* fuzz_diff.c: `leakcheck diff OLD NEW` (tools/diff.c), whose reader takes
 * any file: gzip or raw bytes, decoded as profile.proto by protobuf-c, then
 * checked index by index. The first two bytes (big-endian) are the length
 * of the old file, clamped; the new one is the rest. */
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
    if (size < 2)
        return 0;
    size_t rest = size - 2, cut = (size_t)data[0] << 8 | data[1];
    if (cut > rest)
        cut = rest;
    char p1[64], p2[64];
    int f1 = fz_file("old.pb.gz", data + 2, cut, p1, sizeof p1);
    int f2 = fz_file("new.pb.gz", data + 2 + cut, rest - cut, p2, sizeof p2);
    char *argv[] = {p1, p2, NULL};
    lc_cmd_diff(2, argv);
    close(f1);
    close(f2);
    return 0;
}
