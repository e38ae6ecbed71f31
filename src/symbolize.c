/* symbolize.c: the in-process front end of symtab.c, report time only: one
 * table over modules.c's live module map (updated when the map changes, libdw
 * state of unchanged modules kept) resolves depot stacks and raw pcs, with the
 * hook section as wrapper range. Runs with the guard up (libdw allocates and
 * opens files); never edits the environment; not on the hook path. */
#include <pthread.h>
#include <string.h>

#include "frames.h"
#include "internal.h"
#include "sanitizer.h"
#include "symtab.h"

extern char __start_lc_hook_text[] __attribute__((visibility("hidden")));
extern char __stop_lc_hook_text[] __attribute__((visibility("hidden")));

static pthread_mutex_t sym_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lc_symtab *table;
static unsigned long long table_gen;
static int table_valid;

/* The table for the module map as it is now; NULL when out of memory. */
static struct lc_symtab *current_table(void) {
    unsigned long long gen = lc__modules_generation();
    if (table && table_valid && gen == table_gen)
        return table;
    struct lc_module *mods = NULL;
    size_t n = 0;
    if (lc__modules_collect(&mods, &n) != 0)
        return table;
    if (!table) {
        table = lc__symtab_new(mods, n);
        if (table)
            lc__symtab_set_wrapper_range(table, (uintptr_t)__start_lc_hook_text,
                                         (uintptr_t)__stop_lc_hook_text);
    } else if (lc__symtab_update(table, mods, n) != 0) {
        lc__modules_free(mods, n);
        return table;
    }
    lc__modules_free(mods, n);
    table_gen = gen;
    table_valid = table != NULL;
    return table;
}

/* Under a sanitizer its allocator's frames (interceptor, allocator, hook
 * runner) come before the program's, above our hooks (sanitizer.c): cut
 * them like ours, so a stack starts where it would without the sanitizer. */
static int symbolize(const uintptr_t *pcs, int n, uint32_t epoch, lc_frame *frames, int max) {
    if (n <= 0 || max <= 0)
        return 0;
    lc__guard_enter();
    lc__sanitizer_ignore_begin(); /* libdw's blocks are ours, not the program's leaks */
    pthread_mutex_lock(&sym_lock);
    int out = lc__symtab_resolve(current_table(), pcs, n, epoch, frames, max);
    out = lc__cut_sanitizer_top(frames, out);
    pthread_mutex_unlock(&sym_lock);
    lc__sanitizer_ignore_end();
    lc__guard_leave();
    return out;
}

int lc_stack_symbolize(uint32_t stack, lc_frame *frames, int max) {
    const uintptr_t *pcs;
    uint32_t epoch = 0;
    int n = lc__stack_get(stack, &pcs, &epoch);
    return symbolize(pcs, n, epoch, frames, max);
}

int lc__symbolize_pcs(const uintptr_t *pcs, int n, lc_frame *frames, int max) {
    return symbolize(pcs, n, __atomic_load_n(&lc__st.dl_epoch, __ATOMIC_RELAXED), frames, max);
}

void lc__symbolizer_reset(void) {
    pthread_mutex_lock(&sym_lock);
    table_valid = 0; /* the next lookup re-reads the module map (symtab keeps what is unchanged) */
    pthread_mutex_unlock(&sym_lock);
}
