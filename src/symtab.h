#ifndef LC_SYMTAB_H
#define LC_SYMTAB_H
#include <stddef.h>
#include <stdint.h>
#include "leakcheck/core.h"
struct lc_module { const char *path; uintptr_t bias, lo, hi; uint32_t close_epoch; };
struct lc_symtab;
struct lc_symtab *lc__symtab_new(const struct lc_module *mods, size_t n);
int lc__symtab_resolve(struct lc_symtab *t, const uintptr_t *pcs, int n, uint32_t epoch, lc_frame *frames, int max);
void lc__symtab_set_wrapper_range(struct lc_symtab *t, uintptr_t lo, uintptr_t hi);
void lc__symtab_free(struct lc_symtab *t);
int lc__modules_collect(struct lc_module **mods, size_t *n);
void lc__modules_free(struct lc_module *mods, size_t n);
#endif
