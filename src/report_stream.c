/* report_stream.c: the report files of a running test binary, kept complete
 * after every test at O(that test's result): owns the open files, their
 * in-place updates, disk room and the rendering cache. Calls safe_write.c to
 * install a file; the layouts are report_stream_json.c / _junit.c. Report time
 * only (guard up), not on the hook path. */

#include "report_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fds.h"
#include "safe_write.h"

/* A file is installed once (private temp file + rename) and then updated in
 * place. Every result but the last test and the last benchmark is final (the
 * harness settles a test before it starts the next), so the file is a
 * committed part that only grows, written once per result, and a tail (the
 * last results and the closing brackets) rewritten by the same pwrite. A
 * shorter tail is padded with spaces (legal after a JSON or XML document);
 * the file is cut to size at the end of the run. So the document parses at
 * every point between two system calls. Disk room is reserved (fallocate)
 * before anything is overwritten: a full disk leaves the last complete
 * version. A device or FIFO (/dev/null, /dev/stdout) gets the whole document
 * once, when the run ends. */

#define RESERVE ((off_t)1 << 18) /* disk room is reserved in steps of this */

static int finishing;

void lc__report_stream_finish(void) { finishing = 1; }
int lc__stream_finishing(void) { return finishing; }

void lc__stream_buf(struct lc_buf *b) { lc__buf_init(b, lc__report_realloc, lc__report_free); }

void lc__stream_spaces(struct lc_buf *b, size_t n) {
    static const char sp[] = "                                ";
    const size_t k = sizeof sp - 1;
    for (; n > k; n -= k)
        lc__buf_putn(b, sp, k);
    lc__buf_putn(b, sp, n);
}

static void stream_reset(struct lc_stream *s) {
    if (s->fd >= 0)
        close(s->fd);
    lc__buf_free(&s->benches);
    memset(s, 0, sizeof *s);
    s->fd = -1;
    lc__stream_buf(&s->benches);
}

/* "leakcheck: cannot write 'P': R" (safe_write.c) as a report's error. */
static void report_error(char *err, size_t errlen, const char *why) {
    const char *tail = strchr(why, '\'');
    snprintf(err, errlen, "leakcheck: cannot write report %s", tail ? tail : why);
}

/* A device or FIFO: the whole document once, at the end. */
static int stream_device(const struct lc_run *run, int fmt, struct lc_stream *s, char *err,
                         size_t errlen) {
    if (!finishing)
        return 0;
    s->kind = -1; /* written: later calls do nothing */
    return fmt == 0 ? lc__report_write_json(run, s->path, err, errlen)
                    : lc__report_write_junit(run, s->path, err, errlen);
}

/* A test may have closed our descriptor (and opened something else under its
 * number): then it is not ours to write or close, and a fresh file is
 * installed instead. */
static void stream_check_fd(struct lc_stream *s) {
    struct stat st;
    if (s->fd >= 0 && (fstat(s->fd, &st) != 0 || st.st_dev != s->dev || st.st_ino != s->ino))
        s->fd = -1;
}

int lc__stream_open(const struct lc_run *run, int fmt, const char *path, struct lc_stream *s,
                    char *err, size_t errlen, int *rc) {
    char full[4096];
    lc__expand_path(path, full, sizeof full);
    if (s->kind && strcmp(full, s->path) != 0)
        stream_reset(s); /* another path: start again */
    *rc = 0;
    if (!s->kind) {
        stream_reset(s);
        snprintf(s->path, sizeof s->path, "%s", full);
        char why[4600];
        s->kind = lc__safe_kind(full, why, sizeof why);
        if (s->kind < 0) {
            s->kind = 0;
            report_error(err, errlen, why);
            *rc = -1;
            return 0;
        }
    }
    if (s->kind == LC_SINK_STREAM) {
        *rc = stream_device(run, fmt, s, err, errlen);
        return 0;
    }
    stream_check_fd(s);
    return s->kind == LC_SINK_FILE;
}

int lc__stream_install(struct lc_stream *s, const struct lc_buf *out, char *err,
                       size_t errlen) {
    char why[4600];
    int fd = -1;
    if (lc__safe_install(s->path, out->data, out->len, 0, &fd, why, sizeof why) != LC_SINK_FILE) {
        if (fd >= 0)
            close(fd);
        report_error(err, errlen, why);
        s->kind = 0; /* decide again next time (it may have become a device) */
        return -1;
    }
    /* above 100, out of the way of tests that close and reuse low numbers */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': %s", s->path,
                 strerror(errno));
        close(fd);
        s->kind = 0;
        return -1;
    }
    lc__fd_mark_ours(fd);
    s->fd = fd;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = (off_t)out->len;
    s->reserved = 0;
    return 0;
}

