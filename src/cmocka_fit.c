/* cmocka_fit.c: a failure message cut to what cmocka 1.1 prints whole.
 * cmocka 1.1's print_error formats "[  ERROR   ] --- MESSAGE\n" into a
 * 1024-byte buffer, and MESSAGE ends with the "[   LINE   ] --- file:line:
 * error: Failure!" that _fail appends: past that size the location and the
 * newline are lost. Whole lines are kept, the rest counted in one "... N more
 * in the reports" line. Called by cmocka_glue.c; not on the hook path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka_glue.h"
#include "internal.h"
#include "xml.h"

#define PRINT_MAX 1023 /* cmocka 1.1 vprint_error: char buffer[1024] */
#define MORE_ROOM 48   /* "    ... N more in the reports\n" for any N */
static const char more_fmt[] = "    ... %zu more in the reports\n";

/* Bytes left for the message once cmocka's own words are printed around it. */
static size_t budget(const char *file, int line) {
    char tail[64];
    int n = snprintf(tail, sizeof tail, ":%d: error: Failure!\n", line);
    size_t fixed = strlen("[  ERROR   ] --- ") + strlen("[   LINE   ] --- ") +
                   strlen(file ? file : "") + (n > 0 ? (size_t)n : 0);
    return fixed + MORE_ROOM + 64 < PRINT_MAX ? PRINT_MAX - fixed : MORE_ROOM + 64;
}

/* The N of a trailing "    ... N more in the reports" line, else 0. */
static size_t more_count(const char *line, size_t len) {
    size_t n = 0;
    char rest[32];
    if (len < sizeof(more_fmt) - 8 || len > 64)
        return 0;
    char copy[72];
    memcpy(copy, line, len);
    copy[len] = '\0';
    if (sscanf(copy, "    ... %zu more in the report%31s", &n, rest) != 2)
        return 0;
    return n;
}

/* The first line cut at max bytes, on a UTF-8 sequence's start. */
static void put_cut(struct lc_buf *b, const char *s, size_t len, size_t max) {
    if (len <= max) {
        lc__buf_putn(b, s, len);
        return;
    }
    size_t cut = max > 4 ? max - 4 : 0;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    lc__buf_putn(b, s, cut);
    lc__buf_puts(b, "...\n");
}

const char *lc__cmocka_fit(const char *text, const char *file, int line,
                           struct lc_buf *out) {
    size_t room = budget(file, line), total = strlen(text);
    if (total <= room)
        return text;
    size_t dropped = 0, keep = room - MORE_ROOM;
    int full = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        size_t more = more_count(p, len);
        if (p == text)
            put_cut(out, p, len, keep);
        else if (more)
            dropped += more;
        else if (!full && out->len + len <= keep)
            lc__buf_putn(out, p, len);
        else
            full = 1, dropped++;
        p += len;
    }
    if (dropped)
        lc__buf_printf(out, more_fmt, dropped);
    return out->failed || !out->data ? text : out->data;
}
