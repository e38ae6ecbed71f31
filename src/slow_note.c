/* slow_note.c: the one line for a test whose repeated runs took long. A test
 * runs LEAKCHECK_WARMUP + LEAKCHECK_ITERATIONS times (more while its growth is
 * ambiguous): a suite whose tests sleep or wait on timeouts (sysrepo's lock
 * tests, about 11 s a run) takes ten times as long, and the line says so and
 * which options shorten it. Called by the engine after a test's verdict; not
 * on the hook path. */
#include <stdio.h>

#include "console.h"
#include "engine.h"
#include "results.h"

void lc__slow_note(const struct lc_test_result *r, long slow_ms) {
    unsigned runs = r->warmup + r->measured + r->extended;
    if (slow_ms < 0 || runs < 2 || r->duration * 1000.0 < (double)slow_ms)
        return;
    const char *prefix;
    FILE *out = lc__console(&prefix);
    fprintf(out, "%s[leakcheck] ", prefix);
    lc__console_put(out, r->name);
    fprintf(out, ": %u runs took %.1f s (%.1f s each: %u warm-up, %u measured", runs,
            r->duration, r->duration / runs, r->warmup, r->measured);
    unsigned ambiguous = r->extended > r->attribution ? r->extended - r->attribution : 0;
    if (ambiguous)
        fprintf(out, ", %u more while the growth was ambiguous, up to "
                     "LEAKCHECK_MAX_ITERATIONS", ambiguous);
    if (r->attribution)
        fprintf(out, ", %u more with stacks to find where the growth comes from",
                r->attribution);
    fputs(")", out);
    /* With those options a growth is attributed in 2 runs more (engine.c). */
    if (r->warmup > 1 || r->measured > 2 || r->extended)
        fprintf(out, "; LEAKCHECK_WARMUP=1 LEAKCHECK_ITERATIONS=2 LEAKCHECK_MAX_ITERATIONS=2 "
                     "would run it %s", r->attribution ? "5 times (2 of them with stacks)"
                                                       : "3 times");
    fputs(" (LEAKCHECK_SLOW_MS sets when this line is printed)\n", out);
    fflush(out);
}
