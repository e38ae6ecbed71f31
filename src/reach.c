/* reach.c: lc__reach_classify (memcheck's and LeakSanitizer's kinds). Sorts and
 * indexes the caller's blocks (sorted spans, a granule hash as fast reject),
 * scans the roots of reach_roots.c with the threads reach_stop.c stopped, then
 * marks reachable, possible, and per clique definite/indirect (a talloc
 * chunk's user pointer counts as its start). Memory from
 * reach_mem.c (mmap); no lock a stopped thread may hold. Not on the hook path. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "reach.h"
#include "reach_early.h"
#include "reach_pretest.h"
#include "reach_impl.h"

#define LC__GRAIN 12 /* index granule: 4 KiB */
#define LC__GBUF 65536 /* guarded reads copy this much at a time */

/* Block states while classifying (low 6 bits); LC__NOSCAN: not readable. */
enum { S_LOST = 0, S_CAND, S_POSS, S_REACH, S_LEADER, S_IND };
#define LC__NOSCAN 0x80
#define LC__HDR 0x40 /* the word before the block (glibc's chunk size) is readable */
/* How a pointer found while scanning marks the block it hits. */
enum { RULE_DEF, RULE_POSS, RULE_LOST };

struct grain {
    uint64_t key;   /* granule number + 1; 0 = empty */
    uint32_t lo, hi; /* indices of the blocks overlapping the granule */
};

struct span {
    uintptr_t start, end; /* end: ptr + size, or ptr + 1 for a 0-byte block */
};

struct needle {
    uintptr_t v;
    size_t i;
};

struct rctx {
    struct lc_reach_block *b;
    size_t n;
    struct span *se;    /* b[i].ptr and its end, compact for the binary search */
    uint8_t *state;
    uint32_t *stack;
    size_t top;
    struct grain *g;
    uint64_t gmask;
    unsigned gbits;
    uintptr_t min, span; /* a hit needs v - min < span */
    struct needle *nd;
    size_t nnd;
    uintptr_t nmin, nspan;
    uintptr_t regs_sp;  /* scanning a stopped thread's registers: its stack pointer, else 0 */
    int pretest;        /* scanning a LC__R_PRETEST root (reach_early.c) */
    const struct lc_reach_opts *o;
    struct lc__rangev excl; /* sorted ranges never scanned as roots */
    uint32_t leader;
    uint64_t heap_bytes, root_bytes, unreadable;
    void *gbuf; /* copy buffer for guarded reads, NULL when every thread stopped */
};

/* One scan at a time. The holder's pid is kept so that a fork child, which
 * inherits the lock but not the thread holding it, does not wait forever. */
static int spin;
static int spin_pid;

static void scan_lock(void) {
    int pid = getpid();
    while (__atomic_exchange_n(&spin, 1, __ATOMIC_ACQUIRE)) {
        if (__atomic_load_n(&spin_pid, __ATOMIC_RELAXED) != pid)
            break; /* held in the parent at fork: nobody here will release it */
        sched_yield();
    }
    __atomic_store_n(&spin_pid, pid, __ATOMIC_RELAXED);
}

static void scan_unlock(void) { __atomic_store_n(&spin, 0, __ATOMIC_RELEASE); }

static void *map_array(size_t n, size_t sz) { return lc__rmap(n ? n * sz : 1); }
static void unmap_array(void *p, size_t n, size_t sz) { lc__runmap(p, n ? n * sz : 1); }
static uintptr_t extent(const struct lc_reach_block *b) { return b->size ? b->size : 1; }

/* ---- sorting: LSD radix on ptr, 16 bits a pass, passes with one digit skipped ---- */
#define LC__DIGITS 4
#define LC__RADIX 65536

static unsigned digit(uintptr_t p, int d) { return (unsigned)(p >> (16 * d)) & 0xffff; }

