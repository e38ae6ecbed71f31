/* suppress.c: which allocation sites are never reported. Report time only.
 *
 * A rule is LSan-style: `leak:PATTERN` matches a site when any frame's
 * function, file or module matches PATTERN (shell glob: * and ?). The built-in
 * rules cover memory that glibc and libunwind allocate once and keep for the
 * life of the process by design; each says why. Hit counts go in the reports.
 * `thread:PATTERN` also matches a thread's name and `fd:PATTERN` an fd's
 * target (a path, "pipe:[*]", "socket:[*]"). A '#' at the start of a line or
 * after a blank starts a comment. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static struct lc_suppression builtin[] = {
    /* stdio buffers belong to their FILE and are freed by fclose; stdin, stdout
     * and stderr are never closed. A leaked FILE is still reported through its
     * own allocation in fopen/fdopen. */
    {"leak", "_IO_file_doallocate", "glibc stdio buffer, owned by its FILE", 0},
    /* the time zone cache, filled by the first localtime/tzset and kept */
    {"leak", "tzset_internal", "glibc time zone cache", 0},
    {"leak", "__tzfile_read", "glibc time zone cache", 0},
    /* a POSIX TZ string ("EST5EDT" without tzdata, "XST5XDT,M3.2.0,M11.1.0")
     * is parsed by tzset itself; the zone names are kept in __tzstring's list
     * for the process (tzname[] points into it) and never freed */
    {"leak", "__tzstring*", "glibc time zone names, kept for tzname[]", 0},
    {"leak", "__tzset_parse_tz", "glibc time zone names of a POSIX TZ string", 0},
    /* without libc6-dbg the static functions above have no name; the
     * exported entry points into the time zone cache still match */
    {"leak", "tzset", "glibc time zone cache (exported entry point)", 0},
    {"leak", "localtime*", "glibc time zone cache (exported entry point)", 0},
    {"leak", "mktime", "glibc time zone cache (exported entry point)", 0},
    /* locale data loaded by setlocale stays for the process */
    {"leak", "_nl_*", "glibc locale data", 0},
    {"leak", "setlocale", "glibc locale data", 0},
    /* NSS modules and their state (getpwnam, getaddrinfo) are cached */
    {"leak", "__nss_*", "glibc NSS module cache", 0},
    {"leak", "nss_*", "glibc NSS module cache", 0},
    /* the non-reentrant lookups (getpwuid, getgrnam, gethostbyname...) return
     * a buffer glibc keeps and reuses on the next call */
    {"leak", "getpw*", "glibc static result buffer of getpw*, reused by the next call", 0},
    {"leak", "getgr*", "glibc static result buffer of getgr*, reused by the next call", 0},
    {"leak", "getspnam", "glibc static result buffer, reused by the next call", 0},
    {"leak", "gethostby*", "glibc static result buffer, reused by the next call", 0},
    {"leak", "getservby*", "glibc static result buffer, reused by the next call", 0},
    {"leak", "getprotoby*", "glibc static result buffer, reused by the next call", 0},
    {"leak", "getnetby*", "glibc static result buffer, reused by the next call", 0},
    /* gettext: bindtextdomain/textdomain keep their bindings for the process */
    {"leak", "set_binding_values", "glibc gettext domain bindings", 0},
    {"leak", "textdomain", "glibc gettext current domain", 0},
    /* the multibyte conversion functions cache the locale's converters */
    {"leak", "__wcsmbs_load_conv", "glibc multibyte conversion cache", 0},
    /* iconv conversion descriptors are cached by gconv */
    {"leak", "__gconv_*", "glibc gconv cache", 0},
    /* setenv keeps every string it was given (POSIX allows no free) */
    {"leak", "__add_to_environ", "glibc setenv strings, never freed by design", 0},
    /* the dynamic loader's own structures for loaded modules and TLS */
    {"leak", "_dl_*", "dynamic loader structures for loaded modules", 0},
    {"leak", "__libc_dlopen_mode", "dynamic loader structures for loaded modules", 0},
    /* dlerror's per-thread buffer is kept until the next dl call */
    {"leak", "_dlerror_run", "glibc dlerror state", 0},
    /* an fd a pthread_once (or C11 call_once) initialiser opens is opened
     * once per process and kept by design: libuv's signal pipe, opened by
     * the first uv_loop_init */
    {"fd", "__pthread_once_slow", "opened by a pthread_once initialiser, once per process", 0},
    {"fd", "pthread_once", "opened by a pthread_once initialiser, once per process", 0},
    {"fd", "call_once", "opened by a call_once initialiser, once per process", 0},
    /* libuv's default loop is one static loop for the process: the first
     * uv_default_loop() opens its epoll fd, signal pipe and async eventfd,
     * kept until the program closes that loop (knot-resolver's
     * kr_rplan_push_query only reads its clock); a loop of the program's
     * own (uv_loop_init) is still reported */
    {"fd", "uv_default_loop", "libuv's default loop, opened once per process", 0},
    /* libunwind's caches (trace cache per thread, elf images) */
    {"leak", "_ULx86_64_*", "libunwind caches", 0},
    {"leak", "_Ux86_64_*", "libunwind caches", 0},
    {"leak", "unw_*", "libunwind caches", 0},
};

struct lc_suppression *lc__builtin_suppressions(size_t *n) {
    *n = sizeof builtin / sizeof builtin[0];
    return builtin;
}

/* Rules from LEAKCHECK_SUPPRESSIONS, after the built-in ones. */
static struct lc_suppression *all;
static size_t nall;

