/* symbolize.c: return address -> function, file:line, module, at report time
 * only, with libdw (elfutils). Never on the hook path.
 *
 * One Dwfl describes the live process; it is re-reported (keeping the modules
 * and DWARF already loaded) when glibc's load/unload counters move. Results are
 * cached per address. Inlined calls are expanded with dwarf_getscopes, so a
 * leak inside a function the compiler inlined still names it.
 *
 * Modules that were dlclosed while a scope was active are remembered by the
 * dlclose hook (path, load bias, address range, dlclose epoch); stacks captured
 * before that dlclose resolve their frames in those ranges from the file on
 * disk, so a leak in a module that is already gone is still symbolized.
 *
 * libdw allocates and opens ELF files: callers run with the guard up and after
 * any fd snapshot. DEBUGINFOD_URLS is removed so that a report never waits on
 * the network. */

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frames.h"
#include "internal.h"

static pthread_mutex_t sym_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- modules closed during a scope ---- */
struct closed_mod {
    const char *path;
    uintptr_t bias, lo, hi;
    uint32_t close_epoch;
    Dwfl *dwfl; /* offline Dwfl on the file, opened on first use */
};
static struct closed_mod *closed;
static size_t nclosed, capclosed;

struct find_arg {
    uintptr_t bias;
    const char *name;
    uintptr_t lo, hi;
    int found;
};

static int find_module(struct dl_phdr_info *info, size_t size, void *p) {
    (void)size;
    struct find_arg *a = p;
    if (info->dlpi_addr != a->bias || !info->dlpi_name || strcmp(info->dlpi_name, a->name))
        return 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
        if (s < lo)
            lo = s;
        if (e > hi)
            hi = e;
    }
    a->lo = lo;
    a->hi = hi;
    a->found = 1;
    return 1;
}

int lc__dl_note_close(void *handle) {
    struct link_map *lm = NULL;
    int noted = 0;
    lc__guard_enter();
    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && *lm->l_name) {
        struct find_arg a = {.bias = lm->l_addr, .name = lm->l_name};
        dl_iterate_phdr(find_module, &a);
        pthread_mutex_lock(&sym_lock);
        if (a.found && nclosed == capclosed) {
            size_t ncap = capclosed ? capclosed * 2 : 16;
            struct closed_mod *n = lc__xrealloc(closed, ncap * sizeof *n);
            if (n) {
                closed = n;
                capclosed = ncap;
            }
        }
        if (a.found && nclosed < capclosed) {
            closed[nclosed++] = (struct closed_mod){
                .path = lc__intern(lm->l_name),
                .bias = lm->l_addr,
                .lo = a.lo,
                .hi = a.hi,
                .close_epoch = __atomic_load_n(&lc__st.dl_epoch, __ATOMIC_RELAXED) + 1,
            };
            noted = (int)nclosed;
        }
        pthread_mutex_unlock(&sym_lock);
    }
    lc__guard_leave();
    return noted;
}

void lc__dl_after_close(int noted, int (*real_close)(void *)) {
    if (noted) {
        /* dlclose may only have dropped a reference: if the module is still
         * mapped, its frames resolve in the live process; forget the record */
        lc__guard_enter();
        pthread_mutex_lock(&sym_lock);
        const char *path = closed[noted - 1].path;
        pthread_mutex_unlock(&sym_lock);
        void *h = dlopen(path, RTLD_NOLOAD | RTLD_LAZY);
        if (h) {
            real_close(h);
            pthread_mutex_lock(&sym_lock);
            closed[noted - 1].lo = closed[noted - 1].hi = 0;
            pthread_mutex_unlock(&sym_lock);
        }
        lc__guard_leave();
        if (h)
            return;
    }
    __atomic_add_fetch(&lc__st.dl_epoch, 1, __ATOMIC_RELAXED);
    /* libunwind caches unwind info per address range; the range is gone */
    unw_flush_cache(unw_local_addr_space, 0, 0);
}