/* One stable pass on digit d from src to dst; 0 when every key has the same digit. */
static int radix_pass(const struct lc_reach_block *src, struct lc_reach_block *dst, size_t n,
                      size_t *h, int d) {
    if (h[digit(src[0].ptr, d)] == n)
        return 0;
    size_t sum = 0;
    for (size_t k = 0; k < LC__RADIX; k++) {
        size_t c = h[k];
        h[k] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        dst[h[digit(src[i].ptr, d)]++] = src[i];
    return 1;
}

static int sort_blocks(struct lc_reach_block *b, size_t n) {
    size_t i = 1;
    while (i < n && b[i - 1].ptr <= b[i].ptr)
        i++;
    if (i >= n)
        return 0; /* already sorted */
    struct lc_reach_block *tmp = map_array(n, sizeof *b);
    size_t *hist = map_array(LC__DIGITS * LC__RADIX, sizeof *hist);
    int rc = tmp && hist ? 0 : LEAKCHECK_ENOMEM;
    for (i = 0; rc == 0 && i < n; i++)
        for (int d = 0; d < LC__DIGITS; d++)
            hist[d * LC__RADIX + digit(b[i].ptr, d)]++;
    struct lc_reach_block *src = b, *dst = tmp;
    for (int d = 0; rc == 0 && d < LC__DIGITS; d++) {
        if (radix_pass(src, dst, n, hist + d * LC__RADIX, d)) {
            struct lc_reach_block *t = src;
            src = dst;
            dst = t;
        }
    }
    if (rc == 0 && src != b)
        memcpy(b, src, n * sizeof *b);
    unmap_array(tmp, n, sizeof *b);
    unmap_array(hist, LC__DIGITS * LC__RADIX, sizeof *hist);
    return rc;
}

/* ---- the index ---- */
static uint64_t grain_slot(const struct rctx *c, uint64_t gr) {
    return (gr * 0x9E3779B97F4A7C15ull) >> (64 - c->gbits);
}

static struct grain *grain_insert(struct rctx *c, uint64_t gr) {
    uint64_t s = grain_slot(c, gr);
    while (c->g[s].key)
        s = (s + 1) & c->gmask;
    c->g[s].key = gr + 1;
    return &c->g[s];
}

static size_t count_grains(const struct lc_reach_block *b, size_t n) {
    size_t count = 0;
    uint64_t last = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t g0 = b[i].ptr >> LC__GRAIN, g1 = (b[i].ptr + extent(&b[i]) - 1) >> LC__GRAIN;
        count += g1 - g0 + (g0 != last);
        last = g1;
    }
    return count;
}

static int build_index(struct rctx *c) {
    size_t count = count_grains(c->b, c->n);
    c->gbits = 4;
    while ((1ull << c->gbits) < 2 * count)
        c->gbits++;
    c->gmask = (1ull << c->gbits) - 1;
    c->g = map_array(c->gmask + 1, sizeof *c->g);
    if (!c->g)
        return LEAKCHECK_ENOMEM;
    struct grain *last = NULL;
    uint64_t lastg = UINT64_MAX;
    for (size_t i = 0; i < c->n; i++) {
        c->se[i] = (struct span){c->b[i].ptr, c->b[i].ptr + extent(&c->b[i])};
        uint64_t g0 = c->b[i].ptr >> LC__GRAIN, g1 = (c->b[i].ptr + extent(&c->b[i]) - 1) >> LC__GRAIN;
        for (uint64_t gr = g0; gr <= g1; gr++) {
            if (gr != lastg) {
                last = grain_insert(c, gr);
                last->lo = (uint32_t)i;
                lastg = gr;
            }
            last->hi = (uint32_t)i + 1;
        }
    }
    if (c->n) {
        c->min = c->b[0].ptr;
        c->span = c->b[c->n - 1].ptr + extent(&c->b[c->n - 1]) - c->min;
    }
    return 0;
}

/* The block that v points to or into, or -1. */
static inline long lookup(const struct rctx *c, uintptr_t v) {
    uint64_t gr = v >> LC__GRAIN;
    uint64_t s = grain_slot(c, gr);
    for (;; s = (s + 1) & c->gmask) {
        if (c->g[s].key == gr + 1)
            break;
        if (!c->g[s].key)
            return -1;
    }
    size_t lo = c->g[s].lo, hi = c->g[s].hi;
    while (hi - lo > 1) { /* last start <= v */
        size_t mid = (lo + hi) / 2;
        if (c->se[mid].start <= v)
            lo = mid;
        else
            hi = mid;
    }
    return v >= c->se[lo].start && v < c->se[lo].end ? (long)lo : -1;
}

/* ---- needles ---- */
static void needle_hit(struct rctx *c, uintptr_t v, uintptr_t at) {
    size_t lo = 0, hi = c->nnd;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->nd[mid].v < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (const struct lc_reach_opts *o = c->o; lo < c->nnd && c->nd[lo].v == v; lo++) {
        int ignored = 0;
        /* a thread's registers belong with its stack: ignored with it */
        uintptr_t where = c->regs_sp ? c->regs_sp : at;
        for (size_t k = 0; k < o->nneedle_ignore && !ignored; k++)
            ignored = where >= o->needle_ignore[k][0] && where < o->needle_ignore[k][1];
        if (!ignored)
            o->needle_found[c->nd[lo].i] = 1;
    }
}

