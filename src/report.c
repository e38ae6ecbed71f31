/* report.c: shared report helpers: frame printing, report path placeholders
 * and atomic writes (safe_write.c: temp file in the target's directory, then
 * rename, so a reader or a crash never sees half a report). Report time only. */

#include "report.h"
#include "safe_write.h"

#include <dlfcn.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where a frame without file:line is: "module+0xOFFSET" while the module is
 * loaded (stable across runs, usable with addr2line), else the address. */
const char *(*lc__frame_where_hook)(const lc_frame *f, char *buf, size_t len);

const char *lc__frame_where(const lc_frame *f, char *buf, size_t len) {
    if (lc__frame_where_hook)
        return lc__frame_where_hook(f, buf, len);
    Dl_info info;
    if (dladdr((void *)f->address, &info) && info.dli_fbase && info.dli_fname) {
        const char *base = strrchr(info.dli_fname, '/');
        base = base ? base + 1 : info.dli_fname;
        snprintf(buf, len, "%s+0x%lx", *base ? base : "?",
                 (unsigned long)(f->address - (uintptr_t)info.dli_fbase));
    } else {
        snprintf(buf, len, "0x%lx", (unsigned long)f->address);
    }
    return buf;
}

void lc__print_frames(FILE *out, const lc_frame *f, int n, int max, const char *indent) {
    char where[512];
    for (int i = 0; i < n && i < max; i++) {
        const char *mod = f[i].module ? strrchr(f[i].module, '/') : NULL;
        mod = mod ? mod + 1 : f[i].module;
        fprintf(out, "%s#%-2d %s", indent, i, f[i].function ? f[i].function : "??");
        if (f[i].file)
            fprintf(out, " (%s:%u)", f[i].file, f[i].line);
        else
            fprintf(out, " (%s)", lc__frame_where(&f[i], where, sizeof where));
        if (f[i].inlined)
            fprintf(out, " [inlined]");
        if (mod)
            fprintf(out, " [%s]", mod);
        fputc('\n', out);
    }
    if (n > max)
        fprintf(out, "%s... %d more frames\n", indent, n - max);
}

/* The executable's name as one path component: '/' and control characters
 * become '_', and a name of dots only ("..", "." from a crafted argv[0]) is
 * all '_', so %e can never climb out of the directory the path names. */
static void safe_name(char *out, size_t len, const char *name) {
    size_t n = 0;
    int dots = 1;
    for (const char *p = name ? name : ""; *p && n + 1 < len; p++) {
        unsigned char c = (unsigned char)*p;
        out[n++] = c == '/' || c < 0x20 || c == 0x7f ? '_' : (char)c;
        dots &= c == '.';
    }
    out[n] = 0;
    if (dots)
        for (size_t i = 0; i < n; i++)
            out[i] = '_';
    if (!n && len > 1)
        snprintf(out, len, "_");
}

void lc__expand_path(const char *in, char *out, size_t len) {
    lc__expand_path_for(in, out, len, (int)getpid(), program_invocation_short_name);
}

void lc__expand_path_for(const char *in, char *out, size_t len, int pid, const char *name) {
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < len; p++) {
        if (p[0] == '%' && (p[1] == 'p' || p[1] == 'e' || p[1] == '%')) {
            char tmp[256];
            if (p[1] == 'p')
                snprintf(tmp, sizeof tmp, "%d", pid);
            else if (p[1] == 'e')
                safe_name(tmp, sizeof tmp, name);
            else
                snprintf(tmp, sizeof tmp, "%%");
            size_t t = strlen(tmp);
            if (o + t >= len)
                break;
            memcpy(out + o, tmp, t);
            o += t;
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

int lc__write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen) {
    char why[4600];
    if (lc__safe_write(path, data, len, 0, why, sizeof why) == 0)
        return 0;
    /* "leakcheck: cannot write 'P': R" -> "leakcheck: cannot write report 'P': R" */
    const char *tail = strchr(why, '\'');
    snprintf(err, errlen, "leakcheck: cannot write report %s", tail ? tail : why);
    return -1;
}
