/* run_needed.c: reads a program's DT_NEEDED entries from its file to tell
 * whether it links a sanitizer runtime (ASan, LSan, ...). Such a runtime must
 * come first in the loader's list, so `leakcheck run` preloads it ahead of
 * libleakcheck, which then counts through the sanitizer's allocator hooks.
 * Called by tools/run.c before anything starts; reads the file only. */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>

#include "run.h"

static const char *const sanitizer_runtimes[] = {
    "libasan.so", "libclang_rt.asan", "liblsan.so", "libclang_rt.lsan",
    "libhwasan.so", "libclang_rt.hwasan",
};

/* The file offset of virtual address va, from the PT_LOAD segments. */
static int vaddr_offset(const unsigned char *img, size_t size, const Elf64_Ehdr *eh, uint64_t va,
                        uint64_t *off) {
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + (uint64_t)i * sizeof *ph);
        if (ph->p_type == PT_LOAD && va >= ph->p_vaddr && va - ph->p_vaddr < ph->p_filesz) {
            *off = ph->p_offset + (va - ph->p_vaddr);
            return *off < size ? 0 : -1;
        }
    }
    return -1;
}

static int is_sanitizer_runtime(const char *name) {
    for (size_t i = 0; i < sizeof sanitizer_runtimes / sizeof *sanitizer_runtimes; i++)
        if (strncmp(name, sanitizer_runtimes[i], strlen(sanitizer_runtimes[i])) == 0)
            return 1;
    return 0;
}

/* The dynamic section's sanitizer entry of the mapped image, or -1. */
static int scan_dynamic(const unsigned char *img, size_t size, char *out, size_t len) {
    const Elf64_Ehdr *eh = (const void *)img;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size)
        return -1;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + (uint64_t)i * sizeof *ph);
        if (ph->p_type != PT_DYNAMIC || ph->p_offset + ph->p_filesz > size)
            continue;
        const Elf64_Dyn *dyn = (const void *)(img + ph->p_offset);
        size_t n = ph->p_filesz / sizeof *dyn;
        uint64_t strtab = 0, stroff;
        for (size_t k = 0; k < n && dyn[k].d_tag != DT_NULL; k++)
            if (dyn[k].d_tag == DT_STRTAB)
                strtab = dyn[k].d_un.d_ptr;
        if (!strtab || vaddr_offset(img, size, eh, strtab, &stroff) != 0)
            return -1;
        for (size_t k = 0; k < n && dyn[k].d_tag != DT_NULL; k++) {
            if (dyn[k].d_tag != DT_NEEDED || stroff + dyn[k].d_un.d_val >= size)
                continue;
            const char *name = (const char *)img + stroff + dyn[k].d_un.d_val;
            if (strnlen(name, size - (stroff + dyn[k].d_un.d_val)) < len &&
                is_sanitizer_runtime(name)) {
                snprintf(out, len, "%s", name);
                return 0;
            }
        }
    }
    return -1;
}

int lc_run_sanitizer_needed(const char *path, char *out, size_t len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
        close(fd);
        return -1;
    }
    void *img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (img == MAP_FAILED)
        return -1;
    int rc = scan_dynamic(img, (size_t)st.st_size, out, len);
    munmap(img, (size_t)st.st_size);
    return rc;
}
