/* symtab.c on its own, linked without libleakcheck as the `leakcheck` tool
 * links it: the test builds its own module list from dl_iterate_phdr and
 * resolves return addresses in its own functions (file:line, inlined calls),
 * in libc (file:line from libc6-dbg's build-id file), in C++ (demangled) and
 * in a GCC .cold part (named after its function), in a shared object whose
 * DWARF was moved to .debug/ (.gnu_debuglink), in a module closed after the
 * stack's epoch, in a wrapper range, and in a module whose build-id does not
 * match its file. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "internal.h"
#include "symtab.h"

/* util.c's spin locks count the locks each thread holds in lc__tls, which
 * the library (hooks.c) and the tool (lib_shim.c) define; this test links
 * util.c alone. */
__thread struct lc_tls lc__tls __attribute__((tls_model("initial-exec")));

/* ---- the module list of this process ---- */
struct mods {
    struct lc_module m[256];
    size_t n;
};

static int add_module(struct dl_phdr_info *info, size_t size, void *p) {
    (void)size;
    struct mods *ms = p;
    char exe[PATH_MAX];
    const char *name = info->dlpi_name;
    if (ms->n == 0 && (!name || !*name)) {
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (k <= 0)
            return 0;
        exe[k] = 0;
        name = exe;
    } else if (!name || !strchr(name, '/') || ms->n == 256) {
        return 0; /* the vdso */
    }
    struct lc_module m = {.path = strdup(name), .bias = info->dlpi_addr, .lo = UINTPTR_MAX};
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t s = info->dlpi_addr + ph->p_vaddr, e = s + ph->p_memsz;
        m.lo = s < m.lo ? s : m.lo;
        m.hi = e > m.hi ? e : m.hi;
    }
    ms->m[ms->n++] = m;
    return 0;
}

static struct mods *modules(void) {
    static struct mods ms;
    for (size_t i = 0; i < ms.n; i++)
        free((void *)ms.m[i].path);
    ms.n = 0;
    dl_iterate_phdr(add_module, &ms);
    return &ms;
}

