/* report_stream.c: the JSON and JUnit reports of a running test binary, kept
 * complete after every test at a cost of O(that test's result). Owns the open
 * report files and where in them the next result goes; calls report_json.c
 * and junit.c to render one result, safe_write.c to install a file. Report
 * time only (guard up), never on the hook path.
 *
 * A file is installed once (private temp file + rename) and then updated in
 * place. Every result but the last test and the last benchmark is final (the
 * harness settles a test before it starts the next), so the file is a
 * committed part that only grows, written once per result, and a tail (the
 * last results and the closing brackets) rewritten by the same pwrite. The
 * JUnit start tags carry counts; they are padded with spaces, so new counts
 * overwrite them in place. A shorter tail is padded with spaces (legal after
 * the document) before the file is truncated to size, so the document parses
 * at every point between two system calls. Room on disk is reserved
 * (fallocate) before anything is overwritten: a full disk leaves the last
 * complete version. A device or FIFO (/dev/null, /dev/stdout) gets the whole
 * document once, when the run ends. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "junit.h"
#include "report.h"
#include "safe_write.h"

#define HEAD_ROOM 64 /* spare bytes in a padded start tag for counts that grow */

struct patch {         /* a start tag already in the file, rewritten in place */
    off_t at;
    size_t room;
    struct lc_buf text;
};

struct stream {
    char path[4096];   /* the expanded path the file was installed at */
    int fd;            /* the installed file; -1 before or after a failure */
    int kind;          /* LC_SINK_*; 0 until the first call decides */
    off_t commit;      /* end of the committed part */
    off_t size;        /* the file's length */
    off_t reserved;    /* disk room reserved up to here (fallocate) */
    dev_t dev;         /* the installed file, to tell it from whatever a test */
    ino_t ino;         /* opened after closing our descriptor */
    size_t tests_done, benches_done; /* results in the committed part */
    /* JSON: the committed benchmarks, which follow the tests array */
    struct lc_buf benches;
    /* JUnit: the root tag, the open suite (the committed part's last) */
    off_t root_at;
    size_t root_room;
    const char *suite_group; /* interned; NULL when no suite is open */
    off_t suite_at;
    size_t suite_room;
    struct lc_junit_counts all, suite;
    char host[256], stamp[32];
};

static struct stream streams[2] = {{.fd = -1}, {.fd = -1}}; /* 0: JSON, 1: JUnit */
static int finishing;

void lc__report_stream_finish(void) { finishing = 1; }

static void buf(struct lc_buf *b) { lc__buf_init(b, lc__report_realloc, lc__report_free); }

static void stream_reset(struct stream *s) {
    if (s->fd >= 0)
        close(s->fd);
    lc__buf_free(&s->benches);
    memset(s, 0, sizeof *s);
    s->fd = -1;
    buf(&s->benches);
}

/* Appends text with every line after the first indented by ind: jansson
 * indents an element from column 0, the document nests it. JSON strings hold
 * no raw newline, so every '\n' is between tokens. */
static void put_indented(struct lc_buf *b, const char *text, const char *ind) {
    const char *p = text, *nl;
    while ((nl = strchr(p, '\n'))) {
        lc__buf_putn(b, p, (size_t)(nl - p) + 1);
        lc__buf_puts(b, ind);
        p = nl + 1;
    }
    lc__buf_puts(b, p);
}

static void put_spaces(struct lc_buf *b, size_t n) {
    static const char sp[] = "                                ";
    const size_t k = sizeof sp - 1;
    for (; n > k; n -= k)
        lc__buf_putn(b, sp, k);
    lc__buf_putn(b, sp, n);
}

/* The text of one element (`j`, consumed), indented for its place in the
 * document. Returns -1 when it could not be encoded. */
static int element_text(struct lc_buf *b, json_t *j) {
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!text)
        return -1;
    put_indented(b, text, "    ");
    lc__xfree(text);
    return b->failed || lc__report_alloc_failed() ? -1 : 0;
}

/* The last rendered text of the tail's test or benchmark and the bytes of its
 * result struct then. The harness settles a result before it starts the next
 * one and writes the reports after every change, so when the struct is byte
 * for byte the same at commit time its text is reused, not rendered again. */
