/* pprof_gzip.c: gzip for pprof files (zlib, its zalloc/zfree pointed at
 * lc__xmalloc so that in-process use never allocates through the tracked
 * heap), and writing a profile through safe_write.c. Calls zlib, pprof.c's
 * encoder and lc__safe_write. Report time, never on the hook path. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"
#include "pprof.h"
#include "safe_write.h"

static voidpf z_alloc(voidpf opaque, uInt items, uInt size) {
    (void)opaque;
    return lc__xcalloc(items, size);
}

static void z_free(voidpf opaque, voidpf p) {
    (void)opaque;
    lc__xfree(p);
}

unsigned char *lc__gzip(const unsigned char *in, size_t n, size_t *outlen) {
    z_stream z = {.zalloc = z_alloc, .zfree = z_free};
    /* 15 + 16: a gzip header and trailer around the deflate stream */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong bound = deflateBound(&z, (uLong)n);
    unsigned char *out = lc__xmalloc(bound);
    if (out) {
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)bound;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
            *outlen = z.total_out;
        } else {
            lc__xfree(out);
            out = NULL;
        }
    }
    deflateEnd(&z);
    return out;
}

unsigned char *lc__gunzip(const unsigned char *in, size_t n, size_t limit, size_t *outlen) {
    z_stream z = {.zalloc = z_alloc, .zfree = z_free};
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* + 32: gzip or zlib header, detected */
        return NULL;
    size_t cap = n * 4 + 4096, len = 0;
    unsigned char *out = lc__xmalloc(cap);
    int rc = Z_OK;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    while (out && rc == Z_OK) {
        if (len == cap) {
            unsigned char *grown = cap < limit ? lc__xrealloc(out, cap * 2) : NULL;
            if (!grown)
                break;
            out = grown;
            cap *= 2;
        }
        z.next_out = out + len;
        z.avail_out = (uInt)(cap - len);
        rc = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        lc__xfree(out);
        return NULL;
    }
    *outlen = len;
    return out;
}

int lc__pprof_write(struct lc_pprof *p, const char *path, char *err, size_t errlen) {
    size_t n = 0, zn = 0;
    unsigned char *raw = lc__pprof_encode(p, &n);
    unsigned char *gz = raw ? lc__gzip(raw, n, &zn) : NULL;
    lc__xfree(raw);
    if (!gz) {
        snprintf(err, errlen, "leakcheck: cannot write pprof profile '%s': out of memory", path);
        return -1;
    }
    char why[1024];
    int rc = lc__safe_write(path, gz, zn, 0, why, sizeof why);
    lc__xfree(gz);
    if (rc) {
        /* why reads "leakcheck: cannot write 'PATH': REASON" */
        const char *reason = strstr(why, "': ");
        snprintf(err, errlen, "leakcheck: cannot write pprof profile '%s': %s", path,
                 reason ? reason + 3 : why);
    }
    return rc;
}
