/* options.c: parses leakcheck's options from the one table in options.def.
 * Used by the library (at start-up, from the environment) and by the tool
 * (flags and environment). Never on the hook path. */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

const struct lc_option_desc lc__option_table[] = {
#define LC_OPT(f, env, type, def, mn, mx, choices, help)                                 \
    {#f, env, LC_OPT_##type, def, mn, mx, choices, help,                                 \
     offsetof(struct lc_options_values, f)},
#include "options.def"
#undef LC_OPT
};
const size_t lc__option_count = sizeof lc__option_table / sizeof lc__option_table[0];

static int name_eq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

const struct lc_option_desc *lc__option_find(const char *name) {
    for (size_t i = 0; i < lc__option_count; i++) {
        const struct lc_option_desc *d = &lc__option_table[i];
        if (strcmp(d->env, name) == 0 || name_eq(d->field, name))
            return d;
    }
    return NULL;
}

void lc__option_accepted(const struct lc_option_desc *d, char *buf, size_t len) {
    switch (d->type) {
    case LC_OPT_BOOL: snprintf(buf, len, "1|0|yes|no|true|false|on|off"); break;
    case LC_OPT_INT: snprintf(buf, len, "an integer %ld..%ld", d->min, d->max); break;
    case LC_OPT_PATH: /* choices, when given, say what a text value is */
        snprintf(buf, len, "%s", *d->choices ? d->choices : "a file path"); break;
    case LC_OPT_ENUM: snprintf(buf, len, "%s", d->choices); break;
    case LC_OPT_FLAGS: {
        snprintf(buf, len, "a comma-separated subset of ");
        size_t o = strlen(buf);
        for (const char *p = d->choices; *p && o + 1 < len; p++)
            buf[o++] = *p == '|' ? ',' : *p;
        buf[o] = 0;
        break;
    }
    }
}

static int parse_bool(const char *s) {
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int parse_enum(const char *choices, const char *s) {
    int idx = 0;
    size_t n = strlen(s);
    for (const char *p = choices; *p; idx++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, s, n) == 0)
            return idx;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

int lc__option_set(const struct lc_option_desc *d, const char *text,
                   struct lc_options_values *v, char *err, size_t errlen) {
    char *field = (char *)v + d->offset;
    char accepted[128];
    switch (d->type) {
    case LC_OPT_BOOL: {
        int b = parse_bool(text);
        if (b < 0)
            goto bad;
        *(int *)field = b;
        return 0;
    }
    case LC_OPT_INT: {
        char *end;
        errno = 0;
        long n = strtol(text, &end, 10);
        if (errno || end == text || *end || n < d->min || n > d->max)
            goto bad;
        *(long *)field = n;
        return 0;
    }
    case LC_OPT_PATH:
        *(const char **)field = text;
        return 0;
    case LC_OPT_ENUM: {
        int e = parse_enum(d->choices, text);
        if (e < 0)
            goto bad;
        *(int *)field = e;
        return 0;
    }
    case LC_OPT_FLAGS: {
        unsigned bits = 0;
        char item[64];
        for (const char *p = text; *p;) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            if (n == 0 || n >= sizeof item)
                goto bad;
            memcpy(item, p, n);
            item[n] = 0;
            int e = parse_enum(d->choices, item);
            if (e < 0)
                goto bad;
            bits |= 1u << e;
            p += n + (comma ? 1 : 0);
            if (comma && !*p)
                goto bad;
        }
        *(unsigned *)field = bits;
        return 0;
    }
    }
bad:
    lc__option_accepted(d, accepted, sizeof accepted);
    snprintf(err, errlen, "leakcheck: invalid value '%s' for %s (accepted: %s)", text,
             d->env, accepted);
    return -1;
}

/* Internal options ("internal:" rows) are how `leakcheck run` talks to the
 * library it preloads; anywhere else they would turn a test binary into one
 * whole-process scope. They are taken from the environment only when a
 * libleakcheck is in LD_PRELOAD, as `leakcheck run` puts it. */
static int preloaded(void) {
    const char *p = getenv("LD_PRELOAD");
    while (p && *p) {
        size_t n = strcspn(p, ": ");
        const char *base = p;
        for (const char *q = p; q < p + n; q++)
            if (*q == '/')
                base = q + 1;
        if ((size_t)(p + n - base) >= 12 && strncmp(base, "libleakcheck", 12) == 0)
            return 1;
        p += n;
        p += strspn(p, ": ");
    }
    return 0;
}

int lc__options_from_env(struct lc_options_values *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    for (size_t i = 0; i < lc__option_count; i++) {
        if (lc__option_set(&lc__option_table[i], lc__option_table[i].def, v, err, errlen))
            return -1; /* a broken default is a bug in options.def */
    }
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "LEAKCHECK_", 10) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char name[128];
        size_t n = (size_t)(eq - *e);
        if (n >= sizeof name)
            n = sizeof name - 1;
        memcpy(name, *e, n);
        name[n] = 0;
        const struct lc_option_desc *d = NULL;
        for (size_t i = 0; i < lc__option_count; i++)
            if (strcmp(lc__option_table[i].env, name) == 0)
                d = &lc__option_table[i];
        if (!d) {
            snprintf(err, errlen,
                     "leakcheck: unknown option %s in the environment (see `leakcheck "
                     "--help` for the list)",
                     name);
            return -1;
        }
        if (strncmp(d->help, "internal:", 9) == 0 && !preloaded()) {
            snprintf(err, errlen,
                     "leakcheck: %s is internal to `leakcheck run` and refused from the "
                     "environment here (libleakcheck is not preloaded)",
                     name);
            return -1;
        }
        if (lc__option_set(d, eq + 1, v, err, errlen))
            return -1;
    }
    return 0;
}

void lc__options_print(FILE *out, int markdown) {
    if (markdown) {
        fprintf(out, "| variable | `leakcheck run` flag | type | default | description |\n");
        fprintf(out, "|---|---|---|---|---|\n");
    }
    for (size_t i = 0; i < lc__option_count; i++) {
        const struct lc_option_desc *d = &lc__option_table[i];
        if (strncmp(d->help, "internal:", 9) == 0)
            continue;
        char flag[64], accepted[128];
        snprintf(flag, sizeof flag, "--%s", d->field);
        for (char *p = flag + 2; *p; p++)
            if (*p == '_')
                *p = '-';
        lc__option_accepted(d, accepted, sizeof accepted);
        if (markdown) {
            /* a '|' inside a Markdown table cell must be escaped */
            char esc[256];
            size_t o = 0;
            for (const char *p = accepted; *p && o + 2 < sizeof esc; p++) {
                if (*p == '|')
                    esc[o++] = '\\';
                esc[o++] = *p;
            }
            esc[o] = 0;
            fprintf(out, "| `%s` | `%s` | %s | `%s` | %s |\n", d->env, flag, esc,
                    *d->def ? d->def : "(none)", d->help);
        }
        else
            fprintf(out, "  %-28s %-22s %s\n  %-28s %-22s [%s; default: %s]\n", d->env,
                    flag, d->help, "", "", accepted, *d->def ? d->def : "none");
    }
}
