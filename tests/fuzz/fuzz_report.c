/* fuzz_report.c: `leakcheck report`'s JSON reader (lc_tool_report_load) and
 * everything it feeds: the text and Markdown summaries, the merged JUnit and
 * the HTML page (both written to /dev/null, a device the writer must not
 * replace). The input is one report file. */
#include <stdint.h>
#include <stdlib.h>
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
    char path[64];
    int fd = fz_file("report.json", data, size, path, sizeof path);
    char err[1024];
    struct loaded l = {.path = path};
    int ok = lc_tool_report_load(&l, err, sizeof err) == 0;
    lc_tool_report_unload(&l);
    if (ok) {
        char *text[] = {path, NULL};
        char *md[] = {"--format", "markdown", "--junit", "/dev/null",
                      "--html",   "/dev/null", path,    NULL};
        lc_cmd_report(1, text);
        lc_cmd_report(7, md);
    }
    close(fd);
    return 0;
}
