/* suppress_test.c: the built-in rules a test's growth passes through (the
 * exit-time set is suppress.c's): memory a library keeps by design (per
 * thread, or glibc's setenv values), so it never counts as a test's leak. A rule names
 * the function that made the allocation (the first frame past the allocator
 * wrappers), not any frame. Report time only (findings.c), never on the hook path. */
#include <fnmatch.h>
#include <stddef.h>

#include "report.h"

/* OpenSSL 3's per-thread error queue (crypto/err/err.c, err_local.h):
 * ERR_NUM_ERRORS = 16 entries per thread; an entry's data buffer is kept and
 * reused when the slot is cleared or overwritten, its file and function
 * strings are freed and copied again by each new error, and the state is
 * freed when the thread ends. Filled by errors nobody clears, the queue grows
 * for 16 errors and then stays, however many calls that takes. */
static struct lc_suppression rules[] = {
    {"leak", "ERR_vset_error",
     "OpenSSL's per-thread error queue: an entry's data buffer (16 entries per thread, "
     "reused)", 0},
    {"leak", "ERR_add_error_vdata",
     "OpenSSL's per-thread error queue: an entry's data buffer (16 entries per thread, "
     "reused)", 0},
    {"leak", "ERR_set_debug",
     "OpenSSL's per-thread error queue: an entry's file and function names (16 entries "
     "per thread)", 0},
    {"leak", "err_set_debug",
     "OpenSSL's per-thread error queue: an entry's file and function names (16 entries "
     "per thread)", 0},
    {"leak", "ossl_err_get_state_int",
     "OpenSSL's per-thread error queue: the queue itself (one per thread, freed at its "
     "exit)", 0},
    /* glibc's setenv (stdlib/setenv.c) copies "NAME=value" and keeps every
     * copy in a tree (known_values) for the life of the process, so setting
     * an earlier value again reuses it and a new value costs a string and a
     * tree node. A fixture that sets a fresh path (mkdtemp) each run grows by
     * them in every iteration; the test's own code leaked nothing. */
    {"leak", "__add_to_environ",
     "glibc's setenv keeps every distinct value for the process (never freed by design)", 0},
};

/* Functions that only pass an allocation on: the allocating function is the
 * first frame after them (leakcheck's own malloc frames are already dropped).
 * tsearch allocates its node for its caller: setenv's value tree is matched
 * at __add_to_environ, a tree of the program's own at the program's caller. */
static const char *const wrappers[] = {
    "CRYPTO_malloc", "CRYPTO_zalloc",  "CRYPTO_realloc", "CRYPTO_clear_realloc",
    "CRYPTO_strdup", "CRYPTO_strndup", "CRYPTO_memdup",  "__tsearch",
    "tsearch",
};

static int is_wrapper(const char *fn) {
    for (size_t i = 0; fn && i < sizeof wrappers / sizeof wrappers[0]; i++)
        if (fnmatch(wrappers[i], fn, 0) == 0)
            return 1;
    return 0;
}

static struct lc_suppression *rule_for(const char *fn) {
    for (size_t r = 0; fn && r < sizeof rules / sizeof rules[0]; r++)
        if (fnmatch(rules[r].pattern, fn, 0) == 0)
            return &rules[r];
    return NULL;
}

struct lc_suppression *lc__test_rules(size_t *n) {
    *n = sizeof rules / sizeof rules[0];
    return rules;
}

/* The allocating function and the functions inlined at its call (they share
 * its address): one of them must be a rule's. A frame with no name ends the
 * search, so an unknown caller is never suppressed. */
struct lc_suppression *lc__test_rule_match(const lc_frame *frames, int n) {
    int i = 0;
    while (i < n && is_wrapper(frames[i].function))
        i++;
    for (; i < n && frames[i].function; i++) {
        struct lc_suppression *s = rule_for(frames[i].function);
        if (s)
            return s;
        if (!frames[i].inlined)
            break;
    }
    return NULL;
}
