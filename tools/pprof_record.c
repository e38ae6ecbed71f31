/* pprof_record.c (tool): heap profiles of the records `leakcheck run`'s
 * traced processes hand over (run.h's struct rr_proc): each live site
 * symbolized by symtab.c over the record's own module map (with build-ids),
 * added to a profile (src/pprof.c) and written, %e/%p expanded. For `run
 * --pprof` and snapshots; the tool never links libleakcheck (no hook path). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"
#include "../src/pprof.h"
#include "../src/reach.h"
#include "../src/report.h"
#include "run.h"

static int add_mappings(struct lc_pprof *pp, const struct rr_proc *p) {
    for (size_t i = 0; i < p->nmods; i++) {
        const struct lc_module *m = &p->mods[i];
        if (lc__pprof_mapping(pp, m->path, m->build_id, m->build_id_len, m->lo, m->hi,
                              0))
            return -1;
    }
    return 0;
}

/* The frames of a site's stack, leakcheck's own outermost frames cut (as the
 * console cuts them); *n = 0 when the stack is unknown. */
static lc_frame *site_frames(const struct rr_proc *p, struct lc_symtab *syms, uint32_t id,
                             lc_frame *fr, int max, int *n) {
    const struct rr_stack *s = lc_run_stack(p, id);
    *n = s && syms ? lc__symtab_resolve(syms, s->pcs, s->n, s->epoch, fr, max) : 0;
    while (*n > 1 && fr[*n - 1].address >= p->self_lo && fr[*n - 1].address < p->self_hi)
        (*n)--;
    return fr;
}

static int64_t rest(uint64_t total, int64_t shown) {
    return (int64_t)total > shown ? (int64_t)total - shown : 0;
}

int lc_pprof_add_record(struct lc_pprof *pp, const struct rr_proc *p, struct lc_symtab *syms,
                        const char *test) {
    struct lc_symtab *own = NULL;
    if (!syms) {
        own = syms = lc__symtab_new(p->mods, p->nmods);
        if (syms)
            lc__symtab_set_wrapper_range(syms, p->wrap_lo, p->wrap_hi);
    }
    const char *label = test ? test : p->prog;
    lc_frame fr[LC_MAX_DEPTH * 2];
    int64_t shown[LC_PP_NVALUES] = {0};
    int rc = add_mappings(pp, p);
    for (size_t i = 0; rc == 0 && i < p->nsites; i++) {
        const struct rr_site *s = &p->sites[i];
        int n;
        site_frames(p, syms, s->stack, fr, (int)(sizeof fr / sizeof fr[0]), &n);
        int64_t v[LC_PP_NVALUES] = {(int64_t)s->blocks, (int64_t)s->bytes, (int64_t)s->blocks,
                                    (int64_t)s->bytes};
        lc__pprof_scale(pp, v);
        for (int k = 0; k < LC_PP_NVALUES; k++)
            shown[k] += v[k];
        rc = lc__pprof_sample_exact(pp, fr, n, v, label,
                                    p->unscanned ? NULL : lc__reach_kind_name(s->kind));
    }
    /* the counters are exact: what the sites do not show has no stack */
    int64_t v[LC_PP_NVALUES] = {
        rest(p->counters[0], shown[0]), rest(p->counters[2], shown[1]),
        rest(p->counters[4], shown[2]), rest(p->counters[5], shown[3])};
    lc_frame none = {.function = LC_PPROF_NO_STACK};
    if (rc == 0 && (v[0] || v[1] || v[2] || v[3]))
        rc = lc__pprof_sample_exact(pp, &none, 1, v, label, NULL);
    lc__symtab_free(own);
    return rc;
}

int lc_pprof_write_records(const struct rr_proc *procs, size_t n, const char *path, char *err,
                           size_t errlen) {
    struct lc_pprof *pp = lc__pprof_new(n ? procs[0].sample_rate : 0);
    int rc = pp ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *prog = procs[i].prog ? procs[i].prog : "?";
        char test[300];
        if (i == 0)
            snprintf(test, sizeof test, "process:%s", prog);
        else
            snprintf(test, sizeof test, "process:%s[%d]", prog, procs[i].pid);
        rc = lc_pprof_add_record(pp, &procs[i], NULL, test);
    }
    char full[4096];
    lc__expand_path_for(path, full, sizeof full, n ? procs[0].pid : 0,
                        n && procs[0].prog ? procs[0].prog : "");
    if (rc) {
        snprintf(err, errlen, "leakcheck: cannot write pprof profile '%s': out of memory", full);
    } else {
        rc = lc__pprof_write(pp, full, err, errlen);
    }
    lc__pprof_free(pp);
    return rc;
}
