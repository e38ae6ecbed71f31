/* report_stream_junit.c: the layout of the streamed JUnit report: owns the
 * committed part (declaration, padded <testsuites>, final testcases in suites
 * by group), the tail (the last test and benchmark, closing tags) and the
 * counts in the padded start tags. Calls junit.c to render, report_stream.c
 * to write. Report time only, not on the hook path. */

#include "report_stream.h"

#include <string.h>
#include <unistd.h>

/* Results go into suites in the order they arrive: a group that comes back
 * after another one gets a second <testsuite> of the same name. */

#define HEAD_ROOM 64 /* spare bytes in a padded start tag for counts that grow */

static struct lc_stream stream = {.fd = -1};
static struct lc_stream_cache cache[2]; /* 0: the last test, 1: the last benchmark */

/* One result: a test or a benchmark, and its index. */
struct item {
    const struct lc_test_result *t;
    const struct lc_bench_result *bm;
    size_t index;
};

/* An update being built: the state after it (kept only on success), the
 * bytes for the file from base on, the start tags to rewrite before base. */
struct update {
    const struct lc_run *run;
    struct lc_stream n;
    off_t base;
    struct lc_buf out;
    struct lc_stream_patch p[3];
    int np, bad;
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
    const struct lc_buf *hit =
        tail ? NULL : lc__stream_cache_get(&cache[kind], run, kind, it.index);
    if (hit) {
        lc__buf_putn(b, hit->data, hit->len);
        return;
    }
    struct lc_buf el;
    lc__stream_buf(&el);
    if (it.t)
        lc__junit_render_test(&el, run, it.t);
    else
        lc__junit_render_bench(&el, run, it.bm);
    lc__buf_putn(b, el.data, el.len);
    if (el.failed)
        b->failed = 1;
    if (tail && !el.failed)
        lc__stream_cache_put(&cache[kind], run, kind, it.index, &el);
    else if (tail)
        cache[kind].valid = 0;
    lc__buf_free(&el);
}

/* The start tag of the root (suite 0) or of a suite with counts c, padded to
 * room bytes before its '>' (room 0: as long as it is). */
static int put_head(struct lc_buf *b, const struct update *u, int root,
                    const struct lc_junit_counts *c, size_t room, size_t *len) {
    struct lc_buf head;
    lc__stream_buf(&head);
    if (root)
        lc__junit_root_head(&head, c);
    else
        lc__junit_suite_head(&head, u->run, c, u->n.stamp, u->n.host);
    int bad = head.failed || (room && head.len > room);
    if (len)
        *len = head.len;
    if (!bad) {
        lc__buf_putn(b, head.data, head.len);
        lc__stream_spaces(b, room ? room - head.len : 0);
        lc__buf_puts(b, ">\n");
    }
    lc__buf_free(&head);
    return bad;
}

/* The length of a start tag with counts c before any padding; 0 when it
 * cannot be rendered. */
static size_t head_len(const struct update *u, int root, const struct lc_junit_counts *c) {
    struct lc_buf t;
    lc__stream_buf(&t);
    size_t len = 0;
    int bad = put_head(&t, u, root, c, 0, &len) || t.failed;
    lc__buf_free(&t);
    return bad ? 0 : len;
}

/* Sets the padded start tag at `at` with counts c: in out when it is part of
 * this update, else queued as a patch of the file. */
static void patch_head(struct update *u, off_t at, size_t room, int root,
                       const struct lc_junit_counts *c) {
    struct lc_buf t;
    lc__stream_buf(&t);
    if (put_head(&t, u, root, c, room, NULL) || t.failed) {
        u->bad = 1;
        lc__buf_free(&t);
    } else if (at >= u->base) {
        if ((size_t)(at - u->base) + t.len <= u->out.len)
            memcpy(u->out.data + (at - u->base), t.data, t.len);
        lc__buf_free(&t);
    } else {
        u->p[u->np].at = at;
        u->p[u->np].room = room;
        u->p[u->np++].text = t;
    }
}

