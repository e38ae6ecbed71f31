/* fuzz_baseline.c: the baseline reader (lc__bl_readable: parse + validate).
 * A document it accepts must survive the writer's round trip: dumped with
 * lc__bl_dump, it reads back as valid (the "baseline update writes what it
 * then refuses" class of bug). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "baseline.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_strdup(data, size);
    char err[512];
    if (lc__bl_readable(text, err, sizeof err) == 0) {
        json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
        char *again = doc ? lc__bl_dump(doc) : NULL;
        if (!again || lc__bl_readable(again, err, sizeof err))
            abort();
        free(again);
        json_decref(doc);
    }
    free(text);
    return 0;
}
