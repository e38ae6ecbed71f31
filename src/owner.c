/* owner.c: which process owns the report paths. A test binary naming reports
 * exports LC_REPORTS_OWNER=PID:HASHES; a descendant that loads libleakcheck and
 * inherited the same path writes none of it (its rename would replace the
 * parent's report). Only a program built as a test claims (program_info.c).
 * Called once by scope.c's constructor, guard up; not on the hook path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "options.h"
#include "program_info.h"

#define OWNER_ENV "LC_REPORTS_OWNER"

static uint32_t path_hash(const char *s) {
    uint32_t h = 2166136261u; /* FNV-1a; "" and NULL hash alike: no path */
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* A path with %p names one file per process: never another process's. */
static int per_process(const char *p) { return p && strstr(p, "%p"); }

/* Drops *path when it is the owner's (same value inherited); appends its
 * variable's name to dropped. */
static void drop_inherited(const char **path, uint32_t owner_hash, const char *env,
                           char *dropped, size_t len) {
    if (!*path || !**path || per_process(*path) || path_hash(*path) != owner_hash)
        return;
    size_t used = strlen(dropped);
    snprintf(dropped + used, len - used, "%s%s '%s'", used ? ", " : "", env, *path);
    *path = "";
}

static int names_reports(const struct lc_options_values *o) {
    return (o->json && *o->json) || (o->junit && *o->junit) ||
           (o->baseline_update && o->baseline && *o->baseline);
}

void lc__owner_claim(struct lc_options_values *o) {
    if (o->run_mode)
        return; /* leakcheck run's tool writes every report and follows children */
    /* A wrapper before the test (timeout, env, a shell, make's test driver)
     * runs no test and writes no report: it claims nothing, so the test it
     * starts owns the paths (it took them all, and nothing was written). */
    if (!names_reports(o) || !lc__program_is_test())
        return;
    const char *bl = o->baseline_update ? o->baseline : "";
    const char *m = getenv(OWNER_ENV);
    long pid = 0;
    unsigned hj = 0, hu = 0, hb = 0;
    if (m && sscanf(m, "%ld:%x:%x:%x", &pid, &hj, &hu, &hb) == 4 && pid != getpid()) {
        char dropped[1024] = "";
        drop_inherited(&o->json, hj, "LEAKCHECK_JSON", dropped, sizeof dropped);
        drop_inherited(&o->junit, hu, "LEAKCHECK_JUNIT", dropped, sizeof dropped);
        if (o->baseline_update)
            drop_inherited(&o->baseline, hb, "LEAKCHECK_BASELINE", dropped, sizeof dropped);
        if (dropped[0])
            fprintf(stderr,
                    "leakcheck: %s: %s inherited from process %ld, which owns it: not "
                    "written by this process (%d); put %%p in the path for one report per "
                    "process\n",
                    program_invocation_short_name, dropped, pid, (int)getpid());
        bl = o->baseline_update ? o->baseline : "";
    }
    int any = (o->json && *o->json && !per_process(o->json)) ||
              (o->junit && *o->junit && !per_process(o->junit)) || (bl && *bl && !per_process(bl));
    if (!any)
        return;
    char v[96];
    snprintf(v, sizeof v, "%d:%x:%x:%x", (int)getpid(), path_hash(o->json), path_hash(o->junit),
             path_hash(bl));
    setenv(OWNER_ENV, v, 1);
}
