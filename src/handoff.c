/* handoff.c: the string escaping of the run hand-off record (handoff.h),
 * shared by the traced side and the tool. Not on the hook path. */
#include "handoff.h"

#include <string.h>

static const char hexd[] = "0123456789abcdef";

void lc__handoff_escape(struct lc_buf *b, const char *s) {
    if (!s) {
        lc__buf_putc(b, '-');
        return;
    }
    if (!*s || (s[0] == '-' && !s[1])) {
        lc__buf_puts(b, *s ? "%2d" : "%");
        return; /* "" is "%" alone, "-" is escaped: neither reads as NULL */
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == '%' || *p == 0x7f) {
            char e[3] = {'%', hexd[*p >> 4], hexd[*p & 15]};
            lc__buf_putn(b, e, 3);
        } else {
            lc__buf_putc(b, (char)*p);
        }
    }
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *lc__handoff_unescape(char *s) {
    if (!s || (s[0] == '-' && !s[1]))
        return NULL;
    if (s[0] == '%' && !s[1]) {
        s[0] = 0;
        return s;
    }
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p != '%') {
            *o++ = *p;
            continue;
        }
        int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return NULL;
        *o++ = (char)(hi << 4 | lo);
        p += 2;
    }
    *o = 0;
    return s;
}
