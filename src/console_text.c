/* console_text.c: strings from tests (names, messages) made safe for a
 * terminal: control characters (ANSI escapes, newlines, carriage returns)
 * are printed as \xNN, so a test name cannot forge console lines or drive the
 * terminal. The reports keep the exact bytes (they escape by their own
 * rules). Report time only; calls stdio. */
#include <stdio.h>

#include "report.h"
#include "xml.h"

void lc__console_put(FILE *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

void lc__buf_put_console(struct lc_buf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            lc__buf_printf(b, "\\x%02x", *p);
        else
            lc__buf_putc(b, (char)*p);
    }
}