static int valid_kind(const char *k) {
    return !strcmp(k, "leak") || !strcmp(k, "thread") || !strcmp(k, "fd") ||
           !strcmp(k, "mapping") || !strcmp(k, "process") || !strcmp(k, "sweep");
}

/* A '#' at the start of a line or after a blank starts a comment, so that
 * "leak:cache_*   # why" is the rule "leak:cache_*"; a '#' inside a pattern
 * ("leak:a#b") stays part of it. */
static void strip_comment(char *line) {
    for (char *c = line; *c; c++) {
        if (*c == '#' && (c == line || c[-1] == ' ' || c[-1] == '\t')) {
            *c = 0;
            return;
        }
    }
}

int lc__rules_parse(const char *text, const char *origin, struct lc_suppression **rules,
                    size_t *nrules, char *err, size_t errlen) {
    unsigned lineno = 0;
    for (const char *p = text; *p;) {
        const char *eol = p + strcspn(p, "\n;");
        lineno++;
        char line[1024];
        size_t len = (size_t)(eol - p);
        if (len >= sizeof line) {
            snprintf(err, errlen, "leakcheck: %s:%u: line too long", origin, lineno);
            return -1;
        }
        memcpy(line, p, len);
        line[len] = 0;
        p = *eol ? eol + 1 : eol;
        strip_comment(line);
        len = strlen(line);
        char *b = line, *e = line + len;
        while (*b == ' ' || *b == '\t' || *b == '\r')
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            *--e = 0;
        if (!*b || *b == '#')
            continue;
        char *colon = strchr(b, ':');
        if (colon)
            *colon = 0;
        if (!colon || !valid_kind(b) || !colon[1]) {
            snprintf(err, errlen,
                     "leakcheck: %s:%u: expected leak:PATTERN, thread:PATTERN or fd:PATTERN, "
                     "got '%s%s%s'",
                     origin, lineno, b, colon ? ":" : "", colon ? colon + 1 : "");
            return -1;
        }
        struct lc_suppression *n = lc__xrealloc(*rules, (*nrules + 1) * sizeof *n);
        if (!n) {
            snprintf(err, errlen, "leakcheck: out of memory reading %s", origin);
            return -1;
        }
        *rules = n;
        n[*nrules] = (struct lc_suppression){lc__intern(b), lc__intern(colon + 1),
                                            lc__intern(origin), 0};
        (*nrules)++;
    }
    return 0;
}

int lc__suppressions_load(const char *path, char *err, size_t errlen) {
    size_t nb;
    struct lc_suppression *b = lc__builtin_suppressions(&nb);
    all = lc__xmalloc(nb * sizeof *all);
    if (!all) {
        snprintf(err, errlen, "leakcheck: out of memory");
        return -1;
    }
    memcpy(all, b, nb * sizeof *all);
    nall = nb;
    if (!path || !*path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "leakcheck: cannot read suppressions file '%s' "
                 "(LEAKCHECK_SUPPRESSIONS): %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *text = lc__xmalloc(cap);
    size_t got;
    while (text && (got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *t = lc__xrealloc(text, cap * 2);
            if (!t) {
                lc__xfree(text);
                text = NULL;
                break;
            }
            text = t;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!text || bad) {
        lc__xfree(text);
        snprintf(err, errlen, "leakcheck: cannot read suppressions file '%s'", path);
        return -1;
    }
    text[len] = 0;
    const char *nul = memchr(text, 0, len);
    if (nul) { /* it would silently end the rules there */
        unsigned line = 1;
        for (const char *q = text; q < nul; q++)
            line += *q == '\n';
        lc__xfree(text);
        snprintf(err, errlen, "leakcheck: suppressions file '%s' line %u: a NUL byte "
                 "(LEAKCHECK_SUPPRESSIONS must name a text file)", path, line);
        return -1;
    }
    /* a suppressions file separates rules by lines only */
    for (size_t i = 0; i < len; i++)
        if (text[i] == ';')
            text[i] = ' ';
    int rc = lc__rules_parse(text, path, &all, &nall, err, errlen);
    lc__xfree(text);
    return rc;
}

struct lc_suppression *lc__suppressions_user(size_t *n) {
    size_t nb;
    lc__builtin_suppressions(&nb);
    *n = all && nall > nb ? nall - nb : 0;
    return all ? all + nb : NULL;
}

struct lc_suppression *lc__suppressions(size_t *n) {
    if (!all)
        return lc__builtin_suppressions(n);
    *n = nall;
    return all;
}

static int frame_matches(const lc_frame *f, const char *pattern) {
    const char *fields[3] = {f->function, f->file, f->module};
    for (int i = 0; i < 3; i++) {
        if (!fields[i])
            continue;
        if (fnmatch(pattern, fields[i], 0) == 0)
            return 1;
        /* a module or file pattern without a directory matches the basename */
        const char *slash = strrchr(fields[i], '/');
        if (i > 0 && slash && !strchr(pattern, '/') && fnmatch(pattern, slash + 1, 0) == 0)
            return 1;
    }
    return 0;
}

struct lc_suppression *lc__suppressed(const char *kind, const char *subject,
                                      const lc_frame *frames, int n,
                                      struct lc_suppression *rules, size_t nrules) {
    for (size_t r = 0; r < nrules; r++) {
        if (strcmp(rules[r].kind, kind) != 0)
            continue;
        if (subject && fnmatch(rules[r].pattern, subject, 0) == 0)
            return &rules[r];
        for (int i = 0; i < n; i++)
            if (frame_matches(&frames[i], rules[r].pattern))
                return &rules[r];
    }
    return NULL;
}