struct cached {
    int valid;
    size_t index;
    unsigned char key[sizeof(struct lc_test_result) > sizeof(struct lc_bench_result)
                          ? sizeof(struct lc_test_result)
                          : sizeof(struct lc_bench_result)];
    struct lc_buf text;
};
static struct cached json_cache[2];  /* 0: the last test, 1: the last benchmark */
static struct cached junit_cache[2]; /* the same for the JUnit report */

static const void *result_of(const struct lc_run *run, int kind, size_t i, size_t *size) {
    *size = kind == 0 ? sizeof run->tests[i] : sizeof run->benchmarks[i];
    return kind == 0 ? (const void *)&run->tests[i] : (const void *)&run->benchmarks[i];
}

/* The cached text of result i when the result is unchanged since, or NULL. */
static const struct lc_buf *cache_get(struct cached *c, const struct lc_run *run, int kind,
                                      size_t i) {
    size_t size;
    const void *res = result_of(run, kind, i, &size);
    return c->valid && c->index == i && memcmp(c->key, res, size) == 0 ? &c->text : NULL;
}

/* Keeps text (taken over) as the rendering of result i as it is now. */
static void cache_put(struct cached *c, const struct lc_run *run, int kind, size_t i,
                      struct lc_buf *text) {
    size_t size;
    const void *res = result_of(run, kind, i, &size);
    lc__buf_free(&c->text);
    c->text = *text;
    c->index = i;
    memcpy(c->key, res, size);
    c->valid = 1;
    buf(text);
}

/* Appends element i of the tests (kind 0) or benchmarks (kind 1) after a
 * comma unless it is the first; tail: remember its text for the commit. */
static int put_element(struct lc_buf *b, const struct lc_run *run, int kind, size_t i,
                       int tail) {
    struct cached *c = &json_cache[kind];
    lc__buf_puts(b, i == 0 ? "\n    " : ",\n    ");
    const struct lc_buf *hit = tail ? NULL : cache_get(c, run, kind, i);
    if (hit) {
        lc__buf_putn(b, hit->data, hit->len);
        return 0;
    }
    struct lc_buf el;
    buf(&el);
    int rc = element_text(&el, kind == 0 ? lc__json_test(run, &run->tests[i])
                                         : lc__json_bench(run, &run->benchmarks[i]));
    lc__buf_putn(b, el.data, el.len);
    if (tail && rc == 0)
        cache_put(c, run, kind, i, &el);
    else if (tail)
        c->valid = 0;
    lc__buf_free(&el);
    return rc;
}

/* The document up to and including `"tests": [`. */
static int json_prologue(const struct lc_run *run, struct lc_buf *b) {
    json_t *doc = lc__json_document();
    if (!doc)
        return -1;
    if (run->binary)
        json_object_set_new(json_object_get(doc, "host"), "binary", json_string(run->binary));
    json_object_del(doc, "tests");
    json_object_del(doc, "benchmarks");
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    size_t n = text ? strlen(text) : 0;
    if (n < 2 || text[n - 1] != '}') {
        lc__xfree(text);
        return -1;
    }
    while (n > 1 && (text[n - 2] == '\n' || text[n - 2] == ' '))
        n--; /* drop the closing "\n}" */
    lc__buf_putn(b, text, n - 1);
    lc__buf_puts(b, ",\n  \"tests\": [");
    lc__xfree(text);
    return 0;
}

/* Writes out (the committed part's new bytes and the tail) at base, padding
 * over the rest of the old file with spaces, then the patches. Returns 0, -1
 * (the file may be torn) or -2 (nothing written: no room). The file only
 * shrinks to size at the end of the run (or when the padding would pass a
 * page), so the disk room reserved ahead in RESERVE steps stays reserved. */
