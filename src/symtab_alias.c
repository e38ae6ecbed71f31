/* symtab_alias.c: glibc defines strdup as __strdup with strdup a weak alias,
 * fopen as _IO_new_fopen, and libdw names an address by whichever symbol it
 * meets first. The public name is the alias with the fewest leading
 * underscores, then the shortest. Scanning the whole symbol table for each
 * address took 5% of the pattern suite's time; this keeps, per module, the
 * best alias of each start address, sorted, from one pass. Called by
 * symtab.c; not on the hook path. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "symtab_alias.h"

struct alias {
    GElf_Addr start;
    const char *name; /* libdw's string, alive as long as the module */
    int order;        /* in the symbol table: among equals the first wins */
};

struct lc_aliases {
    struct alias *v;
    size_t n;
};

static int underscores(const char *s) {
    int n = 0;
    while (s[n] == '_')
        n++;
    return n;
}

/* Fewer leading underscores, then shorter: fopen over fopen64 over _IO_fopen. */
static int better(const char *a, const char *b) {
    int ua = underscores(a), ub = underscores(b);
    return ua != ub ? ua < ub : strcspn(a, "@") < strcspn(b, "@");
}

static int start_cmp(const void *x, const void *y) {
    const struct alias *a = x, *b = y;
    return (a->start > b->start) - (a->start < b->start);
}

static int by_start(const void *x, const void *y) {
    const struct alias *a = x, *b = y;
    if (a->start != b->start)
        return (a->start > b->start) - (a->start < b->start);
    return (a->order > b->order) - (a->order < b->order);
}

/* One entry per start address: the best of its aliases (the first in the
 * symbol table among equals, as a scan in table order keeps). */
static struct lc_aliases *build(Dwfl_Module *mod) {
    struct lc_aliases *idx = lc__xcalloc(1, sizeof *idx);
    int n = dwfl_module_getsymtab(mod);
    if (!idx || n <= 1)
        return idx;
    idx->v = lc__xmalloc((size_t)n * sizeof *idx->v);
    if (!idx->v)
        return idx;
    for (int i = 1; i < n; i++) {
        GElf_Sym s;
        GElf_Addr a = 0;
        const char *nm = dwfl_module_getsym_info(mod, i, &s, &a, NULL, NULL, NULL);
        int bind = GELF_ST_BIND(s.st_info);
        if (nm && GELF_ST_TYPE(s.st_info) == STT_FUNC &&
            (bind == STB_GLOBAL || bind == STB_WEAK))
            idx->v[idx->n++] = (struct alias){a, nm, i};
    }
    qsort(idx->v, idx->n, sizeof *idx->v, by_start);
    size_t out = 0;
    for (size_t i = 0; i < idx->n; i++) {
        if (out && idx->v[out - 1].start == idx->v[i].start) {
            if (better(idx->v[i].name, idx->v[out - 1].name))
                idx->v[out - 1] = idx->v[i];
            continue;
        }
        idx->v[out++] = idx->v[i];
    }
    idx->n = out;
    return idx;
}

const char *lc__alias_public(struct lc_aliases **idx, Dwfl_Module *mod, GElf_Addr start,
                             const char *name) {
    if (!*idx)
        *idx = build(mod);
    if (!*idx || !(*idx)->n)
        return name;
    struct alias key = {start, NULL, 0};
    const struct alias *a = bsearch(&key, (*idx)->v, (*idx)->n, sizeof key, start_cmp);
    return a && better(a->name, name) ? a->name : name;
}

void lc__aliases_free(struct lc_aliases *idx) {
    if (!idx)
        return;
    lc__xfree(idx->v);
    lc__xfree(idx);
}
