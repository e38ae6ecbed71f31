/* json_in.h: reading leakcheck's JSON reports in the tool: the one-line
 * error of a structural problem, and typed member accessors that accept a
 * missing key or null (older or process-mode reports leave out what they do
 * not know) but reject a value of the wrong type. Used by report.c (`leakcheck
 * report`) and html_model.c (the HTML page's model). Not on any hook path. */
#ifndef LC_JSON_IN_H
#define LC_JSON_IN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Where a structural problem was found, for the one-line error. */
struct lc_jin {
    const char *path;
    char *err;
    size_t errlen;
    const char *cmd; /* the command named in errors */
};

/* Writes "leakcheck: CMD: PATH: what" to c->err; returns -1. */
int lc_jin_fail(struct lc_jin *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* calloc that never returns NULL (out of memory: one line, exit 2). */
void *lc_jin_calloc(size_t n, size_t size);

/* 0 with *out set (NULL/0 when the key is missing or null), -1 on a value of
 * the wrong type (the error names WHERE.KEY). */
int lc_jin_str(struct lc_jin *c, json_t *o, const char *key, const char *where,
               const char **out);
int lc_jin_int(struct lc_jin *c, json_t *o, const char *key, const char *where,
               long long *out);
int lc_jin_uint(struct lc_jin *c, json_t *o, const char *key, const char *where,
                uint64_t *out);
int lc_jin_num(struct lc_jin *c, json_t *o, const char *key, const char *where,
               double *out);
int lc_jin_array(struct lc_jin *c, json_t *o, const char *key, const char *where,
                 json_t **out);

#endif