static const struct lc_module *module_named(struct mods *ms, const char *suffix) {
    for (size_t i = 0; i < ms->n; i++) {
        size_t a = strlen(ms->m[i].path), b = strlen(suffix);
        if (a >= b && strcmp(ms->m[i].path + a - b, suffix) == 0)
            return &ms->m[i];
    }
    return NULL;
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = s ? strlen(s) : 0, b = strlen(suffix);
    return s && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- planted call sites ---- */
__attribute__((noinline)) static uintptr_t grab(void) {
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
    return pc;
}

static volatile unsigned caller_line, helper_line, inline_call_line;

__attribute__((noinline)) static uintptr_t caller_fn(void) {
    uintptr_t pc = grab(); caller_line = __LINE__;
    __asm__ volatile("" ::: "memory");
    return pc;
}

static inline __attribute__((always_inline)) uintptr_t inline_helper(void) {
    uintptr_t pc = grab(); helper_line = __LINE__;
    return pc;
}

__attribute__((noinline)) static uintptr_t inline_caller(void) {
    uintptr_t pc = inline_helper(); inline_call_line = __LINE__;
    __asm__ volatile("" ::: "memory");
    return pc;
}

__attribute__((noinline, cold)) static uintptr_t grab_cold(void) {
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    __asm__ volatile("" ::: "memory");
    return pc;
}

/* GCC specializes it (cold_path.constprop.0: every call passes 42) or moves
 * the call to a cold function into cold_path.cold. */
static volatile int cold_calls;
__attribute__((noinline)) static uintptr_t cold_path(int x) {
    uintptr_t pc = 0;
    if (x == 42)
        pc = grab_cold();
    cold_calls++; /* no tail call: the return address stays in cold_path */
    return pc;
}

uintptr_t symtab_cxx_call(uintptr_t (*grab)(void));

static uintptr_t qsort_pc;
static int compare(const void *a, const void *b) {
    qsort_pc = (uintptr_t)__builtin_return_address(0);
    return *(const int *)a - *(const int *)b;
}

static int resolve1(struct lc_symtab *t, uintptr_t pc, uint32_t epoch, lc_frame *f, int max) {
    return lc__symtab_resolve(t, &pc, 1, epoch, f, max);
}

/* ---- tests ---- */
static void own_function_has_file_and_line(void **state) {
    (void)state;
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    assert_non_null(t);
    lc_frame f[8];
    uintptr_t pc = caller_fn();
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_string_equal(f[0].function, "caller_fn");
    assert_true(ends_with(f[0].file, "test_symtab.c"));
    assert_int_equal(f[0].line, caller_line);
    assert_true(ends_with(f[0].module, "/test_symtab"));
    assert_int_equal(f[0].address, pc);
    assert_int_equal(f[0].inlined, 0);
    const char *path = NULL;
    uintptr_t off = 0;
    const struct lc_module *exe = module_named(ms, "/test_symtab");
    assert_int_equal(lc__symtab_module_of(t, pc, 0, &path, &off), 1);
    assert_string_equal(path, exe->path);
    assert_int_equal(off, pc - exe->bias);
    assert_int_equal(lc__symtab_module_of(t, 0x1001, 0, &path, &off), 0);
    /* a second lookup comes from the cache, identical */
    lc_frame g[8];
    assert_int_equal(resolve1(t, pc, 0, g, 8), 1);
    assert_ptr_equal(g[0].function, f[0].function);
    assert_int_equal(g[0].line, f[0].line);
    lc__symtab_free(t);
}

static void inlined_call_expands(void **state) {
    (void)state;
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc_frame f[8];
    int n = resolve1(t, inline_caller(), 0, f, 8);
    assert_int_equal(n, 2);
    assert_string_equal(f[0].function, "inline_helper");
    assert_int_equal(f[0].inlined, 1);
    assert_int_equal(f[0].line, helper_line);
    assert_string_equal(f[1].function, "inline_caller");
    assert_int_equal(f[1].inlined, 0);
    assert_true(ends_with(f[1].file, "test_symtab.c"));
    assert_int_equal(f[1].line, inline_call_line);
    lc__symtab_free(t);
}

/* By default a C runtime frame is a name from the ELF symbol table (libc6-
 * dbg's: static functions too), with its module and no line table read. */
static void libc_frame_is_named_without_dwarf(void **state) {
    (void)state;
    int v[4] = {3, 1, 2, 0};
    qsort(v, 4, sizeof v[0], compare);
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc_frame f[8];
    assert_int_equal(resolve1(t, qsort_pc, 0, f, 8), 1);
    assert_true(ends_with(f[0].module, "/libc.so.6"));
    assert_non_null(f[0].function);
    assert_non_null(strstr(f[0].function, "msort")); /* needs libc6-dbg's symtab */
    assert_null(f[0].file);
    assert_int_equal(f[0].line, 0);
    lc__symtab_free(t);
}

static void libc_frame_has_file_and_line(void **state) {
    (void)state;
    int v[4] = {3, 1, 2, 0};
    qsort(v, 4, sizeof v[0], compare);
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc__symtab_set_runtime_lines(t, 1);
    lc_frame f[8];
    assert_true(resolve1(t, qsort_pc, 0, f, 8) >= 1);
    print_message("libc frame: %s (%s:%u) [%s]\n", f[0].function, f[0].file, f[0].line,
                  f[0].module);
    assert_true(ends_with(f[0].module, "/libc.so.6"));
    assert_non_null(f[0].function);
    assert_non_null(strstr(f[0].function, "msort")); /* the comparator's caller */
    assert_true(ends_with(f[0].file, "msort.c")); /* needs libc6-dbg */
    assert_true(f[0].line > 0);
    lc__symtab_free(t);
}

/* glibc defines strdup as __strdup (strdup a weak alias) and fopen as
 * _IO_new_fopen: a frame there is named as the program called it. */
static void libc_alias_has_public_name(void **state) {
    (void)state;
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    void *dup = dlsym(RTLD_DEFAULT, "strdup"), *fop = dlsym(RTLD_DEFAULT, "fopen");
    assert_non_null(dup);
    assert_non_null(fop);
    lc_frame f[8];
    for (int lines = 0; lines < 2; lines++) {
        lc__symtab_set_runtime_lines(t, lines);
        assert_true(resolve1(t, (uintptr_t)dup + 1, 0, f, 8) >= 1); /* pc - 1: its start */
        assert_string_equal(f[0].function, "strdup");
        assert_true(resolve1(t, (uintptr_t)fop + 1, 0, f, 8) >= 1);
        assert_string_equal(f[0].function, "fopen");
    }
    lc__symtab_free(t);
}

static void cxx_name_is_demangled(void **state) {
    (void)state;
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc_frame f[8];
    assert_int_equal(resolve1(t, symtab_cxx_call(grab), 0, f, 8), 1);
    assert_string_equal(f[0].function, "lcsym::Walker::visit(int)");
    assert_true(ends_with(f[0].file, "symtab_cxx.cpp"));
    lc__symtab_free(t);
}

/* 1 when the ELF file at path has a symbol whose name starts with prefix. */
static int has_symbol(const char *path, const char *prefix) {
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    int found = 0;
    for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s)) != NULL;) {
        GElf_Shdr sh;
        if (!gelf_getshdr(s, &sh) || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf_Data *d = elf_getdata(s, NULL);
        for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            const char *n = gelf_getsym(d, (int)i, &sym) ? elf_strptr(e, sh.sh_link, sym.st_name)
                                                         : NULL;
            found |= n && strncmp(n, prefix, strlen(prefix)) == 0;
        }
    }
    elf_end(e);
    close(fd);
    return found;
}

