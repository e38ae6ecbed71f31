/* xml.h: a growable text buffer, UTF-8 repair and XML escaping. Shared by the
 * library's report writers and the leakcheck tool, so it depends on nothing but
 * libc: the caller chooses the allocator (the library passes glibc's untracked
 * one, the tool plain realloc). Never on the hook path. */
#ifndef LC_XML_H
#define LC_XML_H

#include <stdarg.h>
#include <stddef.h>

typedef void *(*lc_realloc_fn)(void *, size_t);
typedef void (*lc_free_fn)(void *);

/* A NUL-terminated string that grows as needed. After an allocation failure
 * every later write is a no-op and `failed` stays set, so writers can check
 * once at the end instead of after every call. */
struct lc_buf {
    char *data;
    size_t len, cap;
    lc_realloc_fn realloc_fn;
    lc_free_fn free_fn;
    int failed;
};

void lc__buf_init(struct lc_buf *b, lc_realloc_fn realloc_fn, lc_free_fn free_fn);
/* Releases the memory; the buffer is empty and usable again afterwards. */
void lc__buf_free(struct lc_buf *b);
void lc__buf_putn(struct lc_buf *b, const char *s, size_t n);
void lc__buf_puts(struct lc_buf *b, const char *s);
void lc__buf_putc(struct lc_buf *b, char c);
void lc__buf_printf(struct lc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length and
 * stores the code point, or returns 0 for a malformed, overlong, surrogate or
 * truncated sequence. */
size_t lc__utf8_decode(const unsigned char *s, size_t n, unsigned *cp);
/* Appends s with every malformed UTF-8 byte replaced by U+FFFD. */
void lc__buf_put_utf8(struct lc_buf *b, const char *s);
/* 1 when s is valid UTF-8 throughout. */
int lc__utf8_valid(const char *s);

/* Escaping for XML 1.0. Both repair UTF-8 and replace the characters XML 1.0
 * cannot carry at all (C0 controls other than tab, newline and carriage
 * return; U+FFFE, U+FFFF) by U+FFFD. NULL appends nothing. */
enum lc_xml_mode {
    LC_XML_TEXT,     /* element content: & < > escaped, CR as &#13; */
    LC_XML_ATTR,     /* attribute value: the five entities, tab/newline/CR as
                        character references so attribute normalization keeps them */
    LC_XML_ATTR_LINE /* attribute value on one line: each run of tabs, newlines
                        and CRs becomes one space; a run at either end is dropped */
};
void lc__xml_escape(struct lc_buf *b, const char *s, enum lc_xml_mode mode);
/* Appends ` name="escaped value"`. */
void lc__xml_attr(struct lc_buf *b, const char *name, const char *value);

#endif