#define RESERVE ((off_t)1 << 18)
static int stream_store(struct stream *s, const struct lc_buf *out, off_t base,
                        struct patch *p, int np, char *err, size_t errlen) {
    off_t end = base + (off_t)out->len;
    int e = 0;
    if (end > s->reserved) {
        off_t want = (end / RESERVE + 1) * RESERVE;
        if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, s->size, want - s->size) == 0)
            s->reserved = want;
        else if (errno == EOPNOTSUPP || errno == ENOSYS)
            s->reserved = (off_t)1 << 62; /* cannot reserve: write and see */
        else if (fallocate(s->fd, FALLOC_FL_KEEP_SIZE, s->size, end - s->size) == 0)
            s->reserved = end; /* a small disk: only what this write needs */
        else
            e = errno;
        if (e) { /* no room: nothing overwritten, the file is still complete */
            snprintf(err, errlen, "leakcheck: cannot write report '%s': %s", s->path,
                     strerror(e));
            return -2;
        }
    }
    struct lc_buf w;
    buf(&w);
    off_t size = end > s->size ? end : s->size;
    int shrink = finishing || size - end > 4096;
    if (!e) {
        lc__buf_putn(&w, out->data, out->len);
        if (end < s->size) {
            put_spaces(&w, (size_t)(s->size - end - 1));
            lc__buf_putc(&w, '\n');
        }
        e = w.failed ? ENOMEM : lc__pwrite_all(s->fd, w.data, w.len, base);
    }
    lc__buf_free(&w);
    for (int i = 1; i < np; i++) /* by offset (at most three) */
        for (int k = i; k > 0 && p[k - 1].at > p[k].at; k--) {
            struct patch t = p[k];
            p[k] = p[k - 1];
            p[k - 1] = t;
        }
    for (int i = 0; !e && i < np; i++) {
        /* the root and the suite start tags usually touch: one write for both */
        if (i + 1 < np && p[i].at + (off_t)p[i].text.len == p[i + 1].at) {
            struct lc_buf both;
            buf(&both);
            lc__buf_putn(&both, p[i].text.data, p[i].text.len);
            lc__buf_putn(&both, p[i + 1].text.data, p[i + 1].text.len);
            e = both.failed ? ENOMEM : lc__pwrite_all(s->fd, both.data, both.len, p[i].at);
            lc__buf_free(&both);
            i++;
            continue;
        }
        e = lc__pwrite_all(s->fd, p[i].text.data, p[i].text.len, p[i].at);
    }
    if (!e && shrink && end < size) {
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

/* A device or FIFO: the whole document once, at the end. */
static int stream_device(const struct lc_run *run, int fmt, struct stream *s, char *err,
                         size_t errlen) {
    if (!finishing)
        return 0;
    s->kind = -1; /* written: later calls do nothing */
    return fmt == 0 ? lc__report_write_json(run, s->path, err, errlen)
                    : lc__report_write_junit(run, s->path, err, errlen);
}

/* Decides how the expanded path is written; 1 when the caller goes on with
 * in-place updates. */
static int stream_open(const struct lc_run *run, int fmt, const char *path, struct stream *s,
                       char *err, size_t errlen, int *rc) {
    char full[4096];
    lc__expand_path(path, full, sizeof full);
    if (s->kind && strcmp(full, s->path) != 0)
        stream_reset(s); /* another path: start again */
    if (!s->kind) {
        stream_reset(s);
        snprintf(s->path, sizeof s->path, "%s", full);
        char why[4600];
        int k = lc__safe_kind(full, why, sizeof why);
        if (k < 0) {
            const char *tail = strchr(why, '\'');
            snprintf(err, errlen, "leakcheck: cannot write report %s", tail ? tail : why);
            *rc = -1;
            return 0;
        }
        s->kind = k;
    }
    if (s->kind == LC_SINK_STREAM) {
        *rc = stream_device(run, fmt, s, err, errlen);
        return 0;
    }
    *rc = 0;
    return s->kind == LC_SINK_FILE;
}

/* Installs a fresh file holding out (the whole document). Its descriptor
 * moves above 100, out of the way of tests that close and reuse low numbers. */
static int stream_install(struct stream *s, const struct lc_buf *out, char *err,
                          size_t errlen) {
    char why[4600];
    int fd = -1;
    if (lc__safe_install(s->path, out->data, out->len, 0, &fd, why, sizeof why) != LC_SINK_FILE) {
        if (fd >= 0)
            close(fd);
        const char *tail = strchr(why, '\'');
        snprintf(err, errlen, "leakcheck: cannot write report %s", tail ? tail : why);
        s->kind = 0; /* decide again next time (it may have become a device) */
        return -1;
    }
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 100);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        s->kind = 0;
        snprintf(err, errlen, "leakcheck: cannot write report '%s': %s", s->path,
                 strerror(errno));
        return -1;
    }
    s->fd = fd;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = (off_t)out->len;
    s->reserved = 0;
    return 0;
}

