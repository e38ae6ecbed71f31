/* failsafe.c: whether the tracker can observe a test at all, so a test it
 * cannot see is an error and never CLEAN: owns the checks at a test's start
 * (tracker memory mapped, a check enabled) and end (no allocation dropped);
 * whose malloc is in use is sanitizer.c's. Calls lc__init and the table's
 * lost counter; not on the hook path. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "leakcheck/leakcheck.h"
#include "children.h"
#include "fds.h"
#include "maps.h"

static uint64_t lost_at_begin, maps_lost_at_begin, fds_unreadable_at_begin;
static int fds_checked;

/* Why /proc/self/fd could not be listed, for the failure's line. */
static const char *fd_reason(int err) {
    return err == EMFILE || err == ENFILE
               ? "no fd free: the process is at its open-file limit, ulimit -n; an earlier "
                 "test's fds?"
               : strerror(err);
}

int lc__failsafe_begin(unsigned checks, char *err, size_t errlen) {
    int rc = lc__init();
    if (rc) {
        snprintf(err, errlen,
                 "leakcheck: cannot observe this test: the tracker could not map its memory "
                 "(%s; an address-space limit such as ulimit -v?)",
                 lc_strerror(rc));
        return -1;
    }
    if (checks == 0) {
        snprintf(err, errlen,
                 "leakcheck: cannot observe this test: LEAKCHECK_CHECKS turns every check off "
                 "(accepted: memory, threads, fds, mappings, processes)");
        return -1;
    }
    if ((checks & LEAKCHECK_CHECK_MAPPINGS) && lc__maps_observable(err, errlen))
        return -1;
    if ((checks & LEAKCHECK_CHECK_PROCESSES) && !lc__children_observable(err, errlen))
        return -1;
    fds_checked = (checks & LEAKCHECK_CHECK_FDS) != 0;
    fds_unreadable_at_begin = lc__fds_unreadable(NULL);
    lost_at_begin = lc__table_lost();
    maps_lost_at_begin = lc__maps_lost();
    return 0;
}

int lc__failsafe_end(char *err, size_t errlen) {
    uint64_t lost = lc__table_lost() - lost_at_begin;
    uint64_t maps = lc__maps_lost() - maps_lost_at_begin;
    int fd_err = 0;
    uint64_t fds = lc__fds_unreadable(&fd_err) - fds_unreadable_at_begin;
    if (!lost && fds && fds_checked) {
        snprintf(err, errlen,
                 "leakcheck: cannot judge this test's fds: /proc/self/fd could not be listed "
                 "%llu time%s (%s); LEAKCHECK_CHECKS without 'fds' judges the rest",
                 (unsigned long long)fds, fds == 1 ? "" : "s", fd_reason(fd_err));
        return -1;
    }
    if (!lost && maps) {
        snprintf(err, errlen,
                 "leakcheck: cannot judge this test: %llu mapping%s not recorded (the "
                 "mapping table's 16384 records were all in use)",
                 (unsigned long long)maps, maps == 1 ? " was" : "s were");
        return -1;
    }
    if (!lost)
        return 0;
    snprintf(err, errlen,
             "leakcheck: cannot judge this test: %llu allocation%s not recorded (the tracker "
             "ran out of memory for its table)",
             (unsigned long long)lost, lost == 1 ? " was" : "s were");
    return -1;
}
