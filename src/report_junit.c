/* report_junit.c: the library's JUnit XML report for one run (a test binary).
 * The rendering is junit.c's, shared with the leakcheck tool; this file adds
 * what only a running binary knows (its host name, the time) and writes the
 * file atomically, so a reader or a crash later in the run never sees half a
 * report. Report time only. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "junit.h"
#include "report.h"

void lc__report_timestamp(char *out, size_t len) {
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, len, "1970-01-01T00:00:00Z");
}

int lc__report_write_junit(const struct lc_run *run, const char *path, char *err,
                           size_t errlen) {
    char full[4096], host[256] = "", stamp[32];
    lc__guard_enter(); /* anything libc allocates on our behalf stays untracked */
    lc__expand_path(path, full, sizeof full);
    gethostname(host, sizeof host - 1);
    lc__report_timestamp(stamp, sizeof stamp);
    struct lc_junit_run jr = {.run = run, .hostname = host, .timestamp = stamp};
    struct lc_buf b;
    lc__buf_init(&b, lc__report_realloc, lc__report_free);
    lc__junit_render(&b, &jr, 1);
    int rc;
    if (b.failed) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': out of memory while "
                 "building it (the previous version is kept)", full);
        rc = -1;
    } else {
        rc = lc__write_atomic(full, b.data, b.len, err, errlen);
    }
    lc__buf_free(&b);
    lc__guard_leave();
    return rc;
}
