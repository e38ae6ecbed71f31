/* debuginfo.c: where libdw finds a module's ELF and debug files: local files
 * only. libdw's standard lookup falls back to debuginfod, which dlopens
 * libdebuginfod and starts libcurl/libssh2 in the symbolizing process (it
 * crashed OpenSSL programs at exit). Calls libelf and the file system; in the
 * library and the tool; not on the hook path. */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"

#define LC_DEBUG_ROOT "/usr/lib/debug"

int lc__find_elf_local(Dwfl_Module *mod, void **userdata, const char *modname,
                       Dwarf_Addr base, char **file_name, Elf **elfp) {
    (void)mod, (void)userdata, (void)modname, (void)base;
    *elfp = NULL;
    if (!*file_name) {
        errno = ENOENT;
        return -1;
    }
    return open(*file_name, O_RDONLY | O_CLOEXEC);
}

/* The CRC-32 that .gnu_debuglink records (the zlib polynomial, reflected). */
static uint32_t file_crc32(int fd) {
    unsigned char buf[65536];
    uint32_t crc = 0xffffffffu;
    off_t off = 0;
    ssize_t got;
    while ((got = pread(fd, buf, sizeof buf, off)) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            crc ^= buf[i];
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
        off += got;
    }
    return ~crc;
}

/* Is the file at fd the debug file of the module with this build-id (or, with
 * no build-id, the one whose .gnu_debuglink CRC is crc)? */
static int matches(int fd, const unsigned char *id, int idlen, GElf_Word crc) {
    if (idlen > 0) {
        Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        const void *fid = NULL;
        ssize_t n = e ? dwelf_elf_gnu_build_id(e, &fid) : -1;
        int ok = n == idlen && memcmp(fid, id, (size_t)idlen) == 0;
        if (e)
            elf_end(e);
        return ok;
    }
    return crc == 0 || file_crc32(fd) == crc;
}

static int try_path(const char *path, const char *self, const unsigned char *id, int idlen,
                    GElf_Word crc, char **out) {
    if (self && strcmp(path, self) == 0)
        return -1; /* the link names the module itself: it has no DWARF */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (!matches(fd, id, idlen, crc)) {
        close(fd);
        return -1;
    }
    *out = strdup(path); /* libdw frees it */
    return fd;
}

static int by_build_id(const unsigned char *id, int idlen, char **out) {
    char path[PATH_MAX];
    int o = snprintf(path, sizeof path, LC_DEBUG_ROOT "/.build-id/%02x/", id[0]);
    for (int i = 1; i < idlen && o < (int)sizeof path - 8; i++)
        o += snprintf(path + o, sizeof path - (size_t)o, "%02x", id[i]);
    snprintf(path + o, sizeof path - (size_t)o, ".debug");
    return try_path(path, NULL, id, idlen, 0, out);
}

/* The .gnu_debuglink name: absolute as given, else beside the file, in its
 * .debug/ directory, and under /usr/lib/debug with the file's directory. */
static int by_link(const char *file, const char *link, const unsigned char *id, int idlen,
                   GElf_Word crc, char **out) {
    if (link[0] == '/')
        return try_path(link, file, id, idlen, crc, out);
    char dir[PATH_MAX], path[PATH_MAX];
    const char *slash = file ? strrchr(file, '/') : NULL;
    size_t dlen = slash ? (size_t)(slash - file) : 0;
    if (dlen >= sizeof dir)
        return -1;
    memcpy(dir, file ? file : "", dlen);
    dir[dlen] = 0;
    static const char *const forms[] = {"%s/%s", "%s/.debug/%s", LC_DEBUG_ROOT "%s/%s"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (snprintf(path, sizeof path, forms[i], dir, link) >= (int)sizeof path)
            continue;
        int fd = try_path(path, file, id, idlen, crc, out);
        if (fd >= 0)
            return fd;
    }
    return -1;
}

int lc__find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname,
                             Dwarf_Addr base, const char *file_name,
                             const char *debuglink_file, GElf_Word debuglink_crc,
                             char **debuginfo_file_name) {
    (void)userdata, (void)modname, (void)base;
    /* libdw asks for a dwz alternate file (.gnu_debugaltlink) with crc 0: it
     * is found by its path, and the module's own build-id does not apply */
    int alt = debuglink_file && debuglink_crc == 0;
    const unsigned char *id = NULL;
    GElf_Addr vaddr;
    int idlen = alt ? 0 : dwfl_module_build_id(mod, &id, &vaddr);
    int fd = -1;
    if (idlen > 0)
        fd = by_build_id(id, idlen, debuginfo_file_name);
    if (fd < 0 && debuglink_file)
        fd = by_link(file_name, debuglink_file, id, idlen, debuglink_crc, debuginfo_file_name);
    if (fd < 0)
        errno = ENOENT;
    return fd;
}
