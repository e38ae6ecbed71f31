/* run_preload.c: `leakcheck run` refuses a replacement allocator (jemalloc,
 * tcmalloc...) in the user's LD_PRELOAD: its operator new, malloc_usable_size
 * and extensions would mix its heap with glibc's and crash the program. Called
 * by tools/run.c before anything starts; the tool carries the same LD_PRELOAD,
 * so each entry is looked up as loaded here. */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* 1 when the loaded object h itself defines malloc (not one it depends on)
 * and is not a sanitizer runtime, whose allocator hooks libleakcheck uses. */
static int defines_malloc(void *h) {
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) || !lm)
        return 0;
    void *m = dlsym(h, "malloc");
    Dl_info di;
    if (!m || !dladdr(m, &di) || !di.dli_fname || strcmp(di.dli_fname, lm->l_name) != 0)
        return 0;
    void *hooks = dlsym(h, "__sanitizer_install_malloc_and_free_hooks");
    return !(hooks && dladdr(hooks, &di) && strcmp(di.dli_fname, lm->l_name) == 0);
}

int lc_run_foreign_allocator(char *name, size_t len) {
    const char *p = getenv("LD_PRELOAD");
    while (p && *p) {
        size_t n = strcspn(p, ": ");
        char entry[4096];
        if (n > 0 && n < sizeof entry) {
            memcpy(entry, p, n);
            entry[n] = 0;
            const char *base = strrchr(entry, '/') ? strrchr(entry, '/') + 1 : entry;
            void *h = strncmp(base, "libleakcheck", 12) == 0 || strncmp(base, "libc.so", 7) == 0
                          ? NULL
                          : dlopen(entry, RTLD_LAZY | RTLD_NOLOAD);
            int foreign = h && defines_malloc(h);
            if (h)
                dlclose(h);
            if (foreign) {
                snprintf(name, len, "%s", entry);
                return 1;
            }
        }
        p += n;
        p += strspn(p, ": ");
    }
    return 0;
}
