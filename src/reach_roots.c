/* reach_roots.c: the scan's roots. Before the stop, the writable PT_LOAD
 * segments of every module but leakcheck's (dl_iterate_phdr takes the loader
 * lock); after it, each thread's stack up to its descriptor, the main thread's
 * TLS window, and for a thread that did not stop the stack found through its
 * glibc descriptor. Memory from reach_mem.c; not on the hook path. */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "reach_impl.h"

#define LC__PAGE 4096u
#define LC__TCB_SPAN 4096u      /* glibc's thread descriptor ends within this past tp */
#define LC__REDZONE 128u        /* x86-64 leaf functions keep data below sp */
#define LC__TLS_FALLBACK 65536u /* static TLS size when ld.so does not tell */

static size_t tls_static_size;
static size_t pthread_size; /* sizeof(struct pthread), 0 when libc does not say */

/* ---- modules ---- */
struct mod_ctx {
    struct lc__rangev *out;
    unsigned modules;
    int rc;
};

static int is_ours(const struct dl_phdr_info *info) {
    uintptr_t self = (uintptr_t)&lc__roots_modules;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && self >= lo && self < lo + ph->p_memsz)
            return 1;
    }
    return 0;
}

static int on_module(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct mod_ctx *c = arg;
    /* Linked statically into the program, leakcheck shares the program's
     * segments: those are the program's roots and stay. */
    int main_program = !info->dlpi_name || !info->dlpi_name[0];
    if (!main_program && is_ours(info))
        return 0;
    int any = 0;
    for (int i = 0; i < info->dlpi_phnum && c->rc == 0; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        c->rc = lc__rangev_push(c->out, lo & ~(uintptr_t)7, lo + ph->p_memsz, LC__R_NOBLOCKS);
        any = 1;
    }
    c->modules += any;
    return c->rc;
}

int lc__roots_modules(struct lc__rangev *out, unsigned *modules) {
    struct mod_ctx c = {out, 0, 0};
    lc__guard_enter();
    dl_iterate_phdr(on_module, &c);
    lc__guard_leave();
    *modules = c.modules;
    return c.rc;
}