static int prepare_needles(struct rctx *c) {
    const struct lc_reach_opts *o = c->o;
    if (!o || !o->nneedles || !o->needles || !o->needle_found)
        return 0;
    c->nd = map_array(o->nneedles, sizeof *c->nd);
    if (!c->nd)
        return LEAKCHECK_ENOMEM;
    for (size_t i = 0; i < o->nneedles; i++) {
        o->needle_found[i] = 0;
        struct needle x = {o->needles[i], i};
        size_t j = i;
        for (; j > 0 && c->nd[j - 1].v > x.v; j--)
            c->nd[j] = c->nd[j - 1];
        c->nd[j] = x;
    }
    c->nnd = o->nneedles;
    c->nmin = c->nd[0].v;
    c->nspan = c->nd[c->nnd - 1].v - c->nmin;
    return 0;
}

/* ---- marking and scanning ---- */
static inline int st_of(const struct rctx *c, size_t i) { return c->state[i] & 0x3f; }
static inline void st_set(struct rctx *c, size_t i, int s) {
    c->state[i] = (uint8_t)((c->state[i] & (LC__NOSCAN | LC__HDR)) | s);
}

/* glibc keeps pointers to chunk headers (the top chunk, bins, fastbins in
 * main_arena). The header of the chunk after block i lies inside i's last
 * usable word, so such a pointer looks like an interior pointer into i: it is
 * not one of the program's. The chunk size sits at ptr - 8 (flags in the low
 * 3 bits); LC__HDR says that word is readable. */
static int glibc_next_header(const struct rctx *c, size_t i, uintptr_t v) {
    /* usable size >= requested size, so that header is in the last word */
    if (v + 8 < c->se[i].end || !(c->state[i] & LC__HDR))
        return 0;
    uintptr_t p = c->b[i].ptr, size = 0;
    if (!c->gbuf)
        size = *(const uintptr_t *)(p - 8);
    else if (lc__safe_copy(&size, p - 8, sizeof size) != sizeof size)
        return 0;
    return v == p - 16 + (size & ~(uintptr_t)7);
}

/* talloc (Samba's hierarchical allocator) hands out the address just past its
 * 96-byte chunk header (x86_64), 16 bytes further in a pool's block, and
 * programs and talloc's own lists keep only that address: memcheck calls every
 * such block "possibly lost" (tevent's registered backends, a static list).
 * It counts as a pointer to the block's start when the chunk's size field,
 * 32 bytes before it, holds exactly what is left of the block after it. */
#define LC__TALLOC_HDR 96
#define LC__TALLOC_POOL_HDR 16
static int talloc_user_pointer(const struct rctx *c, size_t i, uintptr_t v) {
    uintptr_t off = v - c->se[i].start;
    if (off != LC__TALLOC_HDR && off != LC__TALLOC_HDR + LC__TALLOC_POOL_HDR)
        return 0;
    uintptr_t size = 0;
    if (!c->gbuf)
        size = *(const uintptr_t *)(v - 32);
    else if (lc__safe_copy(&size, v - 32, sizeof size) != sizeof size)
        return 0;
    return size == c->se[i].end - v;
}

static inline void mark(struct rctx *c, size_t i, int start, int rule, uintptr_t v) {
    if (!start && glibc_next_header(c, i, v))
        return;
    if (!start && talloc_user_pointer(c, i, v))
        start = 1;
    int s = st_of(c, i);
    if (rule == RULE_DEF) {
        if (start && s != S_REACH) {
            st_set(c, i, S_REACH);
            c->stack[c->top++] = (uint32_t)i;
        } else if (s == S_LOST) {
            st_set(c, i, S_CAND);
        }
    } else if (rule == RULE_POSS) {
        if (s == S_LOST || s == S_CAND) {
            st_set(c, i, S_POSS);
            c->stack[c->top++] = (uint32_t)i;
        }
    } else if (s == S_LOST) {
        st_set(c, i, S_IND);
        c->stack[c->top++] = (uint32_t)i;
    } else if (s == S_LEADER && i != c->leader) {
        st_set(c, i, S_IND); /* an earlier clique joins this one */
    }
}

/* A word of a chunk unchanged since the early list was made (a
 * LC__R_PRETEST root), or of a block unchanged since the test's start
 * (reach_pretest.c, under leakcheck run --cmocka), was there before block i
 * was made: it names i only if
 * i's address was a chunk in use then (freed since and handed out again, the
 * new block stored where the old one was), and is a stale copy otherwise. */