static void clone_suffix_is_dropped(void **state) {
    (void)state;
    struct mods *ms = modules();
    /* the program really has a clone of it */
    assert_true(has_symbol(module_named(ms, "/test_symtab")->path, "cold_path."));
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc_frame f[8];
    assert_int_equal(resolve1(t, cold_path(42), 0, f, 8), 1);
    assert_string_equal(f[0].function, "cold_path");
    assert_true(ends_with(f[0].file, "test_symtab.c"));
    lc__symtab_free(t);
}

/* The test's build strips the object and keeps its DWARF in .debug/. */
static int has_section(const char *path, const char *name) {
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstr;
    int found = 0;
    assert_int_equal(elf_getshdrstrndx(e, &shstr), 0);
    for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s)) != NULL;) {
        GElf_Shdr sh;
        const char *n = gelf_getshdr(s, &sh) ? elf_strptr(e, shstr, sh.sh_name) : NULL;
        found |= n && strcmp(n, name) == 0;
    }
    elf_end(e);
    close(fd);
    return found;
}

static __attribute__((noinline)) void scribble_stack(void) {
    volatile char buf[65536];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = 'x'; /* what a path buffer below here would read on into */
}

/* Loads a build of symtab_lib.c, resolves a return address in its
 * symtab_lib_call (over a scribbled stack) into f; returns the handle. */
static void *resolve_in_lib(const char *path, lc_frame *f) {
    void *h = dlopen(path, RTLD_NOW);
    assert_non_null(h);
    uintptr_t (*call)(uintptr_t (*)(void)) =
        (uintptr_t(*)(uintptr_t (*)(void)))dlsym(h, "symtab_lib_call");
    assert_non_null(call);
    uintptr_t pc = call(grab);
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    scribble_stack();
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_string_equal(f[0].function, "symtab_lib_call");
    lc__symtab_free(t); /* the frame's strings are interned: they stay */
    return h;
}

static void debuglink_file_is_found(void **state) {
    (void)state;
    assert_false(has_section(SYMTAB_LIB_PATH, ".debug_info"));
    assert_true(has_section(SYMTAB_LIB_PATH, ".gnu_debuglink"));
    lc_frame f[8];
    void *h = resolve_in_lib(SYMTAB_LIB_PATH, f);
    assert_true(ends_with(f[0].file, "symtab_lib.c"));
    assert_int_equal(f[0].line, 7); /* SYMTAB_LIB_LINE */
    dlclose(h);
}

/* A file DWARF names relative to its unit's directory, with no ".." to fold,
 * reads as that one absolute path (the join once overwrote the path's end and
 * read on into an earlier path's bytes). */
static void relative_file_name_is_joined(void **state) {
    (void)state;
    lc_frame f[8];
    void *h = resolve_in_lib(SYMTAB_REL_PATH, f);
    assert_string_equal(f[0].file, SYMTAB_SRC_DIR "/symtab_lib.c");
    dlclose(h);
}

/* A module closed at epoch 3 covers the program's range: a stack of epoch 2
 * (captured before the close) resolves there, one of epoch 3 in the program. */
static void closed_module_wins_for_older_stacks(void **state) {
    (void)state;
    struct mods *ms = modules();
    const struct lc_module *exe = module_named(ms, "/test_symtab");
    assert_non_null(exe);
    struct lc_module list[2] = {*exe, *exe};
    list[1].path = "/nonexistent/closed.so";
    list[1].close_epoch = 3;
    struct lc_symtab *t = lc__symtab_new(list, 2);
    uintptr_t pc = caller_fn();
    lc_frame f[8];
    assert_int_equal(resolve1(t, pc, 2, f, 8), 1);
    assert_string_equal(f[0].module, "/nonexistent/closed.so");
    assert_null(f[0].function); /* the file is gone: module and address only */
    assert_int_equal(f[0].address, pc);
    assert_int_equal(resolve1(t, pc, 3, f, 8), 1);
    assert_string_equal(f[0].function, "caller_fn");
    /* the module list can be replaced; the program keeps resolving */
    assert_int_equal(lc__symtab_update(t, exe, 1), 0);
    assert_int_equal(resolve1(t, pc, 2, f, 8), 1);
    assert_string_equal(f[0].function, "caller_fn");
    lc__symtab_free(t);
}

