/* symtab.c: return addresses -> frames for a process described by a module
 * list: one offline Dwfl per module (dwfl_report_elf at its bias, opened on
 * first use, local debuginfo via debuginfo.c), inlined calls expanded, clone
 * suffixes dropped, C++ demangled, cached per address. Knows nothing of the
 * depot, hooks or guard; in the library and the tool; not on the hook path. */
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo.h"
#include "internal.h"
#include "symtab.h"
#include "symtab_alias.h"

struct sym_mod {
    struct lc_module m; /* path interned, build_id owned */
    Dwfl *dwfl;         /* NULL until opened, or when the file could not be used */
    int opened;         /* 1 once an open was tried */
    int names_only;     /* a C runtime library: ELF symbol names, no DWARF */
    struct lc_aliases *aliases; /* its public names (symtab_alias.c), built on first use */
};

/* per-address cache: key -> frames fstore[first .. first+count) */
struct pc_entry {
    uintptr_t key;
    uint32_t first, count;
};

struct lc_symtab {
    struct sym_mod *mods;
    size_t nmods;
    uintptr_t wrap_lo, wrap_hi;
    struct pc_entry *pcmap;
    size_t pccap, pccount;
    lc_frame *fstore;
    size_t fcount, fcap;
    size_t mismatches;
    const char *first_mismatch;
    int runtime_lines; /* 1: runtime libraries get file:line and inlined calls too */
};

static const Dwfl_Callbacks local_callbacks = {
    .find_elf = lc__find_elf_local,
    .find_debuginfo = lc__find_debuginfo_local,
    .section_address = dwfl_offline_section_address,
};

/* ---- the module list ---- */
static int copy_modules(const struct lc_module *mods, size_t n, struct sym_mod **out) {
    struct sym_mod *s = lc__xcalloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++) {
        s[i].m = mods[i];
        s[i].m.path = lc__intern(mods[i].path);
        s[i].names_only = lc__symtab_runtime_module(s[i].m.path);
        s[i].m.build_id = NULL;
        s[i].m.build_id_len = 0;
        if (mods[i].build_id && mods[i].build_id_len) {
            unsigned char *b = lc__xmalloc(mods[i].build_id_len);
            if (b) {
                memcpy(b, mods[i].build_id, mods[i].build_id_len);
                s[i].m.build_id = b;
                s[i].m.build_id_len = mods[i].build_id_len;
            }
        }
    }
    *out = s;
    return 0;
}

static void free_modules(struct sym_mod *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        lc__aliases_free(s[i].aliases);
        if (s[i].dwfl)
            dwfl_end(s[i].dwfl);
        lc__xfree((void *)s[i].m.build_id);
    }
    lc__xfree(s);
}

static size_t pc_slot(uintptr_t key, size_t cap) {
    return (size_t)(key * 0x9e3779b97f4a7c15ull >> 16) & (cap - 1);
}

static void cache_clear(struct lc_symtab *t) {
    lc__xfree(t->pcmap);
    t->pcmap = NULL;
    t->pccap = t->pccount = 0;
    t->fcount = 0;
}

struct lc_symtab *lc__symtab_new(const struct lc_module *mods, size_t n) {
    struct lc_symtab *t = lc__xcalloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (copy_modules(mods, n, &t->mods) != 0) {
        lc__xfree(t);
        return NULL;
    }
    t->nmods = n;
    return t;
}

/* The C and C++ runtime libraries: reports cut their
 * frames between the allocating call and the program's code (console.c), and
 * suppressions match them by function name. Their names come from the ELF
 * symbol table (libc6-dbg's, when installed); their line tables and inlined
 * calls are never read: inflating libc's compressed DWARF cost more than
 * running a whole suite. */
int lc__symtab_runtime_module(const char *path) {
    static const char *const libs[] = {"libc.so", "ld-linux", "libstdc++.so", "libgcc_s.so"};
    const char *m = path ? strrchr(path, '/') : NULL;
    m = m ? m + 1 : path;
    for (size_t i = 0; m && i < sizeof libs / sizeof libs[0]; i++)
        if (strncmp(m, libs[i], strlen(libs[i])) == 0)
            return 1;
    return 0;
}