static int stale_copy(const struct rctx *c, size_t i) {
    uintptr_t p = c->b[i].ptr;
    return !lc__reach_early_was_block(p) &&
           !(c->o && c->o->pretest_blocks && lc__reach_pretest_was_block(p));
}

/* Scans [lo, hi), which holds the words of [lo + delta, hi + delta): delta is
 * not 0 when they were copied out first (guarded reads). */
static inline __attribute__((always_inline)) void scan_words(struct rctx *c, uintptr_t lo,
                                                             uintptr_t hi, int rule,
                                                             uintptr_t delta) {
    int needles = c->nnd && rule != RULE_LOST;
    for (uintptr_t a = (lo + 7) & ~(uintptr_t)7; a + 8 <= hi; a += 8) {
        uintptr_t v = *(const uintptr_t *)a;
        if (needles && v - c->nmin <= c->nspan)
            needle_hit(c, v, a + delta);
        if (v - c->min >= c->span)
            continue;
        long i = lookup(c, v);
        if (i >= 0 && !(c->pretest && stale_copy(c, (size_t)i)))
            mark(c, (size_t)i, v == c->se[i].start, rule, v);
    }
}

static void scan_rule(struct rctx *c, uintptr_t lo, uintptr_t hi, int rule, uintptr_t delta) {
    if (rule == RULE_DEF)
        scan_words(c, lo, hi, RULE_DEF, delta);
    else if (rule == RULE_POSS)
        scan_words(c, lo, hi, RULE_POSS, delta);
    else
        scan_words(c, lo, hi, RULE_LOST, delta);
}

/* Scans memory directly, or, while a thread runs unstopped (it may unmap what
 * is read), through copies that stop at a fault. */
static void scan_range(struct rctx *c, uintptr_t lo, uintptr_t hi, int rule) {
    if (!c->gbuf) {
        scan_rule(c, lo, hi, rule, 0);
        return;
    }
    for (lo = (lo + 7) & ~(uintptr_t)7; lo + 8 <= hi;) {
        size_t len = (hi - lo < LC__GBUF ? hi - lo : LC__GBUF) & ~(size_t)7;
        size_t got = lc__safe_copy(c->gbuf, lo, len) & ~(size_t)7;
        uintptr_t buf = (uintptr_t)c->gbuf;
        scan_rule(c, buf, buf + got, rule, lo - buf);
        if (got < len) {
            c->unreadable += hi - lo - got;
            return;
        }
        lo += len;
    }
}

static void scan_block(struct rctx *c, size_t i, int rule) {
    if (c->state[i] & LC__NOSCAN)
        return;
    c->heap_bytes += c->b[i].size;
    /* direct reads only (every thread stopped): else the block counts whole */
    c->pretest = rule == RULE_DEF && c->o && c->o->pretest_blocks && !c->gbuf &&
                 lc__reach_pretest_unchanged(c->b[i].ptr, c->b[i].size);
    scan_range(c, c->b[i].ptr, c->b[i].ptr + c->b[i].size, rule);
    c->pretest = 0;
}

static void drain(struct rctx *c, int rule) {
    while (c->top)
        scan_block(c, c->stack[--c->top], rule);
}

/* ---- roots ---- */
static void scan_root_words(struct rctx *c, uintptr_t lo, uintptr_t hi) {
    if (hi <= lo)
        return;
    c->root_bytes += hi - lo;
    scan_range(c, lo, hi, RULE_DEF);
}

/* An anonymous root's pages that were never touched hold only zeros: a large
 * one is read run by run of the pages /proc/self/pagemap shows present or
 * swapped out, skipping the rest (reading them would fault in a zero page
 * every 4 KiB: a program's big untouched buffers made most of the scan's
 * time). Without pagemap, the whole range is read. */
#define LC__PAGE 4096u
#define LC__PM_MIN ((uintptr_t)64 * LC__PAGE)
#define LC__PM_BATCH 512

