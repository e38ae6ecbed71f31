/* pprof_results.c: the samples of a struct lc_run (results.h) for a heap
 * profile: per test, each memory finding's blocks and bytes live at the end,
 * and what the test's series counted beyond them at LC_PPROF_NO_STACK; every
 * sample labelled test=NAME. The library (LEAKCHECK_PPROF) and `leakcheck
 * report --pprof` (a run read back from JSON) share it. Report time only. */
#include "pprof.h"
#include "results.h"

static int64_t rest(uint64_t total, int64_t shown) {
    return (int64_t)total > shown ? (int64_t)total - shown : 0;
}

static int add_test(struct lc_pprof *p, const struct lc_test_result *t) {
    int64_t shown[LC_PP_NVALUES] = {0};
    for (size_t i = 0; i < t->nfindings; i++) {
        const struct lc_finding *f = &t->findings[i];
        if (f->kind != LC_FINDING_MEMORY)
            continue;
        int64_t v[LC_PP_NVALUES] = {(int64_t)f->blocks, (int64_t)f->bytes, (int64_t)f->blocks,
                                    (int64_t)f->bytes};
        for (int k = 0; k < LC_PP_NVALUES; k++)
            shown[k] += v[k];
        lc_frame none = {.function = LC_PPROF_NO_STACK};
        if (lc__pprof_sample(p, f->nstack ? f->stack : &none, f->nstack ? f->nstack : 1, v,
                             t->name, f->leak_kind))
            return -1;
    }
    uint64_t allocs = 0, bytes = 0;
    for (size_t i = 0; i < t->nseries; i++) {
        allocs += t->series[i].allocs;
        bytes += t->series[i].bytes_allocated;
    }
    const struct lc_snapshot *last = t->nseries ? &t->series[t->nseries - 1] : NULL;
    int64_t v[LC_PP_NVALUES] = {rest(allocs, shown[0]), rest(bytes, shown[1]),
                                last ? rest(last->live_blocks, shown[2]) : 0,
                                last ? rest(last->live_bytes, shown[3]) : 0};
    lc_frame none = {.function = LC_PPROF_NO_STACK};
    if (v[0] || v[1] || v[2] || v[3])
        return lc__pprof_sample_exact(p, &none, 1, v, t->name, NULL);
    return 0;
}

int lc__pprof_add_run(struct lc_pprof *p, const struct lc_run *run) {
    for (size_t i = 0; i < run->ntests; i++)
        if (add_test(p, &run->tests[i]))
            return -1;
    return 0;
}
