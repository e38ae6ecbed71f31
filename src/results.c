/* results.c: the names of the result enums of results.h, both ways. The
 * library's writers print them and the leakcheck tool parses them back from a
 * JSON report, so this file is compiled into both and depends only on libc. */
#include "results.h"
#include "reach.h"

#include <string.h>

static const char *const verdicts[] = {"clean", "leak", "failed", "crashed", "skipped"};
static const char *const kinds[] = {"memory", "thread", "fd", "mapping", "process"};

const char *lc__verdict_name(int verdict) {
    if (verdict < 0 || (size_t)verdict >= sizeof verdicts / sizeof verdicts[0])
        return "unknown";
    return verdicts[verdict];
}

const char *lc__finding_kind_name(int kind) {
    if (kind < 0 || (size_t)kind >= sizeof kinds / sizeof kinds[0])
        return "unknown";
    return kinds[kind];
}

/* The leak kinds of reach.h, named here with the data model so that the tool,
 * which reads records but never scans, has them too. */
const char *lc__reach_kind_name(int kind) {
    static const char *const names[] = {"definite", "indirect", "possible", "reachable"};
    return kind >= 0 && kind <= LC_REACH_REACHABLE ? names[kind] : "?";
}

int lc__verdict_parse(const char *name) {
    for (size_t i = 0; name && i < sizeof verdicts / sizeof verdicts[0]; i++)
        if (strcmp(verdicts[i], name) == 0)
            return (int)i;
    return -1;
}

int lc__finding_kind_parse(const char *name) {
    for (size_t i = 0; name && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i], name) == 0)
            return (int)i;
    return -1;
}