static void scan_root_touched(struct rctx *c, uintptr_t lo, uintptr_t hi) {
    /* raw system calls: none of fds.c's wrappers, no lock a stopped thread holds */
    int fd = hi - lo < LC__PM_MIN ? -1
                                  : (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/pagemap",
                                                 O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        scan_root_words(c, lo, hi);
        return;
    }
    uint64_t ent[LC__PM_BATCH];
    uintptr_t page = lo & ~(uintptr_t)(LC__PAGE - 1), run = 0;
    int in_run = 0;
    while (page < hi) {
        size_t np = (hi - page + LC__PAGE - 1) / LC__PAGE;
        np = np < LC__PM_BATCH ? np : LC__PM_BATCH;
        long got = syscall(SYS_pread64, fd, ent, np * 8, (off_t)(page / LC__PAGE * 8));
        if (got != (long)(np * 8)) { /* cannot tell: read the rest */
            if (!in_run)
                run = page > lo ? page : lo;
            in_run = 1;
            break;
        }
        for (size_t k = 0; k < np; k++, page += LC__PAGE) {
            int used = (ent[k] >> 62) != 0; /* bit 63 present, bit 62 swapped */
            if (used && !in_run) {
                run = page > lo ? page : lo;
                in_run = 1;
            } else if (!used && in_run) {
                scan_root_words(c, run, page);
                in_run = 0;
            }
        }
    }
    if (in_run)
        scan_root_words(c, run, hi);
    syscall(SYS_close, fd);
}

/* First block whose extent ends after a (ends are sorted: blocks do not overlap). */
static size_t block_after(const struct rctx *c, uintptr_t a) {
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->b[mid].ptr + extent(&c->b[mid]) <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void scan_root_gaps(struct rctx *c, uintptr_t lo, uintptr_t hi, int flags) {
    if (!(flags & LC__R_NOBLOCKS)) {
        scan_root_words(c, lo, hi);
        return;
    }
    /* an anonymous mapping: its untouched pages are zeros */
    uintptr_t cur = lo;
    for (size_t i = block_after(c, lo); i < c->n && c->b[i].ptr < hi; i++) {
        if (c->b[i].ptr > cur)
            scan_root_touched(c, cur, c->b[i].ptr);
        uintptr_t end = c->b[i].ptr + extent(&c->b[i]);
        cur = end > cur ? end : cur;
    }
    if (hi > cur)
        scan_root_touched(c, cur, hi);
}

static void scan_root_excl(struct rctx *c, uintptr_t lo, uintptr_t hi, int flags) {
    uintptr_t cur = lo;
    for (size_t k = 0; k < c->excl.n && cur < hi; k++) {
        const struct lc__range *e = &c->excl.v[k];
        if (e->hi <= cur || e->lo >= hi)
            continue;
        if (e->lo > cur)
            scan_root_gaps(c, cur, e->lo, flags);
        cur = e->hi;
    }
    if (cur < hi)
        scan_root_gaps(c, cur, hi, flags);
}

/* A root, clipped to the readable mappings. */
static void scan_root(struct rctx *c, const struct lc__rangev *maps, const struct lc__range *r) {
    for (size_t k = 0; k < maps->n; k++) {
        const struct lc__range *m = &maps->v[k];
        if (m->hi <= r->lo || m->lo >= r->hi || !(m->flags & LC__R_READ))
            continue;
        uintptr_t lo = r->lo > m->lo ? r->lo : m->lo, hi = r->hi < m->hi ? r->hi : m->hi;
        scan_root_excl(c, lo, hi, r->flags);
    }
}

/* glibc's non-main heaps (arena.c's heap_info) start at a 64 MiB boundary
 * with {arena, previous heap, size, mprotect_size, ...}: the first heap of an
 * arena holds the arena right after that header, a later one points back at
 * an earlier heap. Their free chunks hold stale words, so they are no roots;
 * anything else at a boundary (the kernel merges adjacent anonymous mappings:
 * Python's obmalloc arenas made one that straddled a boundary) stays a root. */
#define LC__HEAP_ALIGN ((uintptr_t)64 << 20)
struct glibc_heap_info {
    uintptr_t ar_ptr, prev;
    size_t size, mprotect_size;
};

static int glibc_heap_at(const struct rctx *c, uintptr_t a) {
    struct glibc_heap_info h;
    if (c->gbuf) {
        if (lc__safe_copy(&h, a, sizeof h) < sizeof h)
            return 0;
    } else {
        memcpy(&h, (const void *)a, sizeof h);
    }
    if (h.size < sizeof h || h.size > h.mprotect_size || h.mprotect_size > LC__HEAP_ALIGN ||
        h.mprotect_size % LC__PAGE || !h.ar_ptr || h.ar_ptr % sizeof(void *))
        return 0;
    if (h.prev)
        return h.prev % LC__HEAP_ALIGN == 0 && h.prev != a;
    return h.ar_ptr > a && h.ar_ptr - a <= 64; /* the arena follows the header */
}

/* Memory the program (or a library's own allocator: Python's obmalloc, an
 * arena, a pool) mapped itself holds pointers to heap blocks as much as its
 * globals do: private anonymous read-write mappings are roots, as memcheck
 * scans them, without the extents of the heap blocks in them (one of glibc's
 * large chunks may share a mapping with an arena). Left out: glibc's non-main
 * heaps, and thread stacks, live or cached (a guard page right below them;
 * live ones are scanned from their stack pointer). [heap] and [stack] are not
 * anonymous here. */
static int add_anon_mapping(const struct rctx *c, uintptr_t lo, uintptr_t hi,
                            struct lc__rangev *roots) {
    int rc = 0;
    uintptr_t cur = lo;
    for (uintptr_t a = (lo + LC__HEAP_ALIGN - 1) & ~(LC__HEAP_ALIGN - 1); rc == 0 && a >= lo &&
                                                                          a < hi;
         a += LC__HEAP_ALIGN) {
        if (!glibc_heap_at(c, a))
            continue;
        rc = lc__rangev_push(roots, cur, a, LC__R_NOBLOCKS);
        cur = hi - a > LC__HEAP_ALIGN ? a + LC__HEAP_ALIGN : hi;
    }
    if (rc == 0 && cur < hi)
        rc = lc__rangev_push(roots, cur, hi, LC__R_NOBLOCKS);
    return rc;
}

static int add_anon_roots(const struct rctx *c, const struct lc__rangev *maps,
                          struct lc__rangev *roots) {
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < maps->n; k++) {
        const struct lc__range *m = &maps->v[k];
        int want = LC__R_READ | LC__R_WRITE | LC__R_ANON;
        if ((m->flags & want) != want)
            continue;
        if (k > 0 && maps->v[k - 1].hi == m->lo && !(maps->v[k - 1].flags & LC__R_READ))
            continue; /* a guard page below: a thread stack */
        rc = add_anon_mapping(c, m->lo, m->hi, roots);
    }
    return rc;
}

