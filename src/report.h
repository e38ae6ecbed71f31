/* Report-time declarations: suppressions, symbolized sites, console text,
 * JSON, atomic file writes. Nothing here runs on the hook path; everything runs
 * with the guard up, so its allocations are never tracked. */
#ifndef LC_REPORT_H
#define LC_REPORT_H

#include <stdio.h>

#include "internal.h"

struct lc_suppression {
    const char *kind;    /* "leak", later "thread", "fd" */
    const char *pattern; /* glob on function, file or module */
    const char *why;
    unsigned long hits;  /* sites matched */
};
struct lc_suppression *lc__builtin_suppressions(size_t *n);
/* The first rule of `kind` matching subject (a thread name, an fd target; may be
 * NULL) or any frame's function, file or module; NULL when none does. */
struct lc_suppression *lc__suppressed(const char *kind, const char *subject,
                                      const lc_frame *frames, int n,
                                      struct lc_suppression *rules, size_t nrules);
/* The built-in test-time rules (suppress_test.c): memory a library keeps per
 * thread by design (OpenSSL's error queue). lc__test_rule_match: the rule
 * naming the function that made the allocation (frames past the allocator
 * wrappers, inlined callers included), or NULL. */
struct lc_suppression *lc__test_rules(size_t *n);
struct lc_suppression *lc__test_rule_match(const lc_frame *frames, int n);
/* Parses rules ("kind:pattern" separated by newlines or ';', '#' comments)
 * and appends them; a bad line gives a one-line error naming origin:line. */
int lc__rules_parse(const char *text, const char *origin, struct lc_suppression **rules,
                    size_t *nrules, char *err, size_t errlen);
/* Built-in rules plus those of the file at path (NULL or "": none). */
int lc__suppressions_load(const char *path, char *err, size_t errlen);
/* Every rule in force (built-in ones until lc__suppressions_load ran). */
struct lc_suppression *lc__suppressions(size_t *n);
/* Only the rules of the LEAKCHECK_SUPPRESSIONS file (the harness's set). */
struct lc_suppression *lc__suppressions_user(size_t *n);

/* A surviving site with its symbolized stack. */
struct lc_report_site {
    const lc_site *site;
    lc_frame frames[LC_MAX_DEPTH * 2];
    int nframes;
};

/* Prints "    #i function (file:line) [module]" lines. */
const char *lc__frame_where(const lc_frame *f, char *buf, size_t len);
/* Set by a process that prints another process's frames (the tool), where
 * dladdr knows nothing of their modules. */
extern const char *(*lc__frame_where_hook)(const lc_frame *f, char *buf, size_t len);
void lc__print_frames(FILE *out, const lc_frame *frames, int n, int max, const char *indent);

/* Expands %p (pid) and %e (executable name) in a report path. */
void lc__expand_path(const char *in, char *out, size_t len);
/* The same for another process (the tool naming a traced program's files). */
void lc__expand_path_for(const char *in, char *out, size_t len, int pid, const char *name);
/* Writes data to path atomically with lc__safe_write (safe_write.h): a
 * private temp file in the same directory, then rename; devices and FIFOs in
 * place. Returns 0, or -1 with a one-line reason in err. */
int lc__write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);


/* ---- the allocator of report building (report_alloc.c) ---- */
/* glibc's allocator, counted: a failure sets a flag that the writers check
 * before a document replaces the previous one. */
void *lc__report_malloc(size_t n);
void *lc__report_realloc(void *p, size_t n);
void lc__report_free(void *p);
/* Clears the flag; 1 when an allocation failed since. */
void lc__report_alloc_begin(void);
int lc__report_alloc_failed(void);
/* Test hook: the nth report allocation from now fails (0: none); the count
 * of report allocations so far. */
void lc__report_fault_at(unsigned long n);
unsigned long lc__report_alloc_count(void);

/* ---- JSON (jansson) ---- */
#include <jansson.h>
#define LC_JSON_SCHEMA_NAME "leakcheck-report"
#define LC_JSON_SCHEMA_VERSION 2 /* 2: fail_sweep per test (issue 12) */
/* Points jansson at glibc's allocator (never tracked) for the caller's JSON
 * work and restores the program's own jansson allocator afterwards. */
void lc__json_enter(void);
void lc__json_leave(void);
json_t *lc__json_frames(const lc_frame *frames, int n);
/* The top-level object: schema, tool, host, options, empty tests/benchmarks. */
json_t *lc__json_document(void);
int lc__json_write(json_t *doc, const char *path, char *err, size_t errlen);

/* ---- reports of a run (results.h), written after every test ---- */
#include "results.h"
/* The whole JSON document of a run (schema/leakcheck-report.schema.json).
 * Call between lc__json_enter and lc__json_leave; the caller owns the result.
 * Strings that are not valid UTF-8 are repaired (U+FFFD), so any bytes in a
 * test name or message still give a readable document. */
json_t *lc__json_run(const struct lc_run *run);
/* Write the JSON / JUnit XML report of a run to path, after expanding %p and
 * %e, atomically. Return 0, or -1 with a one-line reason in err. Safe to call
 * inside or outside a scope: the guard is raised while they run. */
int lc__report_write_json(const struct lc_run *run, const char *path, char *err,
                          size_t errlen);
int lc__report_write_junit(const struct lc_run *run, const char *path, char *err,
                           size_t errlen);
/* One element of the run's "tests" / "benchmarks" arrays (same rules). */
json_t *lc__json_test(const struct lc_run *run, const struct lc_test_result *t);
json_t *lc__json_bench(const struct lc_run *run, const struct lc_bench_result *b);
/* The run's "cmocka" object (what cmocka ran against what was judged), or
 * NULL when no cmocka group ran. */
json_t *lc__json_cmocka(const struct lc_run *run);
/* The run's reports kept up to date while it runs (report_stream.c): each
 * call costs O(the results added since the last call). The file is installed
 * once with lc__safe_install, then updated in place; a device or FIFO gets the
 * whole document once, at the call after lc__report_stream_finish. Return 0,
 * or -1 with a one-line reason in err (the file then holds its last complete
 * version). */
int lc__report_stream_json(const struct lc_run *run, const char *path, char *err,
                           size_t errlen);
int lc__report_stream_junit(const struct lc_run *run, const char *path, char *err,
                            size_t errlen);
/* The next stream calls are the run's last (the process is exiting). */
void lc__report_stream_finish(void);
/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (the reports' timestamp). */
void lc__report_timestamp(char *out, size_t len);

#endif