static int same_file(const struct lc_module *a, const struct lc_module *b) {
    return a->path == b->path && a->bias == b->bias && a->lo == b->lo && a->hi == b->hi;
}

/* Keeps the cached frames of every module that survives an update: moved[j]
 * is the new index of old module j, or -1. A key without a module (an address
 * outside every module then) is dropped: it may fall in a module now. The
 * frames of dropped keys stay in fstore until the table is freed. */
static void cache_remap(struct lc_symtab *t, const long *moved, size_t nold) {
    if (!t->pccap)
        return;
    struct pc_entry *n = lc__xcalloc(t->pccap, sizeof *n);
    if (!n) {
        cache_clear(t);
        return;
    }
    size_t count = 0;
    for (size_t i = 0; i < t->pccap; i++) {
        uintptr_t key = t->pcmap[i].key;
        size_t mod = (size_t)(key >> 48);
        if (!key || key == UINTPTR_MAX || !mod || mod > nold || moved[mod - 1] < 0)
            continue;
        key = (key & ((1ull << 48) - 1)) | ((uintptr_t)(moved[mod - 1] + 1) << 48);
        size_t k = pc_slot(key, t->pccap);
        while (n[k].key)
            k = (k + 1) & (t->pccap - 1);
        n[k] = (struct pc_entry){key, t->pcmap[i].first, t->pcmap[i].count};
        count++;
    }
    lc__xfree(t->pcmap);
    t->pcmap = n;
    t->pccount = count;
}

int lc__symtab_update(struct lc_symtab *t, const struct lc_module *mods, size_t n) {
    struct sym_mod *s;
    long *moved = lc__xmalloc((t->nmods ? t->nmods : 1) * sizeof *moved);
    if (!moved)
        return -1;
    if (copy_modules(mods, n, &s) != 0) {
        lc__xfree(moved);
        return -1;
    }
    for (size_t j = 0; j < t->nmods; j++)
        moved[j] = -1;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < t->nmods; j++) {
            struct sym_mod *o = &t->mods[j];
            if (o->opened && same_file(&o->m, &s[i].m)) {
                s[i].dwfl = o->dwfl;
                s[i].opened = 1;
                o->dwfl = NULL;
                o->opened = 0;
                moved[j] = (long)i;
                break;
            }
        }
    }
    size_t nold = t->nmods;
    free_modules(t->mods, t->nmods);
    t->mods = s;
    t->nmods = n;
    cache_remap(t, moved, nold);
    lc__xfree(moved);
    return 0;
}

void lc__symtab_free(struct lc_symtab *t) {
    if (!t)
        return;
    free_modules(t->mods, t->nmods);
    cache_clear(t);
    lc__xfree(t->fstore);
    lc__xfree(t);
}

void lc__symtab_set_runtime_lines(struct lc_symtab *t, int on) {
    if (t->runtime_lines != on)
        cache_clear(t);
    t->runtime_lines = on;
}

void lc__symtab_set_wrapper_range(struct lc_symtab *t, uintptr_t lo, uintptr_t hi) {
    t->wrap_lo = lo;
    t->wrap_hi = hi;
}

size_t lc__symtab_mismatches(const struct lc_symtab *t, const char **first) {
    if (first)
        *first = t->first_mismatch;
    return t->mismatches;
}

/* The module addr lies in for a stack of this dlclose epoch: one closed after
 * the stack was captured (the earliest such close), else the one loaded at
 * the end. */
static struct sym_mod *module_for(struct lc_symtab *t, uintptr_t addr, uint32_t epoch) {
    struct sym_mod *live = NULL, *closed = NULL;
    for (size_t i = 0; i < t->nmods; i++) {
        struct sym_mod *m = &t->mods[i];
        if (addr < m->m.lo || addr >= m->m.hi)
            continue;
        if (!m->m.close_epoch) {
            if (!live)
                live = m;
        } else if (m->m.close_epoch > epoch &&
                   (!closed || m->m.close_epoch < closed->m.close_epoch)) {
            closed = m;
        }
    }
    return closed ? closed : live;
}

int lc__symtab_module_of(struct lc_symtab *t, uintptr_t pc, uint32_t epoch, const char **path,
                         uintptr_t *offset) {
    struct sym_mod *m = t ? module_for(t, pc - 1, epoch) : NULL;
    if (!m)
        return 0;
    *path = m->m.path;
    *offset = pc - m->m.bias;
    return 1;
}

