/* symtab.h: return addresses -> frames (function, file:line, module, inlined
 * calls) for a process described by a list of modules, with libdw offline and
 * local debuginfo only (symtab.c). It knows nothing of the depot, the hooks or
 * the guard, so the library (symbolize.c, live process) and the `leakcheck`
 * tool (a traced child's module map) share it. Not on the hook path. */
#ifndef LC_SYMTAB_H
#define LC_SYMTAB_H

#include <stddef.h>
#include <stdint.h>

#include "leakcheck/core.h"

/* One mapped ELF file of the described process. */
struct lc_module {
    const char *path;             /* absolute path of the file on disk */
    uintptr_t bias;               /* load bias (0 for a non-PIE executable) */
    uintptr_t lo, hi;             /* [lo, hi): its PT_LOAD segments, biased */
    uint32_t close_epoch;         /* 0: loaded at the end; else dlclosed, see below */
    const unsigned char *build_id; /* NT_GNU_BUILD_ID bytes as mapped; NULL: unknown */
    size_t build_id_len;
};

struct lc_symtab;

/* A table over mods[0..n); it copies what it needs (paths, build-ids), so
 * mods may be freed afterwards. Files are opened lazily, on the first pc that
 * falls inside them. NULL only when out of memory. */
struct lc_symtab *lc__symtab_new(const struct lc_module *mods, size_t n);

/* Replaces the module list, keeping the libdw state (opened files, loaded
 * DWARF) and the per-address cache of every module that is unchanged (same
 * path, bias and range), so an address is resolved once per process. Returns
 * 0, or -1 when out of memory (the table is then unchanged). */
int lc__symtab_update(struct lc_symtab *t, const struct lc_module *mods, size_t n);

/* Symbolizes the return addresses pcs[0..n) of one stack into frames[0..max),
 * innermost first; inlined calls expand into several frames. Every pc is looked
 * up at pc-1 (the call instruction). epoch is the stack's dlclose epoch: a pc
 * inside a module closed after it (close_epoch > epoch) resolves in that
 * module (the earliest such close wins), else in the module loaded at the
 * end. A frame outside every module has only its address; one inside a module
 * without symbols has its address and module. Frames from the C runtime's
 * call into main down are cut. Returns the number of frames written. */
int lc__symtab_resolve(struct lc_symtab *t, const uintptr_t *pcs, int n, uint32_t epoch,
                       lc_frame *frames, int max);

/* The module a return address lies in (chosen as lc__symtab_resolve does):
 * returns 1 with its path and pc - bias (what `addr2line -e PATH` takes, also
 * for a non-PIE executable), 0 when pc is outside every module. For printing
 * "module+0xOFFSET" in a process other than the traced one. */
int lc__symtab_module_of(struct lc_symtab *t, uintptr_t pc, uint32_t epoch, const char **path,
                         uintptr_t *offset);

/* pcs whose call instruction lies in [lo, hi) are wrapper frames (leakcheck's
 * fopen, pthread_create...): they keep their function name, the call they
 * stand for, but no file:line. */
void lc__symtab_set_wrapper_range(struct lc_symtab *t, uintptr_t lo, uintptr_t hi);

/* Modules whose file on disk has another build-id than the one recorded (the
 * file was replaced after it was loaded): their frames get no symbols. Returns
 * how many were found so far and the first one's path in *first (may be NULL). */
size_t lc__symtab_mismatches(const struct lc_symtab *t, const char **first);

void lc__symtab_free(struct lc_symtab *t);

/* 1 when path is a C or C++ runtime library (libc, the loader, libstdc++,
 * libgcc_s): its frames are resolved to names only, from the
 * ELF symbol table, without file:line or inlined calls; the console cuts
 * them (and libleakcheck's) between the allocating call and the program's frames. */
int lc__symtab_runtime_module(const char *path);
/* on = 1: runtime libraries are resolved like any module (file:line from
 * libc6-dbg's DWARF, inlined calls); 0, the default: names only. */
void lc__symtab_set_runtime_lines(struct lc_symtab *t, int on);

/* Library only (modules.c): the module list of the live process
 * (dl_iterate_phdr; the main program by /proc/self/exe; the vdso skipped) plus
 * the modules dlclosed during the run. Returns 0, or -1 when out of memory.
 * Call with the guard up; free with lc__modules_free. */
int lc__modules_collect(struct lc_module **mods, size_t *n);
void lc__modules_free(struct lc_module *mods, size_t n);
/* Moves whenever lc__modules_collect would return another list (a load, an
 * unload, a recorded dlclose). */
unsigned long long lc__modules_generation(void);

#endif
