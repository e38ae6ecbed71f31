/* modules.c: the live process's module map for symtab.c: every loaded ELF file
 * (dl_iterate_phdr, the main program by /proc/self/exe) with bias, range and
 * build-id, plus the modules dlclosed during a scope, recorded by hooks.c's
 * dlclose before they go. The dlclose part runs inside that hook with the guard
 * up; nothing here is on the malloc path. */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "internal.h"
#include "symtab.h"

#define LC_BUILD_ID_MAX 64

static pthread_mutex_t mod_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- reading a loaded module ---- */
struct mod_info {
    uintptr_t lo, hi;
    const unsigned char *id; /* inside the mapping */
    size_t idlen;
};

static void note_build_id(const struct dl_phdr_info *info, const ElfW(Phdr) *ph,
                          struct mod_info *mi) {
    const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
    const unsigned char *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
        const unsigned char *name = p + sizeof *nh;
        const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
        if (desc + nh->n_descsz > end)
            return;
        if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
            nh->n_descsz <= LC_BUILD_ID_MAX) {
            mi->id = desc;
            mi->idlen = nh->n_descsz;
            return;
        }
        p = desc + ((nh->n_descsz + 3) & ~3u);
    }
}

static void read_module(const struct dl_phdr_info *info, struct mod_info *mi) {
    *mi = (struct mod_info){.lo = UINTPTR_MAX};
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_NOTE && !mi->idlen)
            note_build_id(info, ph, mi);
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
        if (s < mi->lo)
            mi->lo = s;
        if (e > mi->hi)
            mi->hi = e;
    }
}

/* ---- modules closed during a scope ---- */
struct closed_mod {
    const char *path;
    uintptr_t bias, lo, hi; /* lo == hi: still mapped after all, ignored */
    uint32_t close_epoch;
    const unsigned char *id; /* process-lifetime copy */
    size_t idlen;
};
static struct closed_mod *closed;
static size_t nclosed, capclosed;

struct find_arg {
    uintptr_t bias;
    const char *name;
    struct mod_info mi;
    int found;
};

static int find_module(struct dl_phdr_info *info, size_t size, void *p) {
    (void)size;
    struct find_arg *a = p;
    if (info->dlpi_addr != a->bias || !info->dlpi_name || strcmp(info->dlpi_name, a->name))
        return 0;
    read_module(info, &a->mi);
    a->found = 1;
    return 1;
}

static int closed_reserve(void) {
    if (nclosed < capclosed)
        return 0;
    size_t ncap = capclosed ? capclosed * 2 : 16;
    struct closed_mod *n = lc__xrealloc(closed, ncap * sizeof *n);
    if (!n)
        return -1;
    closed = n;
    capclosed = ncap;
    return 0;
}

int lc__dl_note_close(void *handle) {
    struct link_map *lm = NULL;
    int noted = 0;
    lc__guard_enter();
    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && *lm->l_name) {
        struct find_arg a = {.bias = lm->l_addr, .name = lm->l_name};
        dl_iterate_phdr(find_module, &a);
        pthread_mutex_lock(&mod_lock);
        if (a.found && closed_reserve() == 0) {
            struct closed_mod *c = &closed[nclosed++];
            *c = (struct closed_mod){
                .path = lc__intern(lm->l_name),
                .bias = lm->l_addr,
                .lo = a.mi.lo,
                .hi = a.mi.hi,
                .close_epoch = __atomic_load_n(&lc__st.dl_epoch, __ATOMIC_RELAXED) + 1,
            };
            unsigned char *id = a.mi.idlen ? lc__xmalloc(a.mi.idlen) : NULL;
            if (id) {
                memcpy(id, a.mi.id, a.mi.idlen);
                c->id = id;
                c->idlen = a.mi.idlen;
            }
            noted = (int)nclosed;
        }
        pthread_mutex_unlock(&mod_lock);
    }
    lc__guard_leave();
    return noted;
}

void lc__dl_after_close(int noted, int (*real_close)(void *)) {
    if (noted) {
        /* dlclose may only have dropped a reference: if the module is still
         * mapped, its frames resolve in the live process; forget the record */
        lc__guard_enter();
        pthread_mutex_lock(&mod_lock);
        const char *path = closed[noted - 1].path;
        pthread_mutex_unlock(&mod_lock);
        void *h = dlopen(path, RTLD_NOLOAD | RTLD_LAZY);
        if (h) {
            real_close(h);
            pthread_mutex_lock(&mod_lock);
            closed[noted - 1].lo = closed[noted - 1].hi = 0;
            pthread_mutex_unlock(&mod_lock);
        }
        lc__guard_leave();
        if (h)
            return;
    }
    __atomic_add_fetch(&lc__st.dl_epoch, 1, __ATOMIC_RELAXED);
    /* libunwind caches unwind info per address range; the range is gone */
    unw_flush_cache(unw_local_addr_space, 0, 0);
}