static int build_id_differs(struct sym_mod *m, Dwfl_Module *mod) {
    const unsigned char *bits = NULL;
    GElf_Addr vaddr;
    int len = dwfl_module_build_id(mod, &bits, &vaddr);
    if (!m->m.build_id_len || len <= 0)
        return 0;
    return (size_t)len != m->m.build_id_len || memcmp(bits, m->m.build_id, (size_t)len) != 0;
}

static Dwfl *module_dwfl(struct lc_symtab *t, struct sym_mod *m) {
    if (m->opened)
        return m->dwfl;
    m->opened = 1;
    Dwfl *d = dwfl_begin(&local_callbacks);
    if (!d)
        return NULL;
    const char *base = strrchr(m->m.path, '/');
    dwfl_report_begin(d);
    Dwfl_Module *mod = dwfl_report_elf(d, base ? base + 1 : m->m.path, m->m.path, -1,
                                       m->m.bias, false);
    dwfl_report_end(d, NULL, NULL);
    if (mod && build_id_differs(m, mod)) {
        if (!t->mismatches++)
            t->first_mismatch = m->m.path;
        mod = NULL;
    }
    if (!mod) {
        dwfl_end(d);
        return NULL;
    }
    m->dwfl = d;
    return d;
}

/* ---- names ---- */
#ifdef LC_SYMTAB_LINK_DEMANGLER
/* the tool links libstdc++ for this */
extern char *__cxa_demangle(const char *, char *, size_t *, int *);
static char *(*find_demangler(void))(const char *, char *, size_t *, int *) {
    return __cxa_demangle;
}
#else
/* the library uses the program's libstdc++ when it has one, never loads it */
static char *(*find_demangler(void))(const char *, char *, size_t *, int *) {
    return (char *(*)(const char *, char *, size_t *, int *))dlsym(RTLD_DEFAULT,
                                                                   "__cxa_demangle");
}
#endif

static const char *demangle(const char *name) {
    typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);
    static demangle_fn fn;
    static int looked;
    if (!name || name[0] != '_' || name[1] != 'Z')
        return name;
    if (!looked) {
        fn = find_demangler();
        looked = 1;
    }
    if (!fn)
        return name;
    int status = 0;
    char *d = fn(name, NULL, NULL, &status);
    if (!d || status)
        return name;
    const char *r = lc__intern(d);
    free(d); /* __cxa_demangle mallocs (in the library the caller's guard is up) */
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
        return demangle(lc__intern(name));
    char buf[512];
    if (n > sizeof buf - 1)
        n = sizeof buf - 1;
    memcpy(buf, name, n);
    buf[n] = 0;
    return demangle(lc__intern(buf));
}

/* The symbol naming addr's function in a C runtime library, by its public
 * name when it has one:
 * glibc defines strdup as __strdup with strdup a weak alias, fopen as
 * _IO_new_fopen, and libdw picks the global name. Among the function symbols
 * that start where addr's does, the one with the fewest leading underscores
 * wins, then the shortest (symtab_alias.c); looked up only for a name that
 * starts with '_' (not a C++ one: identical code folded together would name
 * another function), once per address (the cache). */
static const char *public_name(struct sym_mod *m, Dwfl_Module *mod, Dwarf_Addr addr) {
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
    if (!name || name[0] != '_' || name[1] == 'Z') /* C++: folded code names another */
        return name;
    return lc__alias_public(&m->aliases, mod, addr - off, name);
}

/* ---- one address ---- */
static int push_frame(struct lc_symtab *t, const lc_frame *f) {
    if (t->fcount == t->fcap) {
        size_t ncap = t->fcap ? t->fcap * 2 : 1024;
        lc_frame *n = lc__xrealloc(t->fstore, ncap * sizeof *n);
        if (!n)
            return -1;
        t->fstore = n;
        t->fcap = ncap;
    }
    t->fstore[t->fcount++] = *f;
    return 0;
}

