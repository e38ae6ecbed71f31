/* xml.c: the growable buffer, UTF-8 repair and XML escaping declared in xml.h.
 * It is compiled into both the library and the leakcheck tool, so it uses no
 * leakcheck internals and allocates only through the caller's realloc. The
 * buffer never truncates: a name or a stack of any length is written whole, or
 * the buffer reports that memory ran out. */
#include "xml.h"

#include <stdio.h>
#include <string.h>

void lc__buf_init(struct lc_buf *b, lc_realloc_fn realloc_fn, lc_free_fn free_fn) {
    memset(b, 0, sizeof *b);
    b->realloc_fn = realloc_fn;
    b->free_fn = free_fn;
}

void lc__buf_free(struct lc_buf *b) {
    if (b->data)
        b->free_fn(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

/* Makes room for n more bytes plus the terminating NUL. */
static int reserve(struct lc_buf *b, size_t n) {
    if (b->failed)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *d = b->realloc_fn(b->data, cap);
    if (!d) {
        b->failed = 1;
        return -1;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}

void lc__buf_putn(struct lc_buf *b, const char *s, size_t n) {
    if (reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void lc__buf_puts(struct lc_buf *b, const char *s) { lc__buf_putn(b, s, strlen(s)); }

void lc__buf_putc(struct lc_buf *b, char c) { lc__buf_putn(b, &c, 1); }

void lc__buf_printf(struct lc_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

size_t lc__utf8_decode(const unsigned char *s, size_t n, unsigned *cp) {
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0; /* a continuation byte or 0xF8..0xFF where a sequence should start */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF are not
     * characters; strict readers (XML parsers, Python's json) reject them. */
    if (c < min || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
        return 0;
    *cp = c;
    return len;
}

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

int lc__utf8_valid(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        unsigned cp;
        size_t k = lc__utf8_decode(p, n, &cp);
        if (!k)
            return 0;
        p += k, n -= k;
    }
    return 1;
}

void lc__buf_put_utf8(struct lc_buf *b, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        unsigned cp;
        size_t k = lc__utf8_decode(p, n, &cp);
        if (k) {
            lc__buf_putn(b, (const char *)p, k);
            p += k, n -= k;
        } else {
            lc__buf_puts(b, replacement);
            p++, n--;
        }
    }
}

static int xml_char_ok(unsigned cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void lc__xml_escape(struct lc_buf *b, const char *s, enum lc_xml_mode mode) {
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    int pending_space = 0, wrote = 0;
    while (n) {
        unsigned cp;
        size_t k = lc__utf8_decode(p, n, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        } else if (!xml_char_ok(cp)) {
            cp = 0xFFFD;
        }
        const char *out = NULL;
        char ref[8];
        if (mode == LC_XML_ATTR_LINE && (cp == '\t' || cp == '\n' || cp == '\r')) {
            pending_space = wrote;
            p += k, n -= k;
            continue;
        }
        if (pending_space) {
            lc__buf_putc(b, ' ');
            pending_space = 0;
        }
        switch (cp) {
        case '&': out = "&amp;"; break;
        case '<': out = "&lt;"; break;
        case '>': out = "&gt;"; break; /* also keeps "]]>" out of content */
        case '"': out = mode == LC_XML_TEXT ? NULL : "&quot;"; break;
        case '\'': out = mode == LC_XML_TEXT ? NULL : "&apos;"; break;
        case '\r':
        case '\t':
        case '\n':
            /* A literal CR is folded into a newline by every parser, and
             * literal tab/newline in an attribute become spaces; character
             * references survive both normalizations. */
            if (cp == '\r' || mode != LC_XML_TEXT) {
                snprintf(ref, sizeof ref, "&#%u;", cp);
                out = ref;
            }
            break;
        case 0xFFFD: out = replacement; break;
        default: break;
        }
        if (out)
            lc__buf_puts(b, out);
        else
            lc__buf_putn(b, (const char *)p, k);
        wrote = 1;
        p += k, n -= k;
    }
}

void lc__xml_attr(struct lc_buf *b, const char *name, const char *value) {
    lc__buf_putc(b, ' ');
    lc__buf_puts(b, name);
    lc__buf_puts(b, "=\"");
    lc__xml_escape(b, value ? value : "", LC_XML_ATTR);
    lc__buf_putc(b, '"');
}
