/* A library built without debug info, as a distribution's libcrypto is
 * (frames without file:line, a static helper): its fetch forgets the context
 * when the copy of the name cannot be allocated (an error-path leak inside the
 * library), and its update does not check its argument. Linked by
 * zone_shapes; built with -g0. */
#include <stdlib.h>
#include <string.h>

struct nd_ctx {
    char *name;
};

__attribute__((noinline)) static char *nd_dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

struct nd_ctx *nd_fetch(const char *name) {
    struct nd_ctx *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->name = nd_dup(name);
    if (!c->name)
        return NULL; /* forgets c */
    return c;
}

void nd_update(struct nd_ctx *c, int v) { c->name[0] = (char)v; }

void nd_free(struct nd_ctx *c) {
    free(c->name);
    free(c);
}