/* ---- the live process ---- */
static Dwfl *proc_dwfl;
static unsigned long long seen_adds, seen_subs;

static const Dwfl_Callbacks proc_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};
static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

static int load_counts(struct dl_phdr_info *info, size_t size, void *p) {
    unsigned long long *c = p;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        c[0] = info->dlpi_adds;
        c[1] = info->dlpi_subs;
    }
    return 1;
}

/* per-address cache of resolved frames */
struct pc_entry {
    uintptr_t pc;
    uint32_t first, count;
};
static struct pc_entry *pcmap;
static size_t pccap, pccount;
static lc_frame *fstore;
static size_t fcount, fcap;

static void cache_clear(void) {
    lc__xfree(pcmap);
    pcmap = NULL;
    pccap = pccount = 0;
    fcount = 0;
}

static Dwfl *process_dwfl(void) {
    unsigned long long c[2] = {0, 0};
    dl_iterate_phdr(load_counts, c);
    if (proc_dwfl && c[0] == seen_adds && c[1] == seen_subs)
        return proc_dwfl;
    unsetenv("DEBUGINFOD_URLS");
    if (!proc_dwfl)
        proc_dwfl = dwfl_begin(&proc_callbacks);
    if (!proc_dwfl)
        return NULL;
    dwfl_report_begin(proc_dwfl);
    if (dwfl_linux_proc_report(proc_dwfl, getpid()) != 0) {
        dwfl_report_end(proc_dwfl, NULL, NULL);
        return proc_dwfl;
    }
    dwfl_report_end(proc_dwfl, NULL, NULL);
    seen_adds = c[0];
    seen_subs = c[1];
    cache_clear();
    return proc_dwfl;
}

static Dwfl *closed_dwfl(struct closed_mod *m) {
    if (m->dwfl)
        return m->dwfl;
    Dwfl *d = dwfl_begin(&offline_callbacks);
    if (!d)
        return NULL;
    const char *base = strrchr(m->path, '/');
    dwfl_report_begin(d);
    if (!dwfl_report_elf(d, base ? base + 1 : m->path, m->path, -1, m->bias, false)) {
        dwfl_end(d);
        return NULL;
    }
    dwfl_report_end(d, NULL, NULL);
    m->dwfl = d;
    return d;
}

static const char *demangle(const char *name) {
    typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);
    static demangle_fn fn;
    static int looked;
    if (!name || name[0] != '_' || name[1] != 'Z')
        return name;
    if (!looked) {
        fn = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
        looked = 1;
    }
    if (!fn)
        return name;
    int status = 0;
    char *d = fn(name, NULL, NULL, &status);
    if (!d || status)
        return name;
    const char *r = lc__intern(d);
    free(d); /* __cxa_demangle mallocs: our guard is up, it was untracked */
    return r ? r : name;
}

/* GCC names the copies it specializes "f.constprop.0", "f.isra.0", "f.part.0",
 * "f.cold"; a report names the source function. */
