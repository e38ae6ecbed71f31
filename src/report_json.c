/* report_json.c: the JSON report (jansson). Report time only.
 * Keys keep insertion order (jansson >= 2.8), so the output is deterministic
 * and reads top-down: schema first, tests last. */

#include <gnu/libc-version.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "options.h"
#include "report.h"

static json_malloc_t saved_malloc;
static json_free_t saved_free;

void lc__json_enter(void) {
    json_get_alloc_funcs(&saved_malloc, &saved_free);
    json_set_alloc_funcs(lc__xmalloc, lc__xfree);
}

void lc__json_leave(void) { json_set_alloc_funcs(saved_malloc, saved_free); }

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *lc__json_frames(const lc_frame *f, int n) {
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "0x%lx", (unsigned long)f[i].address);
        json_t *o = json_object();
        json_object_set_new(o, "function", str_or_null(f[i].function));
        json_object_set_new(o, "file", str_or_null(f[i].file));
        json_object_set_new(o, "line", f[i].line ? json_integer(f[i].line) : json_null());
        json_object_set_new(o, "module", str_or_null(f[i].module));
        json_object_set_new(o, "address", json_string(addr));
        if (f[i].inlined)
            json_object_set_new(o, "inlined", json_true());
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *options_json(void) {
    const struct lc_options_values *v = lc__opts();
    json_t *o = json_object();
    for (size_t i = 0; i < lc__option_count; i++) {
        const struct lc_option_desc *d = &lc__option_table[i];
        if (strncmp(d->help, "internal:", 9) == 0)
            continue;
        const char *field = (const char *)v + d->offset;
        switch (d->type) {
        case LC_OPT_BOOL: json_object_set_new(o, d->env, json_boolean(*(const int *)field)); break;
        case LC_OPT_INT: json_object_set_new(o, d->env, json_integer(*(const long *)field)); break;
        case LC_OPT_PATH: json_object_set_new(o, d->env, json_string(*(const char *const *)field)); break;
        case LC_OPT_ENUM: {
            int idx = *(const int *)field;
            const char *p = d->choices;
            for (int k = 0; k < idx && p; k++) {
                p = strchr(p, '|');
                p = p ? p + 1 : NULL;
            }
            const char *bar = p ? strchr(p, '|') : NULL;
            json_object_set_new(o, d->env,
                                p ? json_stringn(p, bar ? (size_t)(bar - p) : strlen(p))
                                  : json_null());
            break;
        }
        }
    }
    return o;
}

json_t *lc__json_document(void) {
    json_t *doc = json_object();
    json_t *schema = json_object();
    json_object_set_new(schema, "name", json_string(LC_JSON_SCHEMA_NAME));
    json_object_set_new(schema, "version", json_integer(LC_JSON_SCHEMA_VERSION));
    json_object_set_new(doc, "schema", schema);
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("leakcheck"));
    json_object_set_new(tool, "version", json_string(LEAKCHECK_VERSION_STRING));
    json_object_set_new(doc, "tool", tool);
    json_t *host = json_object();
    struct utsname u;
    char hn[256] = "";
    gethostname(hn, sizeof hn - 1);
    json_object_set_new(host, "hostname", json_string(hn));
    if (uname(&u) == 0) {
        json_object_set_new(host, "os", json_string(u.sysname));
        json_object_set_new(host, "kernel", json_string(u.release));
        json_object_set_new(host, "machine", json_string(u.machine));
    }
    json_object_set_new(host, "libc", json_string(gnu_get_libc_version()));
    json_object_set_new(host, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(host, "pid", json_integer(getpid()));
    json_object_set_new(host, "program", json_string(program_invocation_name));
    json_object_set_new(doc, "host", host);
    json_object_set_new(doc, "options", options_json());
    json_object_set_new(doc, "tests", json_array());
    json_object_set_new(doc, "benchmarks", json_array());
    return doc;
}

int lc__json_write(json_t *doc, const char *path, char *err, size_t errlen) {
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, "leakcheck: cannot encode the JSON report for '%s'", path);
        return -1;
    }
    size_t len = strlen(text);
    text[len] = 0;
    char *withnl = lc__xmalloc(len + 2);
    int rc;
    if (withnl) {
        memcpy(withnl, text, len);
        withnl[len] = '\n';
        rc = lc__write_atomic(path, withnl, len + 1, err, errlen);
        lc__xfree(withnl);
    } else {
        rc = lc__write_atomic(path, text, len, err, errlen);
    }
    lc__xfree(text);
    return rc;
}
