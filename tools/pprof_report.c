/* pprof_report.c (tool): `leakcheck report --pprof OUT FILE.json...`: the
 * runs read back from JSON reports (tools/report.c) become one heap profile
 * (src/pprof_results.c), each frame's module declared as a mapping with the
 * build-id of the file on disk (libelf), written atomically. Not on any hook
 * path: the tool never links libleakcheck. */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <unistd.h>

#include "../src/pprof.h"
#include "tool.h"

/* Declares path with its build-id as found on disk now (none when the file
 * cannot be read: the profile still names it). */
static int declare_module(struct lc_pprof *pp, const char *path) {
    const void *id = NULL;
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    Elf *e = NULL;
    if (fd >= 0 && elf_version(EV_CURRENT) != EV_NONE)
        e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (e)
        n = dwelf_elf_gnu_build_id(e, &id);
    int rc = lc__pprof_mapping(pp, path, n > 0 ? id : NULL, n > 0 ? (size_t)n : 0, 0, 0, 0);
    if (e)
        elf_end(e);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int declare_frames(struct lc_pprof *pp, const lc_frame *f, int n) {
    for (int i = 0; i < n; i++)
        if (f[i].module && declare_module(pp, f[i].module))
            return -1;
    return 0;
}

static int declare_run(struct lc_pprof *pp, const struct lc_run *run) {
    for (size_t t = 0; t < run->ntests; t++)
        for (size_t i = 0; i < run->tests[t].nfindings; i++) {
            const struct lc_finding *f = &run->tests[t].findings[i];
            if (f->kind == LC_FINDING_MEMORY && declare_frames(pp, f->stack, f->nstack))
                return -1;
        }
    return 0;
}

int lc_tool_report_pprof(const char *out, const struct loaded *ls, size_t n) {
    struct lc_pprof *pp = lc__pprof_new(0);
    int rc = pp ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < n; k++)
        rc = declare_run(pp, &ls[k].run) || lc__pprof_add_run(pp, &ls[k].run) ? -1 : 0;
    char err[4600];
    if (rc)
        fprintf(stderr, "leakcheck: report: cannot write pprof profile '%s': out of memory\n",
                out);
    else if ((rc = lc__pprof_write(pp, out, err, sizeof err)) != 0)
        fprintf(stderr, "%s\n", err);
    lc__pprof_free(pp);
    return rc;
}