static size_t clone_suffix(const char *name) {
    static const char *const marks[] = {".constprop.", ".isra.", ".part.", ".cold",
                                        ".lto_priv.", ".localalias", ".clone."};
    for (const char *dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.'))
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
            if (strncmp(dot, marks[i], strlen(marks[i])) == 0)
                return (size_t)(dot - name);
    return strlen(name);
}

static const char *clean_symbol(const char *name) {
    if (!name)
        return NULL;
    size_t n = strcspn(name, "@"); /* "memcpy@@GLIBC_2.14" */
    size_t c = clone_suffix(name);
    if (c < n)
        n = c;
    if (name[n] == 0)
        return demangle(name);
    char buf[512];
    if (n > sizeof buf - 1)
        n = sizeof buf - 1;
    memcpy(buf, name, n);
    buf[n] = 0;
    return demangle(lc__intern(buf));
}

static int push_frame(const lc_frame *f) {
    if (fcount == fcap) {
        size_t ncap = fcap ? fcap * 2 : 1024;
        lc_frame *n = lc__xrealloc(fstore, ncap * sizeof *n);
        if (!n)
            return -1;
        fstore = n;
        fcap = ncap;
    }
    fstore[fcount++] = *f;
    return 0;
}

static int is_function_scope(Dwarf_Die *d) {
    int tag = dwarf_tag(d);
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* Resolves one return address into one or more frames (inlined calls first). */
static void resolve(Dwfl *dwfl, uintptr_t pc) {
    Dwarf_Addr addr = pc - 1; /* the call instruction, not the next one */
    lc_frame base = {.address = pc};
    Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, addr) : NULL;
    if (!mod) {
        push_frame(&base);
        return;
    }
    const char *mainfile = NULL, *modname;
    modname = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
    base.module = lc__intern(mainfile ? mainfile : modname);
    const char *sym = clean_symbol(dwfl_module_addrname(mod, addr));
    base.function = sym;
    Dwfl_Line *line = dwfl_module_getsrc(mod, addr);
    int lineno = 0;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    base.file = lc__intern(file);
    base.line = lineno > 0 ? (unsigned)lineno : 0;

    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
    Dwarf_Die *scopes = NULL;
    int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
    int pushed = 0;
    if (n > 0) {
        Dwarf_Files *files = NULL;
        size_t nfiles = 0;
        dwarf_getsrcfiles(cu, &files, &nfiles);
        int i = 0;
        while (i < n && !is_function_scope(&scopes[i]))
            i++;
        Dwarf_Die cur;
        int have = i < n;
        if (have)
            cur = scopes[i];
        lc_frame f = base;
        /* innermost inlined body first; each inlined call's site is the
         * position in the next (concrete) enclosing function */
        while (have && pushed < 64) {
            int inl = dwarf_tag(&cur) == DW_TAG_inlined_subroutine;
            const char *name = dwarf_diename(&cur);
            f.function = inl ? lc__intern(name) : (sym ? sym : lc__intern(name));
            f.inlined = inl;
            push_frame(&f);
            pushed++;
            if (!inl)
                break;
            Dwarf_Attribute a;
            Dwarf_Word fidx = 0, cline = 0;
            f = base;
            if (dwarf_formudata(dwarf_attr(&cur, DW_AT_call_file, &a), &fidx) == 0 && files)
                f.file = lc__intern(dwarf_filesrc(files, fidx, NULL, NULL));
            if (dwarf_formudata(dwarf_attr(&cur, DW_AT_call_line, &a), &cline) == 0)
                f.line = (unsigned)cline;
            Dwarf_Die *chain = NULL;
            int m = dwarf_getscopes_die(&cur, &chain);
            have = 0;
            for (int j = 1; j < m; j++) {
                if (is_function_scope(&chain[j])) {
                    cur = chain[j];
                    have = 1;
                    break;
                }
            }
            free(chain);
        }
        free(scopes);
    }
    if (!pushed)
        push_frame(&base);
}

static struct closed_mod *closed_for(uintptr_t pc, uint32_t epoch) {
    struct closed_mod *best = NULL;
    for (size_t i = 0; i < nclosed; i++) {
        struct closed_mod *m = &closed[i];
        if (pc >= m->lo && pc < m->hi && m->close_epoch > epoch &&
            (!best || m->close_epoch < best->close_epoch))
            best = m;
    }
    return best;
}

static size_t pc_slot(uintptr_t key, size_t cap) {
    return (size_t)(key * 0x9e3779b97f4a7c15ull >> 16) & (cap - 1);
}

/* Resolves pc once and caches its frames. A pc inside a module closed since
 * the stack was captured is cached under a key tagged with that module (user
 * addresses fit in 48 bits), so it never mixes with the live process's
 * mapping at the same address. */
static const struct pc_entry *lookup_pc(Dwfl *proc, uintptr_t pc, uint32_t epoch) {
    struct closed_mod *m = closed_for(pc, epoch);
    uintptr_t key = m ? pc | ((uintptr_t)(m - closed + 1) << 48) : pc;
    if (pccap)
        for (size_t j = pc_slot(key, pccap); pcmap[j].pc; j = (j + 1) & (pccap - 1))
            if (pcmap[j].pc == key)
                return &pcmap[j];
    static struct pc_entry tmp;
    uint32_t first = (uint32_t)fcount;
    resolve(m ? closed_dwfl(m) : proc, pc);
    tmp = (struct pc_entry){key, first, (uint32_t)(fcount - first)};
    if ((pccount + 1) * 2 > pccap) {
        size_t ncap = pccap ? pccap * 2 : 1024;
        struct pc_entry *n = lc__xcalloc(ncap, sizeof *n);
        if (!n)
            return &tmp;
        for (size_t i = 0; i < pccap; i++) {
            if (!pcmap[i].pc)
                continue;
            size_t k = pc_slot(pcmap[i].pc, ncap);
            while (n[k].pc)
                k = (k + 1) & (ncap - 1);
            n[k] = pcmap[i];
        }
        lc__xfree(pcmap);
        pcmap = n;
        pccap = ncap;
    }
    size_t j = pc_slot(key, pccap);
    while (pcmap[j].pc)
        j = (j + 1) & (pccap - 1);
    pcmap[j] = tmp;
    pccount++;
    return &pcmap[j];
}

/* The C runtime below main is noise in every report. */
static int is_crt_frame(const lc_frame *f) {
    static const char *const names[] = {"__libc_start_call_main", "__libc_start_main",
                                        "__libc_start_main_impl", "_start"};
    if (!f->function)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(f->function, names[i]) == 0)
            return 1;
    return 0;
}

