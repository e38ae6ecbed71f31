/* thread_start_syms.c: the address ranges of a sanitizer runtime's functions
 * linked into the executable (clang's static runtimes), by name from its
 * symbol table, for thread_start.c. Loaded once (not the hook path, raw
 * system calls, lc__mmap); the lookup is on the hook path: a binary search. */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "thread_start.h"

/* Names (mangled or not) of the sanitizer runtimes' own code. */
static const char *const markers[] = {"__asan", "__sanitizer", "__interception", "__interceptor",
                                      "__lsan", "__ubsan", "__tsan", "__msan", "__hwasan"};

static struct {
    size_t n;
    uintptr_t (*r)[2]; /* [lo, hi), sorted by lo */
} fns;

static int runtime_name(const char *s) {
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (strstr(s, markers[i]))
            return 1;
    return 0;
}

/* The symbol table and its string table, when the file has them in range. */
static const Elf64_Shdr *symtab_of(const unsigned char *f, size_t size, const Elf64_Shdr **str) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        eh->e_shoff > size || (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset <= size && sh[i].sh_size <= size - sh[i].sh_offset &&
            (*str)->sh_offset <= size && (*str)->sh_size <= size - (*str)->sh_offset)
            return &sh[i];
    }
    return NULL;
}

/* Visits the runtime's functions: counts them when out is NULL. */
static size_t collect(const unsigned char *f, const Elf64_Shdr *sym, const Elf64_Shdr *str,
                      uintptr_t bias, uintptr_t (*out)[2], size_t max) {
    const Elf64_Sym *s = (const Elf64_Sym *)(f + sym->sh_offset);
    size_t ns = sym->sh_size / sizeof *s, n = 0;
    const char *names = (const char *)(f + str->sh_offset);
    for (size_t i = 0; i < ns; i++) {
        if (ELF64_ST_TYPE(s[i].st_info) != STT_FUNC || !s[i].st_size || !s[i].st_value ||
            s[i].st_name >= str->sh_size || !memchr(names + s[i].st_name, 0,
                                                      str->sh_size - s[i].st_name) ||
            !runtime_name(names + s[i].st_name))
            continue;
        if (out && n < max) {
            out[n][0] = bias + s[i].st_value;
            out[n][1] = out[n][0] + s[i].st_size;
        }
        n++;
    }
    return n;
}

/* Shell sort by start (qsort may allocate). */
static void sort_ranges(uintptr_t (*r)[2], size_t n) {
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++) {
            uintptr_t lo = r[i][0], hi = r[i][1];
            size_t k = i;
            for (; k >= gap && r[k - gap][0] > lo; k -= gap) {
                r[k][0] = r[k - gap][0];
                r[k][1] = r[k - gap][1];
            }
            r[k][0] = lo;
            r[k][1] = hi;
        }
}

size_t lc__start_syms_load(uintptr_t bias) {
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    void *f = MAP_FAILED;
    if (syscall(SYS_fstat, fd, &st) == 0 && st.st_size > 0)
        f = (void *)syscall(SYS_mmap, NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    syscall(SYS_close, fd);
    if (f == MAP_FAILED)
        return 0;
    size_t size = (size_t)st.st_size;
    const Elf64_Shdr *str = NULL, *sym = symtab_of(f, size, &str);
    size_t n = sym ? collect(f, sym, str, bias, NULL, 0) : 0;
    uintptr_t(*r)[2] = n ? lc__mmap(n * sizeof *r) : NULL;
    if (r) {
        collect(f, sym, str, bias, r, n);
        sort_ranges(r, n);
        fns.r = r;
        fns.n = n;
    }
    syscall(SYS_munmap, f, size);
    return fns.n;
}

LC_HOOK_TEXT int lc__start_syms_has(uintptr_t pc) {
    size_t lo = 0, hi = fns.n;
    while (lo < hi) { /* the last range that starts at or below pc */
        size_t mid = lo + (hi - lo) / 2;
        if (fns.r[mid][0] <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* ranges may nest or overlap (aliases, local symbols): look back a few */
    for (size_t k = lo, seen = 0; k > 0 && seen < 8; k--, seen++)
        if (pc < fns.r[k - 1][1])
            return 1;
    return 0;
}
