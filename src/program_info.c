/* program_info.c: what the running program's own ELF file says about it: the
 * libraries it needs and whether it defines cmocka's group runner itself (a
 * statically linked cmocka). Reads /proc/self/exe with libelf. Report time,
 * never on the hook path. */
#include <fcntl.h>
#include <gelf.h>
#include <string.h>
#include <unistd.h>

#include "program_info.h"

static void scan_needed(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
                        struct lc_program_info *out) {
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
    for (size_t i = 0; data && i < n; i++) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
            continue;
        const char *name = elf_strptr(elf, sh->sh_link, dyn.d_un.d_val);
        if (name && strncmp(name, "libcmocka", 9) == 0)
            out->needs_cmocka = 1;
        if (name && strncmp(name, "libleakcheck", 12) == 0)
            out->needs_leakcheck = 1;
    }
}

static void scan_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
                         struct lc_program_info *out) {
    Elf_Data *data = elf_getdata(scn, NULL);
    size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
    for (size_t i = 0; data && i < n && !out->defines_runner; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
            continue;
        const char *name = elf_strptr(elf, sh->sh_link, sym.st_name);
        if (name && strcmp(name, "_cmocka_run_group_tests") == 0)
            out->defines_runner = 1;
    }
}

void lc__program_info(struct lc_program_info *out) {
    memset(out, 0, sizeof *out);
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    for (Elf_Scn *scn = NULL; elf && (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type == SHT_DYNAMIC)
            scan_needed(elf, scn, &sh, out);
        else if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
            scan_symbols(elf, scn, &sh, out);
    }
    out->read = elf != NULL;
    if (elf)
        elf_end(elf);
    close(fd);
}

int lc__program_is_test(void) {
    struct lc_program_info pi;
    lc__program_info(&pi);
    return !pi.read || pi.needs_cmocka || pi.needs_leakcheck || pi.defines_runner;
}