static int add_exclusions(struct rctx *c, const struct lc_reach_block *b, size_t n) {
    const struct lc_reach_opts *o = c->o;
    int rc = lc__rangev_push(&c->excl, (uintptr_t)b, (uintptr_t)(b + n), 0);
    if (o) {
        for (size_t i = 0; rc == 0 && i < o->nexclude; i++)
            rc = lc__rangev_push(&c->excl, o->exclude[i][0], o->exclude[i][1], 0);
        if (rc == 0 && o->needles)
            rc = lc__rangev_push(&c->excl, (uintptr_t)o->needles,
                                 (uintptr_t)(o->needles + o->nneedles), 0);
        if (rc == 0 && o->needle_found)
            rc = lc__rangev_push(&c->excl, (uintptr_t)o->needle_found,
                                 (uintptr_t)(o->needle_found + o->nneedles), 0);
    }
    lc__rangev_sort(&c->excl);
    return rc;
}

/* Blocks outside readable memory (freed and unmapped by a running thread
 * since the caller listed them) are classified but never read. */
static uintptr_t readable_until(const struct lc__rangev *maps, size_t k, uintptr_t a, uintptr_t hi) {
    for (size_t j = k; j < maps->n && a < hi && maps->v[j].lo <= a &&
                       (maps->v[j].flags & LC__R_READ); j++)
        a = maps->v[j].hi;
    return a;
}

static void mark_unreadable(struct rctx *c, const struct lc__rangev *maps) {
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        uintptr_t lo = c->b[i].ptr, hi = lo + c->b[i].size, h = lo >= 8 ? lo - 8 : lo;
        while (k < maps->n && maps->v[k].hi <= h)
            k++;
        if (readable_until(maps, k, h, lo) >= lo && h < lo)
            c->state[i] |= LC__HDR;
        if (readable_until(maps, k, lo, hi) < hi)
            c->state[i] |= LC__NOSCAN;
    }
}

/* ---- the phases ---- */
static void phase_roots(struct rctx *c, const struct lc__rangev *maps, const struct lc__rangev *roots,
                        const struct lc__stop *s) {
    for (size_t i = 0; i < roots->n; i++) {
        c->pretest = (roots->v[i].flags & LC__R_PRETEST) != 0;
        scan_root(c, maps, &roots->v[i]);
    }
    c->pretest = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->t[i].state == LC__T_STOPPED) {
            c->regs_sp = s->t[i].sp;
            scan_root_words(c, (uintptr_t)s->t[i].regs, (uintptr_t)(s->t[i].regs + LC__NREGS));
            c->regs_sp = 0;
        }
    drain(c, RULE_DEF);
}

