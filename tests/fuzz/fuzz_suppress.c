/* fuzz_suppress.c: the suppression parser (lc__rules_parse), as it reads a
 * LEAKCHECK_SUPPRESSIONS file or LEAKCHECK_EXPECT text. Every rule it accepts
 * has a known kind and a non-empty pattern; a refusal names the origin. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_strdup(data, size);
    struct lc_suppression *rules = NULL;
    size_t n = 0;
    char err[512] = "";
    if (lc__rules_parse(text, "fuzz.supp", &rules, &n, err, sizeof err)) {
        if (!strstr(err, "fuzz.supp"))
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        if (!rules[i].pattern || !rules[i].pattern[0])
            abort();
        if (strcmp(rules[i].kind, "leak") && strcmp(rules[i].kind, "thread") &&
            strcmp(rules[i].kind, "fd") && strcmp(rules[i].kind, "mapping") &&
            strcmp(rules[i].kind, "process") && strcmp(rules[i].kind, "sweep"))
            abort();
    }
    lc__xfree(rules);
    free(text);
    return 0;
}
