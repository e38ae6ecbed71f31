/* Option table access, shared by the library and the leakcheck tool.
 * Not on the hook path: options are read once, at start-up. */
#ifndef LC_OPTIONS_H
#define LC_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

enum lc_opt_type { LC_OPT_BOOL, LC_OPT_INT, LC_OPT_PATH, LC_OPT_ENUM, LC_OPT_FLAGS };

#define LC_OPT_FIELD_BOOL(f) int f;
#define LC_OPT_FIELD_INT(f) long f;
#define LC_OPT_FIELD_PATH(f) const char *f;
#define LC_OPT_FIELD_ENUM(f) int f;
#define LC_OPT_FIELD_FLAGS(f) unsigned f;

struct lc_options_values {
#define LC_OPT(f, env, type, def, mn, mx, choices, help) LC_OPT_FIELD_##type(f)
#include "options.def"
#undef LC_OPT
};

struct lc_option_desc {
    const char *field; /* also the tool's flag: --field-with-dashes */
    const char *env;
    enum lc_opt_type type;
    const char *def;
    long min, max;
    const char *choices;
    const char *help;
    size_t offset;
};

extern const struct lc_option_desc lc__option_table[];
extern const size_t lc__option_count;

/* Looks an option up by env name or by field / flag name (dashes or underscores). */
const struct lc_option_desc *lc__option_find(const char *name);
/* Stores the parsed value; on error writes a one-line message naming the option
 * and the accepted values into err and returns -1. text is kept by reference. */
int lc__option_set(const struct lc_option_desc *d, const char *text,
                   struct lc_options_values *v, char *err, size_t errlen);
/* Defaults, then every LEAKCHECK_* variable of the environment. Unknown
 * LEAKCHECK_* names are errors. Returns 0 or -1 with err filled. */
int lc__options_from_env(struct lc_options_values *v, char *err, size_t errlen);
/* The accepted values of an option, for messages and help ("1|0", "1..128"). */
void lc__option_accepted(const struct lc_option_desc *d, char *buf, size_t len);
/* Prints the options table: plain text, or a Markdown table for the README. */
void lc__options_print(FILE *out, int markdown);

#endif