/* A test may have closed our descriptor (and opened something else under its
 * number): then it is not ours to write or close, and a fresh file is
 * installed instead. */
static void stream_check_fd(struct stream *s) {
    struct stat st;
    if (s->fd >= 0 && (fstat(s->fd, &st) != 0 || st.st_dev != s->dev || st.st_ino != s->ino))
        s->fd = -1;
}

/* ---- JSON ---- */

static int json_update(const struct lc_run *run, struct stream *s, char *err, size_t errlen) {
    int fresh = s->fd < 0;
    struct lc_buf out, benches;
    buf(&out);
    buf(&benches);
    size_t tdone = fresh ? 0 : s->tests_done, bdone = fresh ? 0 : s->benches_done;
    int bad = fresh && json_prologue(run, &out) != 0;
    off_t commit = fresh ? (off_t)out.len : s->commit;
    /* committed: every test but the last */
    for (; !bad && tdone + 1 < run->ntests; tdone++)
        bad = put_element(&out, run, 0, tdone, 0);
    size_t committed = out.len;
    if (!fresh)
        lc__buf_putn(&benches, s->benches.data, s->benches.len);
    for (; !bad && bdone + 1 < run->nbenchmarks; bdone++)
        bad = put_element(&benches, run, 1, bdone, 0);
    /* the tail */
    if (!bad && run->ntests)
        bad = put_element(&out, run, 0, run->ntests - 1, 1);
    lc__buf_puts(&out, run->ntests ? "\n  ],\n  \"benchmarks\": [" : "],\n  \"benchmarks\": [");
    lc__buf_putn(&out, benches.data, benches.len);
    if (!bad && run->nbenchmarks)
        bad = put_element(&out, run, 1, run->nbenchmarks - 1, 1);
    lc__buf_puts(&out, run->nbenchmarks ? "\n  ]\n}\n" : "]\n}\n");
    int rc;
    if (bad || out.failed || benches.failed || lc__report_alloc_failed()) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': out of memory while "
                 "building it (the previous version is kept)", s->path);
        rc = -2; /* nothing written */
    } else {
        rc = fresh ? stream_install(s, &out, err, errlen)
                   : stream_store(s, &out, commit, NULL, 0, err, errlen);
    }
    if (rc == 0) {
        s->commit = commit + (off_t)(committed - (fresh ? (size_t)commit : 0));
        s->tests_done = tdone;
        s->benches_done = bdone;
        lc__buf_free(&s->benches);
        s->benches = benches;
    } else {
        lc__buf_free(&benches);
        json_cache[0].valid = json_cache[1].valid = 0;
        if (!fresh && s->fd >= 0 && rc == -1) { /* maybe torn: install a fresh one next */
            close(s->fd);
            s->fd = -1;
        }
    }
    lc__buf_free(&out);
    return rc < 0 ? -1 : 0;
}

int lc__report_stream_json(const struct lc_run *run, const char *path, char *err,
                           size_t errlen) {
    struct stream *s = &streams[0];
    int rc;
    lc__guard_enter();
    if (stream_open(run, 0, path, s, err, errlen, &rc)) {
        stream_check_fd(s);
        lc__json_enter();
        rc = json_update(run, s, err, errlen);
        lc__json_leave();
    }
    lc__guard_leave();
    return rc;
}

/* ---- JUnit ---- */