/* Reserves disk room up to end before anything is overwritten: 0 or an
 * errno (ENOSPC). Filesystems without fallocate are written and seen. */
static int reserve(struct lc_stream *s, off_t end) {
    if (end <= s->reserved)
        return 0;
    off_t want = (end / RESERVE + 1) * RESERVE;
    if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, s->size, want - s->size) == 0) {
        s->reserved = want;
        return 0;
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS) {
        s->reserved = (off_t)1 << 62;
        return 0;
    }
    if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, s->size, end - s->size) == 0) {
        s->reserved = end; /* a small disk: only what this write needs */
        return 0;
    }
    return errno;
}

/* Writes the patches (start tags) by offset, the touching ones (the root's
 * and the open suite's, usually) in one pwrite. 0 or an errno. */
static int write_patches(struct lc_stream *s, struct lc_stream_patch *p, int np) {
    for (int i = 1; i < np; i++) /* at most three: insertion sort */
        for (int k = i; k > 0 && p[k - 1].at > p[k].at; k--) {
            struct lc_stream_patch t = p[k];
            p[k] = p[k - 1];
            p[k - 1] = t;
        }
    int e = 0;
    for (int i = 0; !e && i < np; i++) {
        if (i + 1 < np && p[i].at + (off_t)p[i].text.len == p[i + 1].at) {
            struct lc_buf both;
            lc__stream_buf(&both);
            lc__buf_putn(&both, p[i].text.data, p[i].text.len);
            lc__buf_putn(&both, p[i + 1].text.data, p[i + 1].text.len);
            e = both.failed ? ENOMEM : lc__pwrite_all(s->fd, both.data, both.len, p[i].at);
            lc__buf_free(&both);
            i++;
        } else {
            e = lc__pwrite_all(s->fd, p[i].text.data, p[i].text.len, p[i].at);
        }
    }
    return e;
}

int lc__stream_store(struct lc_stream *s, const struct lc_buf *out, off_t base,
                     struct lc_stream_patch *p, int np, char *err, size_t errlen) {
    off_t end = base + (off_t)out->len;
    int e = reserve(s, end);
    if (e) { /* no room: nothing overwritten, the file is still complete */
        snprintf(err, errlen, "leakcheck: cannot write report '%s': %s", s->path, strerror(e));
        return -2;
    }
    struct lc_buf w;
    lc__stream_buf(&w);
    lc__buf_putn(&w, out->data, out->len);
    if (end < s->size) { /* spaces over what the longer tail left */
        lc__stream_spaces(&w, (size_t)(s->size - end - 1));
        lc__buf_putc(&w, '\n');
    }
    e = w.failed ? ENOMEM : lc__pwrite_all(s->fd, w.data, w.len, base);
    lc__buf_free(&w);
    if (!e)
        e = write_patches(s, p, np);
    off_t size = end > s->size ? end : s->size;
    /* cut to size at the end, or when the padding passes a page */
    if (!e && end < size && (finishing || size - end > 4096)) {
        if (ftruncate(s->fd, end) != 0)
            e = errno;
        size = end;
        s->reserved = 0;
    }
    if (e) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': %s", s->path, strerror(e));
        return -1;
    }
    s->size = size;
    return 0;
}

int lc__stream_failed(struct lc_stream *s, int rc) {
    if (rc == -1 && s->fd >= 0) { /* maybe torn: install a fresh one next */
        close(s->fd);
        s->fd = -1;
    }
    return -1;
}

/* ---- the rendering cache ---- */

static const void *result_of(const struct lc_run *run, int kind, size_t i, size_t *size) {
    *size = kind == 0 ? sizeof run->tests[i] : sizeof run->benchmarks[i];
    return kind == 0 ? (const void *)&run->tests[i] : (const void *)&run->benchmarks[i];
}

const struct lc_buf *lc__stream_cache_get(struct lc_stream_cache *c, const struct lc_run *run,
                                          int kind, size_t i) {
    size_t size;
    const void *res = result_of(run, kind, i, &size);
    return c->valid && c->index == i && memcmp(c->key, res, size) == 0 ? &c->text : NULL;
}

void lc__stream_cache_put(struct lc_stream_cache *c, const struct lc_run *run, int kind,
                          size_t i, struct lc_buf *text) {
    size_t size;
    const void *res = result_of(run, kind, i, &size);
    lc__buf_free(&c->text);
    c->text = *text;
    c->index = i;
    memcpy(c->key, res, size);
    c->valid = 1;
    lc__stream_buf(text);
}
