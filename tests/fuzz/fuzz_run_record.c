/* fuzz_run_record.c: the parser of the raw records that `leakcheck run`'s
 * traced processes hand back (lc_run_records_parse, tools/run_record.c). The
 * input is the record text; every stack a site names is looked up the way
 * run_report.c does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "../../tools/run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_strdup(data, size);
    struct rr_proc *procs = NULL;
    char err[512] = "";
    long n = lc_run_records_parse(text, size, &procs, err, sizeof err);
    if (n < 0 && !err[0])
        abort();
    for (long i = 0; i < n; i++) {
        const struct rr_proc *p = &procs[i];
        for (size_t k = 0; k < p->nsites; k++)
            (void)lc_run_stack(p, p->sites[k].stack);
    }
    if (n >= 0)
        lc_run_records_free(procs, (size_t)n);
    free(text);
    return 0;
}