void lc__roots_prepare(void) {
    if (tls_static_size)
        return;
    lc__guard_enter();
    const uint32_t *psz = dlsym(RTLD_DEFAULT, "_thread_db_sizeof_pthread");
    lc__guard_leave();
    pthread_size = psz && *psz > 3 * sizeof(uintptr_t) && *psz < LC__PAGE ? *psz : 0;
    /* ld.so's GLIBC_PRIVATE accessor (LeakSanitizer uses it too); dlsym may
     * allocate for dlerror, hence the guard. */
    lc__guard_enter();
    void (*get)(size_t *, size_t *) =
        (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
    lc__guard_leave();
    size_t size = 0, align = 0;
    if (get)
        get(&size, &align);
    tls_static_size = size ? size : LC__TLS_FALLBACK;
}

/* ---- threads ---- */
static uintptr_t page_up(uintptr_t a) { return (a + LC__PAGE - 1) & ~(uintptr_t)(LC__PAGE - 1); }

/* The static TLS and descriptor around tp, within tp's mapping. It may share
 * a merged mapping with heap blocks, so their extents are skipped. */
static int push_tls(struct lc__rangev *out, const struct lc__rangev *maps, uintptr_t tp) {
    const struct lc__range *m = lc__rangev_find(maps, tp);
    if (!m)
        return 0;
#if defined(__aarch64__) /* TLS above the thread pointer */
    uintptr_t lo = tp - LC__TCB_SPAN, hi = tp + tls_static_size;
#else /* x86-64: TLS below the thread pointer, the descriptor above */
    uintptr_t lo = tp - tls_static_size, hi = tp + LC__TCB_SPAN;
#endif
    lo = lo > m->lo && lo < tp ? lo & ~(uintptr_t)7 : m->lo;
    hi = hi < m->hi && hi > tp ? hi : m->hi;
    return lc__rangev_push(out, lo, hi, LC__R_NOBLOCKS);
}

/* A thread's stack from sp (minus the red zone unless it is the caller) up to
 * the end of its mapping, or to just past its descriptor when that sits at the
 * top of the same mapping (glibc's threads), so that a mapping merged with the
 * next one is not followed. */
static int push_thread(struct lc__rangev *out, const struct lc__rangev *maps, uintptr_t sp,
                       uintptr_t tp, uintptr_t redzone) {
    const struct lc__range *m = lc__rangev_find(maps, sp);
    if (!m)
        return 1; /* not a mapped stack pointer: nothing to scan */
    uintptr_t lo = sp - m->lo > redzone ? sp - redzone : m->lo, hi = m->hi;
    if (tp >= m->lo && tp < m->hi) {
#if defined(__aarch64__)
        uintptr_t cap = page_up(tp + tls_static_size + LC__TCB_SPAN);
#else
        uintptr_t cap = page_up(tp + LC__TCB_SPAN);
#endif
        hi = cap < hi ? cap : hi;
    } else if (tp) {
        int rc = push_tls(out, maps, tp);
        if (rc < 0)
            return rc;
    }
    return lc__rangev_push(out, lo & ~(uintptr_t)7, hi, 0);
}

/* ---- a thread's descriptor, for threads that did not stop ----
 * glibc's descriptor (struct pthread, at the thread pointer on x86-64) opens
 * with its TCB header, whose first and third words point to the descriptor
 * itself, and holds the kernel tid at an offset found in our own descriptor.
 * glibc puts it at the top of the thread's stack, user-supplied stacks
 * included: sizeof(struct pthread) (libc's _thread_db_sizeof_pthread, kept for
 * libthread_db) below a page boundary, aligned down. Stacks may sit in a
 * mapping merged with others, so every resident page boundary of every
 * writable mapping is a candidate (mincore skips the rest). */
#define LC__DESC_ALIGN 64u
#define LC__DESC_TRIES 4 /* alignment steps below the first candidate */


static long tid_offset(void) {
    uintptr_t self = (uintptr_t)pthread_self();
    int tid = lc__gettid();
    for (uintptr_t off = 0; off < 2048; off += sizeof(int))
        if (*(const int *)(self + off) == tid)
            return (long)off;
    return -1;
}

/* The tid of the descriptor at x, or 0 when x holds none. */
static int descriptor_tid(uintptr_t x, long toff) {
    uintptr_t w0, w2, wt;
    uintptr_t at = (x + (uintptr_t)toff) & ~(uintptr_t)7, shift = ((x + (uintptr_t)toff) & 7) * 8;
    if (!lc__read_word(x, &w0) || w0 != x || !lc__read_word(x + 16, &w2) || w2 != x ||
        !lc__read_word(at, &wt))
        return 0;
    return (int)(wt >> shift);
}

struct desc_search {
    struct lc__stop *s;
    long toff;
    size_t missing; /* unstopped threads whose descriptor is not found yet */
};

/* Gives the descriptor at x, if any, to the unstopped thread it belongs to. */
static void claim(struct desc_search *d, uintptr_t x) {
    int tid = descriptor_tid(x, d->toff);
    for (size_t i = 0; tid && i < d->s->n; i++) {
        struct lc__thread *t = &d->s->t[i];
        if (t->tid == tid && t->state == LC__T_UNSTOPPED && !t->tp) {
            t->tp = x;
            d->missing--;
            return;
        }
    }
}

/* Candidates below the page boundary top (alignment steps of the descriptor). */
static void probe_top(struct desc_search *d, uintptr_t top, uintptr_t lo) {
    uintptr_t x = (top - pthread_size) & ~(uintptr_t)(LC__DESC_ALIGN - 1);
    for (int k = 0; k < LC__DESC_TRIES && x >= lo && d->missing; k++, x -= LC__DESC_ALIGN)
        claim(d, x);
}

static void search_mapping(struct desc_search *d, const struct lc__range *m) {
    unsigned char vec[1024];
    for (uintptr_t a = m->lo; a < m->hi && d->missing; a += sizeof vec * LC__PAGE) {
        uintptr_t end = m->hi - a > sizeof vec * LC__PAGE ? a + sizeof vec * LC__PAGE : m->hi;
        if (mincore((void *)a, end - a, vec) != 0)
            continue;
        for (uintptr_t pg = a; pg < end && d->missing; pg += LC__PAGE)
            if (vec[(pg - a) / LC__PAGE] & 1) /* a descriptor page is resident */
                probe_top(d, pg + LC__PAGE, pg);
    }
}

/* One pass over the writable mappings for every unstopped thread at once. */
static void find_descriptors(const struct lc__rangev *maps, struct lc__stop *s) {
    struct desc_search d = {s, tid_offset(), 0};
    for (size_t i = 0; i < s->n; i++)
        d.missing += s->t[i].state == LC__T_UNSTOPPED;
    if (d.toff < 0 || !pthread_size)
        return;
    for (size_t k = 0; k < maps->n && d.missing; k++)
        if ((maps->v[k].flags & (LC__R_READ | LC__R_WRITE)) == (LC__R_READ | LC__R_WRITE))
            search_mapping(&d, &maps->v[k]);
}

/* The lowest resident page of [lo, hi): a stack is touched from its deepest
 * frame up, and the pages below it were never used (a swapped-out page would
 * be missed: acceptable for this fallback). */
static uintptr_t lowest_resident(uintptr_t lo, uintptr_t hi) {
    unsigned char vec[1024];
    for (uintptr_t a = lo; a < hi; a += sizeof vec * LC__PAGE) {
        uintptr_t end = hi - a > sizeof vec * LC__PAGE ? a + sizeof vec * LC__PAGE : hi;
        if (mincore((void *)a, end - a, vec) != 0)
            return lo;
        for (uintptr_t pg = a; pg < end; pg += LC__PAGE)
            if (vec[(pg - a) / LC__PAGE] & 1)
                return pg;
    }
    return hi;
}

/* A thread that did not stop: from the stack pointer /proc gave, else the
 * used part of the stack mapping that holds its descriptor. 1: nothing known. */
static int push_unstopped(struct lc__rangev *out, const struct lc__rangev *maps,
                          const struct lc__thread *t) {
    uintptr_t tp = t->tp;
    if (t->sp)
        return push_thread(out, maps, t->sp, tp, LC__REDZONE);
    const struct lc__range *m = tp ? lc__rangev_find(maps, tp) : NULL;
    return m ? push_thread(out, maps, lowest_resident(m->lo, tp), tp, 0) : 1;
}

int lc__roots_threads(struct lc__rangev *out, const struct lc__rangev *maps,
                      struct lc__stop *s, uintptr_t self_sp, unsigned *scanned,
                      unsigned *unscanned) {
    find_descriptors(maps, s);
    int rc = push_thread(out, maps, self_sp, (uintptr_t)pthread_self(), 0);
    *scanned = rc == 0;
    *unscanned = 0;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < s->n; i++) {
        const struct lc__thread *t = &s->t[i];
        if (t->state == LC__T_STOPPED)
            rc = push_thread(out, maps, t->sp, t->tp, LC__REDZONE);
        else if (t->state == LC__T_UNSTOPPED)
            rc = push_unstopped(out, maps, t);
        else
            continue;
        if (rc < 0)
            return rc;
        *scanned += rc == 0;
        *unscanned += rc != 0 && t->state == LC__T_UNSTOPPED;
    }
    return 0;
}