/* Blocks hit only by interior pointers, and what they reach, are possible. */
static void phase_possible(struct rctx *c) {
    for (size_t i = 0; i < c->n; i++) {
        if (st_of(c, i) != S_CAND)
            continue;
        st_set(c, i, S_POSS);
        c->stack[c->top++] = (uint32_t)i;
        drain(c, RULE_POSS);
    }
}

/* Each lost block not reached from an earlier clique leads its own clique;
 * the lost blocks it reaches (earlier leaders included) are indirect. */
static void phase_cliques(struct rctx *c) {
    for (size_t i = 0; i < c->n; i++) {
        if (st_of(c, i) != S_LOST)
            continue;
        st_set(c, i, S_LEADER);
        c->leader = (uint32_t)i;
        scan_block(c, i, RULE_LOST);
        drain(c, RULE_LOST);
    }
}

static void set_kinds(struct rctx *c) {
    static const int kind[] = {[S_LOST] = LC_REACH_DEFINITE, [S_CAND] = LC_REACH_POSSIBLE,
                               [S_POSS] = LC_REACH_POSSIBLE, [S_REACH] = LC_REACH_REACHABLE,
                               [S_LEADER] = LC_REACH_DEFINITE, [S_IND] = LC_REACH_INDIRECT};
    for (size_t i = 0; i < c->n; i++)
        c->b[i].kind = kind[st_of(c, i)];
}

/* ---- setup and teardown ---- */
static int ctx_init(struct rctx *c, struct lc_reach_block *b, size_t n,
                    const struct lc_reach_opts *o) {
    memset(c, 0, sizeof *c);
    c->b = b;
    c->n = n;
    c->o = o;
    if (n > UINT32_MAX - 1)
        return LEAKCHECK_EINVAL;
    int rc = sort_blocks(b, n);
    if (rc)
        return rc;
    c->se = map_array(n, sizeof *c->se);
    c->state = map_array(n, 1);
    c->stack = map_array(n, sizeof *c->stack);
    if (!c->se || !c->state || !c->stack)
        return LEAKCHECK_ENOMEM;
    rc = build_index(c);
    if (rc == 0)
        rc = prepare_needles(c);
    if (rc == 0)
        rc = add_exclusions(c, b, n);
    return rc;
}