static int is_function_scope(Dwarf_Die *d) {
    int tag = dwarf_tag(d);
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* The function scope enclosing an inlined call's DIE, in *out. */
static int enclosing_function(Dwarf_Die *die, Dwarf_Die *out) {
    Dwarf_Die *chain = NULL;
    int m = dwarf_getscopes_die(die, &chain);
    int found = 0;
    for (int j = 1; j < m && !found; j++) {
        if (is_function_scope(&chain[j])) {
            *out = chain[j];
            found = 1;
        }
    }
    free(chain);
    return found;
}

/* Folds "." and ".." of an absolute path in place, lexically (as a compiler
 * joined them; no symlink is followed). The output never runs ahead of the
 * input, and the last component is copied without a separator after it (one
 * there would overwrite the terminating NUL while it is still to be read). */
static void fold_dots(char *p) {
    char *out = p + 1; /* p[0] is '/' */
    const char *in = p + 1;
    for (int last = !*in; !last;) {
        const char *end = strchr(in, '/');
        size_t len = end ? (size_t)(end - in) : strlen(in);
        last = !end;
        if (len == 0 || (len == 1 && in[0] == '.')) {
            /* skip an empty or "." component */
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            if (out > p + 1) { /* back over the previous component */
                out--;
                while (out > p + 1 && out[-1] != '/')
                    out--;
            }
        } else {
            memmove(out, in, len);
            out += len;
            if (!last)
                *out++ = '/';
        }
        in += len + !last;
    }
    if (out > p + 1 && out[-1] == '/')
        out--; /* a separator left by a last "." or ".." */
    *out = '\0';
}

/* A source file as the reports show it: a name the line table keeps relative
 * (a file found through -I../.., as automake builds #include "lib/x.c") is
 * joined with its compilation unit's DW_AT_comp_dir, so it reads as one path
 * wherever the report is read ("../../../src/libopensc/asn1.c" from OpenSC's
 * unit tests was both unreadable and relative to a directory not shown). */
static const char *source_path(Dwarf_Die *cu, const char *file) {
    char path[4096];
    if (file && file[0] == '/') { /* folded too: -I$(srcdir)/. gave "/src/./lib/x.c" */
        if ((size_t)snprintf(path, sizeof path, "%s", file) >= sizeof path)
            return lc__intern(file);
        fold_dots(path);
        return lc__intern(path);
    }
    if (!file || !cu)
        return lc__intern(file);
    Dwarf_Attribute a;
    const char *dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
    if (!dir || dir[0] != '/' ||
        (size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        return lc__intern(file);
    fold_dots(path);
    return lc__intern(path);
}

/* An inlined call's name: the demangled linkage name of the function it
 * inlines (found through its abstract origin and declaration), so a C++
 * method reads "roaring::Roaring::add(unsigned int)" as its out-of-line copy
 * does, not "add"; a C function has none and keeps its DWARF name. */
static const char *inlined_name(Dwarf_Die *die) {
    Dwarf_Attribute a;
    const char *ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
    if (!ln)
        ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
    const char *d = ln ? demangle(ln) : NULL;
    return d && d != ln ? d : lc__intern(dwarf_diename(die));
}

/* Pushes the inlined bodies at addr, innermost first, then the concrete
 * function; each inlined call's site is the position in the next enclosing
 * function. Returns the number of frames pushed (0: no scope found). */
static int push_inlined(struct lc_symtab *t, Dwfl_Module *mod, Dwarf_Addr addr,
                        const lc_frame *base) {
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
    Dwarf_Die *scopes = NULL;
    int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
    if (n <= 0)
        return 0;
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    dwarf_getsrcfiles(cu, &files, &nfiles);
    int i = 0, pushed = 0;
    while (i < n && !is_function_scope(&scopes[i]))
        i++;
    Dwarf_Die cur;
    int have = i < n;
    if (have)
        cur = scopes[i];
    lc_frame f = *base;
    while (have && pushed < 64) {
        int inl = dwarf_tag(&cur) == DW_TAG_inlined_subroutine;
        f.function = inl ? inlined_name(&cur)
                         : (base->function ? base->function : lc__intern(dwarf_diename(&cur)));
        f.inlined = inl;
        push_frame(t, &f);
        pushed++;
        if (!inl)
            break;
        Dwarf_Attribute a;
        Dwarf_Word fidx = 0, cline = 0;
        f = *base;
        if (dwarf_formudata(dwarf_attr(&cur, DW_AT_call_file, &a), &fidx) == 0 && files)
            f.file = source_path(cu, dwarf_filesrc(files, fidx, NULL, NULL));
        if (dwarf_formudata(dwarf_attr(&cur, DW_AT_call_line, &a), &cline) == 0)
            f.line = (unsigned)cline;
        have = enclosing_function(&cur, &cur);
    }
    free(scopes);
    return pushed;
}

/* Resolves one return address into one or more frames (inlined calls first). */
static void resolve(struct lc_symtab *t, struct sym_mod *m, uintptr_t pc) {
    Dwarf_Addr addr = pc - 1; /* the call instruction, not the next one */
    lc_frame base = {.address = pc, .module = m ? m->m.path : NULL};
    Dwfl *dwfl = m ? module_dwfl(t, m) : NULL;
    Dwfl_Module *mod = dwfl ? dwfl_addrmodule(dwfl, addr) : NULL;
    if (!mod) {
        push_frame(t, &base);
        return;
    }
    /* public names in the C runtime only: a sanitizer's interceptors are
     * cut from stacks by their own names */
    base.function = clean_symbol(m->names_only ? public_name(m, mod, addr)
                                               : dwfl_module_addrname(mod, addr));
    if (m->names_only && !t->runtime_lines) {
        push_frame(t, &base);
        return;
    }
    Dwfl_Line *line = dwfl_module_getsrc(mod, addr);
    int lineno = 0;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    Dwarf_Addr bias = 0;
    base.file = source_path(file && file[0] != '/' ? dwfl_module_addrdie(mod, addr, &bias) : NULL,
                            file);
    base.line = lineno > 0 ? (unsigned)lineno : 0;
    if (!push_inlined(t, mod, addr, &base))
        push_frame(t, &base);
}


static int cache_grow(struct lc_symtab *t) {
    size_t ncap = t->pccap ? t->pccap * 2 : 1024;
    struct pc_entry *n = lc__xcalloc(ncap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < t->pccap; i++) {
        if (!t->pcmap[i].key)
            continue;
        size_t k = pc_slot(t->pcmap[i].key, ncap);
        while (n[k].key)
            k = (k + 1) & (ncap - 1);
        n[k] = t->pcmap[i];
    }
    lc__xfree(t->pcmap);
    t->pcmap = n;
    t->pccap = ncap;
    return 0;
}

/* Resolves pc once and caches its frames under a key tagged with its module
 * (user addresses fit in 48 bits), so a closed module's frames never mix with
 * those of a module loaded later at the same address. */
static struct pc_entry lookup_pc(struct lc_symtab *t, uintptr_t pc, uint32_t epoch) {
    struct sym_mod *m = module_for(t, pc - 1, epoch);
    uintptr_t key = m ? pc | ((uintptr_t)(m - t->mods + 1) << 48) : pc;
    if (!key)
        key = UINTPTR_MAX;
    if (t->pccap)
        for (size_t j = pc_slot(key, t->pccap); t->pcmap[j].key; j = (j + 1) & (t->pccap - 1))
            if (t->pcmap[j].key == key)
                return t->pcmap[j];
    uint32_t first = (uint32_t)t->fcount;
    resolve(t, m, pc);
    struct pc_entry e = {key, first, (uint32_t)(t->fcount - first)};
    if ((t->pccount + 1) * 2 > t->pccap && cache_grow(t) != 0)
        return e;
    size_t j = pc_slot(key, t->pccap);
    while (t->pcmap[j].key)
        j = (j + 1) & (t->pccap - 1);
    t->pcmap[j] = e;
    t->pccount++;
    return e;
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

int lc__symtab_resolve(struct lc_symtab *t, const uintptr_t *pcs, int n, uint32_t epoch,
                       lc_frame *frames, int max) {
    if (!t || n <= 0 || max <= 0)
        return 0;
    int out = 0;
    for (int i = 0; i < n && out < max; i++) {
        struct pc_entry e = lookup_pc(t, pcs[i], epoch);
        int wrapper = pcs[i] - 1 >= t->wrap_lo && pcs[i] - 1 < t->wrap_hi;
        for (uint32_t k = 0; k < e.count && out < max; k++) {
            frames[out] = t->fstore[e.first + k];
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
    return out;
}