/* ---- the whole list ---- */
struct collect {
    struct lc_module *mods;
    size_t n, cap;
    int failed;
};

static void append(struct collect *c, const struct lc_module *m) {
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        struct lc_module *n = lc__xrealloc(c->mods, ncap * sizeof *n);
        if (!n) {
            c->failed = 1;
            return;
        }
        c->mods = n;
        c->cap = ncap;
    }
    c->mods[c->n++] = *m;
}

/* The file the kernel maps at addr, from /proc/self/maps (an absolute path
 * whatever the cwd), into buf; NULL when none. */
static const char *mapped_path(uintptr_t addr, char *buf, size_t len) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char chunk[4096], line[PATH_MAX + 128];
    size_t have = 0;
    const char *found = NULL;
    ssize_t n;
    while (!found && (n = read(fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < n && !found; i++) {
            if (chunk[i] != '\n') {
                if (have < sizeof line - 1)
                    line[have++] = chunk[i];
                continue;
            }
            line[have] = 0;
            have = 0;
            unsigned long lo, hi;
            int path_at = 0;
            if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &path_at) < 2 ||
                !path_at || addr < lo || addr >= hi || line[path_at] != '/')
                continue;
            size_t l = strlen(line + path_at);
            if (l < len) {
                memcpy(buf, line + path_at, l + 1);
                found = buf;
            }
        }
    }
    close(fd);
    return found;
}

/* The file behind a loaded module: the main program has no name in the link
 * map; a name without a slash is the vdso, which has no file. A relative name
 * (dlopen("./x.so"), a relative LD_LIBRARY_PATH entry) was relative to the cwd
 * of its loading: the program may have changed directory since (SSSD's tests
 * chdir into their test directory), so the kernel's map says which file it is,
 * at addr, the module's lowest mapped address. */
static const char *module_path(const char *name, int first, uintptr_t addr, char *buf,
                               size_t len) {
    if (first && (!name || !*name)) {
        ssize_t n = readlink("/proc/self/exe", buf, len - 1);
        if (n <= 0)
            return NULL;
        buf[n] = 0;
        return buf;
    }
    if (!name || !strchr(name, '/'))
        return NULL;
    if (name[0] == '/')
        return name;
    if (mapped_path(addr, buf, len))
        return buf;
    return realpath(name, buf) ? buf : name;
}

static int collect_live(struct dl_phdr_info *info, size_t size, void *p) {
    (void)size;
    struct collect *c = p;
    char buf[PATH_MAX];
    struct mod_info mi;
    read_module(info, &mi);
    if (mi.hi <= mi.lo)
        return 0;
    const char *path = module_path(info->dlpi_name, c->n == 0, mi.lo, buf, sizeof buf);
    if (!path)
        return 0;
    struct lc_module m = {.path = lc__intern(path), .bias = info->dlpi_addr, .lo = mi.lo,
                          .hi = mi.hi, .build_id = mi.id, .build_id_len = mi.idlen};
    if (m.path)
        append(c, &m);
    else
        c->failed = 1;
    return 0;
}

int lc__modules_collect(struct lc_module **mods, size_t *n) {
    struct collect c = {0};
    dl_iterate_phdr(collect_live, &c);
    pthread_mutex_lock(&mod_lock);
    for (size_t i = 0; i < nclosed; i++) {
        const struct closed_mod *k = &closed[i];
        if (k->hi <= k->lo)
            continue;
        struct lc_module m = {.path = k->path, .bias = k->bias, .lo = k->lo, .hi = k->hi,
                              .close_epoch = k->close_epoch,
                              .build_id = k->idlen ? k->id : NULL, .build_id_len = k->idlen};
        append(&c, &m);
    }
    pthread_mutex_unlock(&mod_lock);
    if (c.failed) {
        lc__xfree(c.mods);
        return -1;
    }
    *mods = c.mods;
    *n = c.n;
    return 0;
}

void lc__modules_free(struct lc_module *mods, size_t n) {
    (void)n;
    lc__xfree(mods);
}

static int load_counts(struct dl_phdr_info *info, size_t size, void *p) {
    unsigned long long *c = p;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        c[0] = info->dlpi_adds;
        c[1] = info->dlpi_subs;
    }
    return 1;
}

unsigned long long lc__modules_generation(void) {
    unsigned long long c[2] = {0, 0};
    dl_iterate_phdr(load_counts, c);
    pthread_mutex_lock(&mod_lock);
    unsigned long long closes = nclosed;
    pthread_mutex_unlock(&mod_lock);
    return c[0] + c[1] + closes; /* three counters that only grow */
}