/* An update keeps the cached frames of unchanged modules and drops those of
 * addresses that were outside every module: one may be inside a module now. */
static void update_keeps_frames_of_unchanged_modules(void **state) {
    (void)state;
    struct mods *ms = modules();
    const struct lc_module *exe = module_named(ms, "/test_symtab");
    assert_non_null(exe);
    struct lc_module none = *exe;
    none.lo = none.hi = 1; /* covers nothing */
    struct lc_symtab *t = lc__symtab_new(&none, 1);
    uintptr_t pc = caller_fn();
    lc_frame f[8];
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_null(f[0].function); /* outside every module: the address only */
    struct lc_module both[2] = {none, *exe};
    assert_int_equal(lc__symtab_update(t, both, 2), 0);
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_string_equal(f[0].function, "caller_fn");
    /* the program moves to another index: its cached frame follows it */
    assert_int_equal(lc__symtab_update(t, exe, 1), 0);
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_string_equal(f[0].function, "caller_fn");
    assert_true(ends_with(f[0].file, "test_symtab.c"));
    lc__symtab_free(t);
}

static void wrapper_frame_keeps_only_its_name(void **state) {
    (void)state;
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    uintptr_t pc = caller_fn();
    lc__symtab_set_wrapper_range(t, pc - 1, pc);
    lc_frame f[8];
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_string_equal(f[0].function, "caller_fn");
    assert_null(f[0].file);
    assert_int_equal(f[0].line, 0);
    lc__symtab_free(t);
}

static void build_id_mismatch_gives_no_symbols(void **state) {
    (void)state;
    struct mods *ms = modules();
    const struct lc_module *exe = module_named(ms, "/test_symtab");
    static const unsigned char wrong[20] = {1, 2, 3};
    struct lc_module m = *exe;
    m.build_id = wrong;
    m.build_id_len = sizeof wrong;
    struct lc_symtab *t = lc__symtab_new(&m, 1);
    lc_frame f[8];
    uintptr_t pc = caller_fn();
    assert_int_equal(resolve1(t, pc, 0, f, 8), 1);
    assert_null(f[0].function);
    assert_true(ends_with(f[0].module, "/test_symtab"));
    const char *first = NULL;
    assert_int_equal(lc__symtab_mismatches(t, &first), 1);
    assert_string_equal(first, exe->path);
    lc__symtab_free(t);
}

static void address_outside_modules_is_bare(void **state) {
    (void)state;
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc_frame f[8];
    assert_int_equal(resolve1(t, 0x1001, 0, f, 8), 1);
    assert_int_equal(f[0].address, 0x1001);
    assert_null(f[0].function);
    assert_null(f[0].module);
    lc__symtab_free(t);
}

__attribute__((noinline)) static int full_stack(uintptr_t *pcs, int max) {
    void *raw[64];
    int n = backtrace(raw, 64);
    for (int i = 0; i < n && i < max; i++)
        pcs[i] = (uintptr_t)raw[i];
    __asm__ volatile("" ::: "memory");
    return n < max ? n : max;
}

static void runtime_frames_are_cut(void **state) {
    (void)state;
    uintptr_t pcs[64];
    int n = full_stack(pcs, 64);
    struct mods *ms = modules();
    struct lc_symtab *t = lc__symtab_new(ms->m, ms->n);
    lc_frame f[128];
    int k = lc__symtab_resolve(t, pcs, n, 0, f, 128);
    assert_true(k >= 2);
    assert_string_equal(f[k - 1].function, "main");
    for (int i = 0; i < k; i++)
        assert_null(f[i].function ? strstr(f[i].function, "__libc_start") : NULL);
    lc__symtab_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_function_has_file_and_line),
        cmocka_unit_test(inlined_call_expands),
        cmocka_unit_test(libc_frame_is_named_without_dwarf),
        cmocka_unit_test(libc_frame_has_file_and_line),
        cmocka_unit_test(libc_alias_has_public_name),
        cmocka_unit_test(cxx_name_is_demangled),
        cmocka_unit_test(clone_suffix_is_dropped),
        cmocka_unit_test(debuglink_file_is_found),
        cmocka_unit_test(relative_file_name_is_joined),
        cmocka_unit_test(closed_module_wins_for_older_stacks),
        cmocka_unit_test(update_keeps_frames_of_unchanged_modules),
        cmocka_unit_test(wrapper_frame_keeps_only_its_name),
        cmocka_unit_test(build_id_mismatch_gives_no_symbols),
        cmocka_unit_test(address_outside_modules_is_bare),
        cmocka_unit_test(runtime_frames_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