/* A fresh file: the XML declaration and the padded root tag. */
static void begin_file(struct update *u) {
    struct lc_stream *n = &u->n;
    memset(&n->all, 0, sizeof n->all);
    n->suite_group = NULL;
    n->tests_done = n->benches_done = 0;
    gethostname(n->host, sizeof n->host - 1);
    lc__report_timestamp(n->stamp, sizeof n->stamp);
    lc__buf_puts(&u->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    n->root_at = (off_t)u->out.len;
    size_t len = head_len(u, 1, &n->all);
    n->root_room = len + HEAD_ROOM;
    u->bad |= !len || put_head(&u->out, u, 1, &n->all, n->root_room, NULL);
}

/* Commits one final result, opening a suite for it when its group is not
 * the open one (the open suite's counts are final then). */
static void commit_item(struct update *u, struct item it) {
    struct lc_stream *n = &u->n;
    const char *g = item_group(u->run, it);
    if (!n->suite_group || strcmp(g, n->suite_group) != 0) {
        if (n->suite_group) {
            patch_head(u, n->suite_at, n->suite_room, 0, &n->suite);
            lc__buf_puts(&u->out, "  </testsuite>\n");
        }
        memset(&n->suite, 0, sizeof n->suite);
        n->suite_group = lc__intern(g);
        u->bad |= !n->suite_group;
        n->suite_at = u->base + (off_t)u->out.len;
        size_t len = head_len(u, 0, &n->suite);
        n->suite_room = len + HEAD_ROOM;
        u->bad |= !len || put_head(&u->out, u, 0, &n->suite, n->suite_room, NULL);
    }
    item_render(&u->out, u->run, it, 0);
    item_count(&n->suite, it);
    item_count(&n->all, it);
}

/* Commits every result but the last test and the last benchmark; those go
 * to tail[] (*ntail of them). */
static void commit_all(struct update *u, struct item *tail, size_t *ntail) {
    const struct lc_run *run = u->run;
    *ntail = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t total = pass == 0 ? run->ntests : run->nbenchmarks;
        size_t *done = pass == 0 ? &u->n.tests_done : &u->n.benches_done;
        for (; *done < total; ++*done) {
            struct item it = pass == 0 ? (struct item){&run->tests[*done], NULL, *done}
                                       : (struct item){NULL, &run->benchmarks[*done], *done};
            if (*done + 1 == total) {
                tail[(*ntail)++] = it;
                break;
            }
            commit_item(u, it);
        }
    }
    u->n.commit = u->base + (off_t)u->out.len;
}

/* Appends the tail: its results, in suites of their own when their group is
 * not the open one, then the closing tags. Adds them to *all, and to *open
 * those that join the committed open suite. */
static void put_tail(struct update *u, const struct item *tail, size_t ntail,
                     struct lc_junit_counts *all, struct lc_junit_counts *open) {
    const char *g = u->n.suite_group;
    int joined = 1;
    for (size_t i = 0; i < ntail; i++) {
        const char *ig = item_group(u->run, tail[i]);
        if (!g || strcmp(ig, g) != 0) {
            if (g)
                lc__buf_puts(&u->out, "  </testsuite>\n");
            joined = 0;
            g = ig;
            struct lc_junit_counts c = {0};
            for (size_t k = i; k < ntail && strcmp(item_group(u->run, tail[k]), ig) == 0; k++)
                item_count(&c, tail[k]);
            u->bad |= put_head(&u->out, u, 0, &c, 0, NULL);
        } else if (joined) {
            item_count(open, tail[i]);
        }
        item_render(&u->out, u->run, tail[i], 1);
        item_count(all, tail[i]);
    }
    if (g)
        lc__buf_puts(&u->out, "  </testsuite>\n");
    lc__buf_puts(&u->out, "</testsuites>\n");
}

static int update(const struct lc_run *run, struct lc_stream *s, char *err, size_t errlen) {
    int fresh = s->fd < 0;
    struct update u = {.run = run, .n = *s, .base = fresh ? 0 : s->commit};
    lc__stream_buf(&u.out);
    lc__report_alloc_begin();
    if (fresh)
        begin_file(&u);
    struct item tail[2];
    size_t ntail;
    commit_all(&u, tail, &ntail);
    struct lc_junit_counts all = u.n.all, open = u.n.suite;
    put_tail(&u, tail, ntail, &all, &open);
    if (u.n.suite_group)
        patch_head(&u, u.n.suite_at, u.n.suite_room, 0, &open);
    patch_head(&u, u.n.root_at, u.n.root_room, 1, &all);
    int rc, oom = u.out.failed || lc__report_alloc_failed();
    if (u.bad || oom) {
        snprintf(err, errlen, "leakcheck: cannot write report '%s': %s (the previous version "
                 "is kept)", s->path,
                 oom ? "out of memory while building it" : "counts outgrew their room");
        rc = -2; /* nothing written */
    } else {
        rc = fresh ? lc__stream_install(&u.n, &u.out, err, errlen)
                   : lc__stream_store(&u.n, &u.out, u.base, u.p, u.np, err, errlen);
    }
    for (int i = 0; i < u.np; i++)
        lc__buf_free(&u.p[i].text);
    lc__buf_free(&u.out);
    if (rc == 0) {
        *s = u.n;
        return 0;
    }
    cache[0].valid = cache[1].valid = 0;
    if (fresh) {
        s->kind = u.n.kind;
        return -1;
    }
    return lc__stream_failed(s, rc);
}

int lc__report_stream_junit(const struct lc_run *run, const char *path, char *err,
                            size_t errlen) {
    int rc;
    lc__guard_enter();
    if (lc__stream_open(run, 1, path, &stream, err, errlen, &rc))
        rc = update(run, &stream, err, errlen);
    lc__guard_leave();
    return rc;
}
