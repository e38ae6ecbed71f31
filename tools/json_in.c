/* json_in.c: the tool's typed reading of report JSON (json_in.h): errors as
 * one line into the caller's buffer, accessors tolerant of missing or null
 * members. Calls jansson and libc only; not on any hook path. */
#include "json_in.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int lc_jin_fail(struct lc_jin *c, const char *fmt, ...) {
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "leakcheck: %s: %s: %s", c->cmd, c->path, what);
    return -1;
}

void *lc_jin_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "leakcheck: report: out of memory\n");
        exit(2);
    }
    return p;
}

/* The member, NULL when missing or null. */
static json_t *member(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return v && !json_is_null(v) ? v : NULL;
}

int lc_jin_str(struct lc_jin *c, json_t *o, const char *key, const char *where,
               const char **out) {
    json_t *v = member(o, key);
    *out = NULL;
    if (v && !json_is_string(v))
        return lc_jin_fail(c, "%s.%s is not a string", where, key);
    *out = v ? json_string_value(v) : NULL;
    return 0;
}

int lc_jin_int(struct lc_jin *c, json_t *o, const char *key, const char *where,
               long long *out) {
    json_t *v = member(o, key);
    *out = 0;
    if (v && !json_is_integer(v))
        return lc_jin_fail(c, "%s.%s is not an integer", where, key);
    *out = v ? json_integer_value(v) : 0;
    return 0;
}

int lc_jin_uint(struct lc_jin *c, json_t *o, const char *key, const char *where,
                uint64_t *out) {
    long long v;
    if (lc_jin_int(c, o, key, where, &v))
        return -1;
    if (v < 0)
        return lc_jin_fail(c, "%s.%s is negative", where, key);
    *out = (uint64_t)v;
    return 0;
}

int lc_jin_num(struct lc_jin *c, json_t *o, const char *key, const char *where,
               double *out) {
    json_t *v = member(o, key);
    *out = 0;
    if (v && !json_is_number(v))
        return lc_jin_fail(c, "%s.%s is not a number", where, key);
    *out = v ? json_number_value(v) : 0;
    return 0;
}

int lc_jin_array(struct lc_jin *c, json_t *o, const char *key, const char *where,
                 json_t **out) {
    json_t *v = member(o, key);
    *out = NULL;
    if (v && !json_is_array(v))
        return lc_jin_fail(c, "%s.%s is not an array", where, key);
    *out = v;
    return 0;
}
