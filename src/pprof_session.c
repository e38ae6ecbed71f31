/* pprof_session.c: LEAKCHECK_PPROF in a test binary: after every test and
 * at exit, the heap profile of the whole run so far (pprof_results.c), the
 * live process's modules declared with their build-ids (modules.c), written
 * through pprof.c. Called by session.c with the guard up; report time only,
 * never on the hook path nor from a signal handler. */
#include "internal.h"
#include "pprof.h"
#include "report.h"
#include "results.h"
#include "symtab.h"

static int declare_modules(struct lc_pprof *pp) {
    struct lc_module *mods = NULL;
    size_t n = 0;
    if (lc__modules_collect(&mods, &n))
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = lc__pprof_mapping(pp, mods[i].path, mods[i].build_id, mods[i].build_id_len,
                               mods[i].lo, mods[i].hi, 0);
    lc__modules_free(mods, n);
    return rc;
}

int lc__pprof_write_run(const struct lc_run *run, const char *path, char *err, size_t errlen) {
    char full[4096];
    lc__expand_path(path, full, sizeof full);
    struct lc_pprof *pp = lc__pprof_new(0);
    int rc = !pp || declare_modules(pp) || lc__pprof_add_run(pp, run) ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "leakcheck: cannot write pprof profile '%s': out of memory", full);
    else
        rc = lc__pprof_write(pp, full, err, errlen);
    lc__pprof_free(pp);
    return rc;
}
