/* cmocka_fit.c: a failure message cut to what cmocka 1.1 prints whole.
 * cmocka 1.1's print_error formats "[  ERROR   ] --- MESSAGE\n" into a
 * 1024-byte buffer, and MESSAGE ends with the "[   LINE   ] --- file:line:
 * error: Failure!" that _fail appends: past that size the location and the
 * newline are lost (TAP and subunit lines too; its XML is written uncut).
 * Whole lines are kept, the rest counted in one "... N more in the reports"
 * line. Called by cmocka_glue.c; calls engine.c; not on the hook path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "internal.h"
#include "xml.h"

#define PRINT_MAX 1023 /* cmocka 1.1 vprint_error: char buffer[1024] */
#define MORE_ROOM 64   /* "    ... N more" and where the rest are, for any N */

/* Bytes left for the message once cmocka's own words are printed around it. */
static size_t budget(const char *file, int line) {
    char tail[64];
    int n = snprintf(tail, sizeof tail, ":%d: error: Failure!\n", line);
    size_t fixed = strlen("[  ERROR   ] --- ") + strlen("[   LINE   ] --- ") +
                   strlen(file ? file : "") + (n > 0 ? (size_t)n : 0);
    return fixed + MORE_ROOM + 64 < PRINT_MAX ? PRINT_MAX - fixed : MORE_ROOM + 64;
}

/* A "    ... N more WHERE" line (engine.c's last detail line): its N, and
 * WHERE in where (its own words kept), else 0. */
static size_t more_count(const char *line, size_t len, char *where, size_t wlen) {
    static const char head[] = "    ... ";
    size_t n = 0, h = sizeof head - 1;
    int used = 0;
    if (len <= h || len >= wlen + h + 24 || strncmp(line, head, h) != 0)
        return 0;
    char copy[160];
    if (len >= sizeof copy)
        return 0;
    memcpy(copy, line, len);
    copy[len] = '\0';
    if (sscanf(copy + h, "%zu more %n", &n, &used) != 1 || used == 0)
        return 0;
    snprintf(where, wlen, "%s", copy + h + used);
    where[strcspn(where, "\n")] = '\0';
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

/* cmocka writes its XML with fprintf, uncut: only its console formats cut. */
static int output_is_xml(void) {
    const char *o = getenv("CMOCKA_MESSAGE_OUTPUT");
    return o && strcasecmp(o, "xml") == 0;
}

const char *lc__cmocka_fit(const char *text, const char *file, int line,
                           struct lc_buf *out) {
    size_t room = budget(file, line), total = strlen(text);
    if (total <= room || output_is_xml())
        return text;
    size_t dropped = 0, keep = room - MORE_ROOM;
    char where[96];
    snprintf(where, sizeof where, "%s", lc__details_more_where());
    int full = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        size_t more = p == text ? 0 : more_count(p, len, where, sizeof where);
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
        lc__buf_printf(out, "    ... %zu more %s\n", dropped, where);
    return out->failed || !out->data ? text : out->data;
}
