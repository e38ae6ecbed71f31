/* lib_shim.c: what the library's report-time sources (report*.c, suppress.c,
 * util.c, symtab.c), compiled into the tool, expect from the library around
 * them: the per-thread guard (nothing is tracked in the tool, so it only
 * counts), the global state and the options. */
#include "../src/internal.h"
#include "../src/options.h"
#include "tool.h"

__thread struct lc_tls lc__tls __attribute__((tls_model("initial-exec")));
struct lc_state lc__st;

static const struct lc_options_values *tool_opts;

void lc_tool_set_options(const struct lc_options_values *o) { tool_opts = o; }

const struct lc_options_values *lc__opts(void) {
    static struct lc_options_values defaults;
    static int loaded;
    if (tool_opts)
        return tool_opts;
    if (!loaded) {
        char err[256];
        lc__options_from_env(&defaults, err, sizeof err);
        loaded = 1;
    }
    return &defaults;
}
