/* A library file #included by realcode/shapes.c through a relative -I, as
 * OpenSC's unit tests #include "libopensc/asn1.c" (automake passes
 * -I$(top_srcdir)/src, a relative path): its DWARF file name is relative and
 * has the same base name as the test file. Not hook code. */

/* Encodes into a fresh buffer; `forget` plants the leak of the temporary
 * object (OpenSC's asn1_encode with its free(obj) dropped). */
static __attribute__((noinline)) char *shapes_encode(const char *s, int forget) {
    size_t n = strlen(s);
    char *obj = malloc(n + 2);
    char *out = malloc(n + 2);
    if (!obj || !out) {
        free(obj);
        free(out);
        return NULL;
    }
    obj[0] = 0x04;
    memcpy(obj + 1, s, n + 1);
    memcpy(out, obj, n + 2);
    shapes_sink = obj;
    if (!forget)
        free(obj);
    return out;
}
