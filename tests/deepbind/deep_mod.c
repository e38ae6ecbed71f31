/* deep_mod.c: a plugin shaped like Samba's ldb modules, which ldb dlopens with
 * RTLD_DEEPBIND: its malloc and free bind to libc's first unless leakcheck
 * drops the flag. deep_name_cycle copies with libc's strdup (whose malloc
 * reaches leakcheck through the global scope) and frees the copy itself, as
 * tdb_open_ex and tdb_close do with a database's name; deep_keep keeps every
 * block it allocates (a planted leak). Test code; not on any hook path. */
#include <stdlib.h>
#include <string.h>

static void *volatile kept[4096]; /* volatile: the planted blocks survive -O2 */
static volatile size_t nkept;

int deep_name_cycle(const char *name, int rounds) {
    int done = 0;
    for (int i = 0; i < rounds; i++) {
        char *volatile copy = strdup(name);
        char *volatile other = malloc(strlen(name) + 8); /* its own malloc */
        if (!copy || !other)
            return -1;
        done += copy[0] == name[0];
        free(other);
        free(copy);
    }
    return done;
}

int deep_keep(size_t n) {
    void *p = malloc(n);
    if (!p)
        return -1;
    memset(p, 0x5a, n);
    kept[nkept++ % 4096] = p;
    return 0;
}
