/* symtab_alias.h: the public name of a C runtime library's function among
 * the aliases that start at its address (symtab_alias.c). Not on the hook
 * path. */
#ifndef LC_SYMTAB_ALIAS_H
#define LC_SYMTAB_ALIAS_H

#include <elfutils/libdwfl.h>

struct lc_aliases;

/* Of the global and weak function symbols of mod starting at start, the one
 * with the fewest leading underscores, then the shortest (up to '@'), if it
 * is better than name by that rule; else name. *idx is mod's index, built
 * on first use (one pass over the symbol table) and freed with
 * lc__aliases_free. */
const char *lc__alias_public(struct lc_aliases **idx, Dwfl_Module *mod, GElf_Addr start,
                             const char *name);
void lc__aliases_free(struct lc_aliases *idx);

#endif