static const char xml_decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/* A start tag padded to room bytes before its '>' (room 0: as long as it is). */
static int put_head(struct lc_buf *b, const struct lc_buf *head, size_t room) {
    if (room && head->len > room)
        return -1;
    lc__buf_putn(b, head->data, head->len);
    put_spaces(b, room ? room - head->len : 0);
    lc__buf_puts(b, ">\n");
    return 0;
}

static void root_head(struct lc_buf *b, const struct lc_junit_counts *c) {
    buf(b);
    lc__junit_root_head(b, c);
}

static void suite_head(struct lc_buf *b, const struct lc_run *run, const struct stream *s,
                       const struct lc_junit_counts *c) {
    buf(b);
    lc__junit_suite_head(b, run, c, s->stamp, s->host);
}

/* One result in JUnit order: a test or a benchmark, and its index. */
struct item {
    const struct lc_test_result *t;
    const struct lc_bench_result *bm;
    size_t index;
};

static const char *item_group(const struct lc_run *run, struct item it) {
    return lc__junit_group(run, it.t ? it.t->group : it.bm->group);
}

static void item_count(struct lc_junit_counts *c, struct item it) {
    if (it.t)
        lc__junit_count_test(c, it.t);
    else
        lc__junit_count_bench(c, it.bm);
}

/* Appends the item's <testcase>; a committed one reuses the text its last
 * rendering as the tail left when the result has not changed since. */
static void item_render(struct lc_buf *b, const struct lc_run *run, struct item it, int tail) {
    int kind = it.t ? 0 : 1;
    struct cached *c = &junit_cache[kind];
    const struct lc_buf *hit = tail ? NULL : cache_get(c, run, kind, it.index);
    if (hit) {
        lc__buf_putn(b, hit->data, hit->len);
        return;
    }
    struct lc_buf el;
    buf(&el);
    if (it.t)
        lc__junit_render_test(&el, run, it.t);
    else
        lc__junit_render_bench(&el, run, it.bm);
    lc__buf_putn(b, el.data, el.len);
    if (el.failed)
        b->failed = 1;
    if (tail && !el.failed)
        cache_put(c, run, kind, it.index, &el);
    else if (tail)
        c->valid = 0;
    lc__buf_free(&el);
}

/* Puts (or queues for pwrite, when it is before base) the padded tag at at. */
static int patch_at(struct lc_buf *out, off_t base, off_t at, const struct lc_buf *head,
                    size_t room, struct patch *p, int *np) {
    struct lc_buf t;
    buf(&t);
    if (put_head(&t, head, room) != 0 || t.failed) {
        lc__buf_free(&t);
        return -1;
    }
    if (at >= base) {
        if ((size_t)(at - base) + t.len <= out->len)
            memcpy(out->data + (at - base), t.data, t.len);
        lc__buf_free(&t);
        return 0;
    }
    p[*np].at = at;
    p[*np].room = room;
    p[(*np)++].text = t;
    return 0;
}

