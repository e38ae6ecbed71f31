/* debuginfo.h: libdw callbacks that find a module's files on the local disk
 * only (debuginfo.c). Used by symtab.c, in the library and in the tool. */
#ifndef LC_DEBUGINFO_H
#define LC_DEBUGINFO_H

#include <elfutils/libdwfl.h>

/* Dwfl_Callbacks.find_elf: opens the file the module was reported with. */
int lc__find_elf_local(Dwfl_Module *mod, void **userdata, const char *modname,
                       Dwarf_Addr base, char **file_name, Elf **elfp);
/* Dwfl_Callbacks.find_debuginfo: /usr/lib/debug/.build-id/xx/yyyy.debug, then
 * the .gnu_debuglink name in the file's directory, its .debug/ and
 * /usr/lib/debug/DIR/, each checked against the build-id (or the link's CRC). */
int lc__find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname,
                             Dwarf_Addr base, const char *file_name,
                             const char *debuglink_file, GElf_Word debuglink_crc,
                             char **debuginfo_file_name);

#endif
