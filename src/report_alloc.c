/* report_alloc.c: the allocator of report building (jansson through
 * json_set_alloc_funcs, the writers' text buffers): owns the failure flag that
 * marks a document incomplete (jansson drops what it cannot allocate, without
 * an error) and the test hook failing the Nth allocation. Calls glibc's
 * allocator (untracked); report time only, not on the hook path. */

#include "report.h"

static unsigned long count, fail_at;
static int failed;

static int should_fail(void) {
    count++;
    if (fail_at && count == fail_at)
        return 1;
    return 0;
}

void *lc__report_malloc(size_t n) {
    void *p = should_fail() ? NULL : lc__xmalloc(n);
    if (!p)
        failed = 1;
    return p;
}

void *lc__report_realloc(void *old, size_t n) {
    void *p = should_fail() ? NULL : lc__xrealloc(old, n);
    if (!p)
        failed = 1;
    return p;
}

void lc__report_free(void *p) { lc__xfree(p); }

void lc__report_alloc_begin(void) { failed = 0; }

int lc__report_alloc_failed(void) { return failed; }

void lc__report_fault_at(unsigned long n) {
    fail_at = n ? count + n : 0;
}

unsigned long lc__report_alloc_count(void) { return count; }