static void ctx_free(struct rctx *c) {
    unmap_array(c->se, c->n, sizeof *c->se);
    unmap_array(c->state, c->n, 1);
    unmap_array(c->stack, c->n, sizeof *c->stack);
    unmap_array(c->g, c->g ? c->gmask + 1 : 0, sizeof *c->g);
    unmap_array(c->nd, c->nnd, sizeof *c->nd);
    lc__rangev_free(&c->excl);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* With every other thread stopped: the address space, the thread roots, the
 * phases. */
static int maps_errno; /* why /proc/self/maps could not be read (lc__reach_error) */

static int scan_stopped(struct rctx *c, struct lc__rangev *roots, struct lc__stop *s,
                        uintptr_t self_sp, struct lc_reach_stats *st) {
    struct lc__rangev maps = {0};
    int rc = lc__proc_maps(&maps);
    maps_errno = rc == -1 ? errno : 0;
    /* A thread that runs on may unmap what the scan reads: guarded reads. */
    if (rc == 0 && (s->unstopped || s->overflow) && lc__fault_guard_on() == 0) {
        c->gbuf = lc__rmap(LC__GBUF);
        if (!c->gbuf)
            rc = LEAKCHECK_ENOMEM;
    }
    if (rc == 0)
        rc = lc__roots_threads(roots, &maps, s, self_sp, &st->threads, &st->threads_unscanned);
    if (rc == 0)
        rc = add_anon_roots(c, &maps, roots);
    if (rc == 0 && c->o && c->o->early_roots) /* chunks from before tracking (reach_early.c) */
        rc = lc__reach_early_roots(roots, &maps);
    if (rc == 0)
        rc = lc__rmem_exclude(&c->excl); /* our own mappings are never roots */
    if (rc == 0) {
        lc__rangev_sort(&c->excl);
        mark_unreadable(c, &maps);
        phase_roots(c, &maps, roots, s);
        phase_possible(c);
        phase_cliques(c);
        set_kinds(c);
    }
    lc__fault_guard_off();
    lc__runmap(c->gbuf, LC__GBUF);
    lc__rangev_free(&maps);
    return rc == -1 ? LEAKCHECK_EIO : rc;
}

static __attribute__((noinline)) int classify(struct lc_reach_block *b, size_t n,
                                              const struct lc_reach_opts *o,
                    struct lc_reach_stats *st, uintptr_t self_sp) {
    double t0 = now_s();
    struct lc_reach_stats local;
    if (!st)
        st = &local;
    struct rctx c;
    struct lc__rangev roots = {0};
    struct lc__stop s = {0};
    memset(st, 0, sizeof *st);
    int rc = ctx_init(&c, b, n, o);
    if (rc == 0) {
        lc__roots_prepare();
        rc = lc__roots_modules(&roots, &st->modules);
    }
    if (rc == 0) {
        double t1 = now_s();
        rc = lc__reach_stop(&s, o ? o->stop_timeout_ms : 0);
        st->stop_seconds = now_s() - t1;
    }
    if (rc == 0)
        rc = scan_stopped(&c, &roots, &s, self_sp, st);
    lc__reach_release(&s);
    st->threads_unstopped = s.unstopped + s.overflow;
    st->threads_unscanned += s.overflow;
    st->root_bytes = c.root_bytes;
    st->heap_bytes_scanned = c.heap_bytes;
    st->bytes_unreadable = c.unreadable;
    ctx_free(&c);
    lc__rangev_free(&roots);
    lc__rmem_flush();
    st->seconds = now_s() - t0;
    return rc;
}

const char *lc__reach_error(int rc, char *buf, size_t len) {
    if (rc == LEAKCHECK_EIO && maps_errno)
        snprintf(buf, len, "/proc/self/maps unreadable: %s%s", strerror(maps_errno),
                 maps_errno == EMFILE || maps_errno == ENFILE ? " (the open-file limit, ulimit -n)"
                                                               : "");
    else if (rc == LEAKCHECK_EIO)
        snprintf(buf, len, "/proc/self/maps unreadable");
    else
        snprintf(buf, len, "%s", lc_strerror(rc));
    return buf;
}

/* The entry point keeps the caller's callee-saved registers in its own frame
 * and scans the calling thread's stack from there up: the scan's own frames,
 * which hold copies of block addresses, lie below. On x86-64 the entry is
 * written in assembly so that its frame holds nothing else (a compiler's
 * padding slot could keep a stale copy of a block address). */
static __attribute__((noinline, used)) int reach_entry(struct lc_reach_block *blocks, size_t n,
                                                       const struct lc_reach_opts *o,
                                                       struct lc_reach_stats *st, uintptr_t sp) {
    scan_lock();
    int rc = classify(blocks, n, o, st, sp);
    scan_unlock();
    return rc;
}

#if defined(__x86_64__)
/* 6 pushes + a zero word keep the stack 16-byte aligned for the call; the
 * fifth argument (r8) is the stack pointer after them. */
__asm__(".text\n"
        ".globl lc__reach_classify\n"
        ".hidden lc__reach_classify\n"
        ".type lc__reach_classify, @function\n"
        "lc__reach_classify:\n"
        "  .cfi_startproc\n"
        "  push %rbx\n  .cfi_adjust_cfa_offset 8\n"
        "  push %rbp\n  .cfi_adjust_cfa_offset 8\n"
        "  push %r12\n  .cfi_adjust_cfa_offset 8\n"
        "  push %r13\n  .cfi_adjust_cfa_offset 8\n"
        "  push %r14\n  .cfi_adjust_cfa_offset 8\n"
        "  push %r15\n  .cfi_adjust_cfa_offset 8\n"
        "  push $0\n  .cfi_adjust_cfa_offset 8\n"
        "  mov %rsp, %r8\n"
        "  call reach_entry\n"
        "  add $8, %rsp\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r15\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r14\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r13\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %r12\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %rbp\n  .cfi_adjust_cfa_offset -8\n"
        "  pop %rbx\n  .cfi_adjust_cfa_offset -8\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size lc__reach_classify, .-lc__reach_classify\n");
#else
__attribute__((noinline)) int lc__reach_classify(struct lc_reach_block *blocks, size_t n,
                                                 const struct lc_reach_opts *o,
                                                 struct lc_reach_stats *st) {
    __builtin_unwind_init();
    uintptr_t sp;
#if defined(__aarch64__)
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#else
    sp = (uintptr_t)__builtin_frame_address(0);
#endif
    int rc = reach_entry(blocks, n, o, st, sp);
    __asm__ volatile("" : : "r"(sp) : "memory");
    return rc;
}
#endif