static int junit_update(const struct lc_run *run, struct stream *s, char *err, size_t errlen) {
    int fresh = s->fd < 0;
    lc__report_alloc_begin();
    struct stream n = *s; /* the state after this update, kept only on success */
    struct lc_buf out, head;
    struct patch p[3];
    int np = 0, bad = 0;
    buf(&out);
    if (fresh) {
        memset(&n.all, 0, sizeof n.all);
        n.suite_group = NULL;
        n.tests_done = n.benches_done = 0;
        gethostname(n.host, sizeof n.host - 1);
        lc__report_timestamp(n.stamp, sizeof n.stamp);
        lc__buf_puts(&out, xml_decl);
        n.root_at = (off_t)out.len;
        root_head(&head, &n.all);
        n.root_room = head.len + HEAD_ROOM;
        bad |= put_head(&out, &head, n.root_room);
        lc__buf_free(&head);
        n.commit = (off_t)out.len;
    }
    off_t base = fresh ? 0 : s->commit;
    /* committed: every result but the last test and the last benchmark */
    struct item items[2];
    size_t ni = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t total = pass == 0 ? run->ntests : run->nbenchmarks;
        size_t *done = pass == 0 ? &n.tests_done : &n.benches_done;
        for (; *done < total; ++*done) {
            struct item it = pass == 0 ? (struct item){&run->tests[*done], NULL, *done}
                                       : (struct item){NULL, &run->benchmarks[*done], *done};
            if (*done + 1 == total) {
                items[ni++] = it; /* the tail */
                break;
            }
            const char *g = item_group(run, it);
            if (!n.suite_group || strcmp(g, n.suite_group) != 0) {
                if (n.suite_group) { /* its counts are final now */
                    suite_head(&head, run, &n, &n.suite);
                    bad |= patch_at(&out, base, n.suite_at, &head, n.suite_room, p, &np);
                    lc__buf_free(&head);
                    lc__buf_puts(&out, "  </testsuite>\n");
                }
                memset(&n.suite, 0, sizeof n.suite);
                n.suite_group = lc__intern(g);
                bad |= !n.suite_group;
                n.suite_at = base + (off_t)out.len;
                suite_head(&head, run, &n, &n.suite);
                n.suite_room = head.len + HEAD_ROOM;
                bad |= put_head(&out, &head, n.suite_room);
                lc__buf_free(&head);
            }
            item_render(&out, run, it, 0);
            item_count(&n.suite, it);
            item_count(&n.all, it);
        }
    }
    n.commit = base + (off_t)out.len;
    /* the tail: results that may still change, in suites of their own when
     * their group is not the open one, then the closing tags */
    struct lc_junit_counts all = n.all, open = n.suite;
    const char *g = n.suite_group;
    int joined = 1; /* tail results still inside the committed open suite */
    for (size_t i = 0; i < ni; i++) {
        const char *ig = item_group(run, items[i]);
        if (!g || strcmp(ig, g) != 0) {
            if (g)
                lc__buf_puts(&out, "  </testsuite>\n");
            joined = 0;
            g = ig;
            struct lc_junit_counts c = {0};
            for (size_t k = i; k < ni && strcmp(item_group(run, items[k]), ig) == 0; k++)
                item_count(&c, items[k]);
            suite_head(&head, run, &n, &c);
            bad |= put_head(&out, &head, 0);
            lc__buf_free(&head);
        } else if (joined) {
            item_count(&open, items[i]);
        }
        item_render(&out, run, items[i], 1);
        item_count(&all, items[i]);
    }
    if (g)
        lc__buf_puts(&out, "  </testsuite>\n");
    lc__buf_puts(&out, "</testsuites>\n");
    /* the counts in the padded start tags */
    if (n.suite_group) {
        suite_head(&head, run, &n, &open);
        bad |= patch_at(&out, base, n.suite_at, &head, n.suite_room, p, &np);
        lc__buf_free(&head);
    }
    root_head(&head, &all);
    bad |= patch_at(&out, base, n.root_at, &head, n.root_room, p, &np);
    lc__buf_free(&head);
    int rc;
    if (bad || out.failed || lc__report_alloc_failed()) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': %s (the previous version "
                 "is kept)", s->path, out.failed || lc__report_alloc_failed()
                                          ? "out of memory while building it"
                                          : "counts outgrew their room");
        rc = -2; /* nothing written */
    } else {
        rc = fresh ? stream_install(&n, &out, err, errlen)
                   : stream_store(&n, &out, base, p, np, err, errlen);
    }
    for (int i = 0; i < np; i++)
        lc__buf_free(&p[i].text);
    lc__buf_free(&out);
    if (rc != 0)
        junit_cache[0].valid = junit_cache[1].valid = 0;
    if (rc == 0) {
        *s = n;
    } else if (!fresh && rc == -1) { /* maybe torn: install a fresh one next */
        close(s->fd);
        s->fd = -1;
    } else if (fresh) {
        s->kind = n.kind;
    }
    return rc < 0 ? -1 : 0;
}

int lc__report_stream_junit(const struct lc_run *run, const char *path, char *err,
                            size_t errlen) {
    struct stream *s = &streams[1];
    int rc;
    lc__guard_enter();
    if (stream_open(run, 1, path, s, err, errlen, &rc)) {
        stream_check_fd(s);
        rc = junit_update(run, s, err, errlen);
    }
    lc__guard_leave();
    return rc;
}