/* Under a sanitizer its allocator's frames (interceptor, allocator, hook
 * runner) come before the program's, above our hooks (sanitizer.c): cut
 * them like ours, so a stack starts where it would without the sanitizer. */
static int cut_sanitizer_top(lc_frame *frames, int n) {
    int top = 0;
    while (top < n - 1 && lc__sanitizer_frame(&frames[top]))
        top++;
    if (top > 0 && lc__sanitizer_entry(&frames[top - 1]))
        top--;
    memmove(frames, frames + top, (size_t)(n - top) * sizeof *frames);
    return n - top;
}

static int symbolize(const uintptr_t *pcs, int n, uint32_t epoch, lc_frame *frames, int max) {
    if (n <= 0 || max <= 0)
        return 0;
    lc__guard_enter();
    pthread_mutex_lock(&sym_lock);
    Dwfl *proc = process_dwfl();
    int out = 0;
    for (int i = 0; i < n && out < max; i++) {
        const struct pc_entry *e = lookup_pc(proc, pcs[i], epoch);
        /* a leakcheck wrapper in mid-stack (fopen, pthread_create) keeps its
         * name, the call it stands for, but not our file and line */
        int wrapper = lc__in_hook_text(pcs[i] - 1);
        for (uint32_t k = 0; k < e->count && out < max; k++) {
            frames[out] = fstore[e->first + k];
            if (wrapper) {
                frames[out].file = NULL;
                frames[out].line = 0;
                frames[out].inlined = 0;
            }
            out++;
        }
    }
    /* everything from the C runtime's call into main down is noise (in a
     * stripped program _start has no name, so cut at the first CRT frame) */
    for (int i = 1; i < out; i++) {
        if (is_crt_frame(&frames[i])) {
            out = i;
            break;
        }
    }
    out = cut_sanitizer_top(frames, out);
    pthread_mutex_unlock(&sym_lock);
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
    cache_clear();
    seen_adds = seen_subs = 0;
    pthread_mutex_unlock(&sym_lock);
}
