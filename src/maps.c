/* maps.c: mapping tracking, the fourth resource. Owns the wrappers of mmap,
 * mmap64, munmap, mremap, shmat and shmdt (hook path) and the side table of
 * the mappings they saw made inside a scope; the readers below (totals, list,
 * file names) are report time. Calls the stack depot and the real functions
 * (dlsym(RTLD_NEXT)). glibc's own mappings (malloc's large chunks and heaps,
 * thread stacks, ld.so's loads) use internal calls these wrappers never see.
 *
 * The table is a fixed array of slots in a lazily reserved mapping. A slot is
 * claimed, changed and released with atomic operations on its state word
 * (free, busy, live), never under a global lock. A range is forgotten before
 * the real munmap returns it to the kernel, so a thread that gets the same
 * addresses next cannot lose its new record. A partial munmap trims a record
 * or splits it in two; a munmap of a range no record covers passes through.
 * Records carry the scope generation: readers use only the current one's.
 * While the guard is up (leakcheck's own memory, libunwind's, libdw's) nothing
 * is recorded. errno is what the real call left. */
#undef _FORTIFY_SOURCE
#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
#error "maps.c must be built without _FILE_OFFSET_BITS=64"
#endif

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "maps.h"

#define LC_EXPORT __attribute__((visibility("default")))

#define MAP_SLOTS 16384u
enum { SLOT_FREE = 0, SLOT_BUSY = 1, SLOT_LIVE = 2 };

struct slot {
    uint32_t state;
    uint32_t gen;
    struct lc_map_rec r;
};

static struct slot *slots; /* reserved on first use, never unmapped */
static uint32_t hwm;       /* slots[0..hwm) have been used */
static __thread int probing __attribute__((tls_model("initial-exec")));
static int probe_seen;
static uint64_t lost; /* mappings of a scope that found no free slot, ever */

static inline int tracking(void) { return __atomic_load_n(&lc__st.tracking, __ATOMIC_RELAXED); }

static struct slot *table(void) {
    struct slot *t = __atomic_load_n(&slots, __ATOMIC_ACQUIRE);
    if (LC_LIKELY(t))
        return t;
    struct slot *mine = lc__reserve(MAP_SLOTS * sizeof *mine);
    if (!mine)
        return NULL;
    if (!__atomic_compare_exchange_n(&slots, &t, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        lc__munmap(mine, MAP_SLOTS * sizeof *mine);
        return t;
    }
    return mine;
}

/* Takes slot s for writing when it is in state `from`; 1 on success. */
static inline int take(struct slot *s, uint32_t from) {
    return __atomic_compare_exchange_n(&s->state, &from, SLOT_BUSY, 0, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

static inline void release(struct slot *s, uint32_t to) {
    __atomic_store_n(&s->state, to, __ATOMIC_RELEASE);
}

/* A free slot; when none is left, a live one of an older generation (its
 * scope is over; leakcheck run's listing at exit keeps them while it can). */
LC_HOOK_TEXT static struct slot *claim(struct slot *t, uint32_t gen) {
    uint32_t n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++)
        if (__atomic_load_n(&t[i].state, __ATOMIC_RELAXED) == SLOT_FREE && take(&t[i], SLOT_FREE))
            return &t[i];
    for (n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE); n < MAP_SLOTS;
         n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE))
        if (__atomic_compare_exchange_n(&hwm, &n, n + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
            take(&t[n], SLOT_FREE))
            return &t[n];
    for (uint32_t i = 0; i < MAP_SLOTS; i++) {
        struct slot *s = &t[i];
        if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) == SLOT_LIVE &&
            __atomic_load_n(&s->gen, __ATOMIC_RELAXED) != gen && take(s, SLOT_LIVE))
            return s;
    }
    return NULL;
}

/* Records [p, p+len) made by the calling thread, if it belongs to the scope. */
LC_HOOK_TEXT static void note_map(void *p, size_t len, int prot, int flags, int fd, int shm) {
    struct lc_tls *t = &lc__tls;
    if (probing) { /* lc__maps_observable's call: seen, not recorded */
        __atomic_store_n(&probe_seen, 1, __ATOMIC_RELAXED);
        return;
    }
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    if (t->guard || !len || !lc__thread_attributed(gen))
        return;
    int saved = errno;
    t->guard++;
    struct slot *tab = table();
    struct slot *s = tab ? claim(tab, gen) : NULL;
    if (s) {
        uint32_t sid = lc__st.stacks_allowed ? lc__stack_capture(lc__st.depth) : 0;
        s->gen = gen;
        s->r = (struct lc_map_rec){(uintptr_t)p, len, prot, flags, fd, shm, sid,
                                   __atomic_load_n(&lc__st.iteration, __ATOMIC_RELAXED)};
        release(s, SLOT_LIVE);
    } else {
        __atomic_fetch_add(&lost, 1, __ATOMIC_RELAXED);
    }
    t->guard--;
    errno = saved;
}

/* Forgets [a, a+len) from every record of any generation: removes covered
 * records, trims or splits the others. If kept is not NULL and exactly one
 * record started at a, it is copied there (mremap moves it). */
LC_HOOK_TEXT static int forget_range_n(uintptr_t a, size_t len, struct lc_map_rec *kept,
                                       uint32_t *kept_gen, unsigned *touched) {
    struct slot *tab = __atomic_load_n(&slots, __ATOMIC_ACQUIRE);
    if (!tab || !len)
        return 0;
    uintptr_t b = a + len;
    int found = 0;
    uint32_t n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++) {
        struct slot *s = &tab[i];
        if (__atomic_load_n(&s->state, __ATOMIC_RELAXED) != SLOT_LIVE)
            continue;
        uintptr_t s0 = s->r.start, s1 = s->r.start + s->r.len;
        if (s1 <= a || s0 >= b || !take(s, SLOT_LIVE))
            continue;
        if (touched && s->gen == __atomic_load_n(&lc__st.gen, __ATOMIC_RELAXED))
            ++*touched; /* a record of this scope (an older one's was made before it) */
        if (kept && s0 == a && !found) {
            *kept = s->r;
            *kept_gen = s->gen;
            found = 1;
        }
        if (s0 >= a && s1 <= b) {
            release(s, SLOT_FREE);
            continue;
        }
        if (s0 < a && s1 > b) { /* a hole in the middle: the right part gets a slot */
            struct slot *r = claim(tab, s->gen);
            if (!r)
                __atomic_fetch_add(&lost, 1, __ATOMIC_RELAXED);
            if (r) {
                r->gen = s->gen;
                r->r = s->r;
                r->r.start = b;
                r->r.len = s1 - b;
                release(r, SLOT_LIVE);
            }
            s->r.len = a - s0;
        } else if (s0 < a) {
            s->r.len = a - s0;
        } else {
            s->r.start = b;
            s->r.len = s1 - b;
        }
        release(s, SLOT_LIVE);
    }
    return found;
}

LC_HOOK_TEXT static int forget_range(uintptr_t a, size_t len, struct lc_map_rec *kept,
                                     uint32_t *kept_gen) {
    return forget_range_n(a, len, kept, kept_gen, NULL);
}

/* ---- real functions ---- */

static inline void *resolve(void **slot, const char *name) {
    void *f = __atomic_load_n(slot, __ATOMIC_RELAXED);
    return LC_LIKELY(f) ? f : lc__resolve_next(slot, name);
}

static void *real_mmap_slot, *real_munmap_slot, *real_mremap_slot, *real_shmat_slot,
    *real_shmdt_slot;

/* The kernel's mmap when the C library's cannot be found (never expected). */
static void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    return r == -1 ? MAP_FAILED : (void *)r;
}

static inline int fixed(int flags) {
    return (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
}

LC_HOOK_TEXT static void *map_common(void *addr, size_t len, int prot, int flags, int fd,
                                     off_t off) {
    __typeof__(&mmap) real = (__typeof__(&mmap))resolve(&real_mmap_slot, "mmap");
    if (LC_UNLIKELY(!real))
        real = sys_mmap;
    if (LC_UNLIKELY(tracking()) && fixed(flags)) /* replaces whatever was there */
        forget_range((uintptr_t)addr, len, NULL, NULL);
    void *p = real(addr, len, prot, flags, fd, off);
    if (LC_UNLIKELY(tracking() || probing) && p != MAP_FAILED)
        note_map(p, len, prot, flags, (flags & MAP_ANONYMOUS) ? -1 : fd, 0);
    return p;
}

LC_EXPORT LC_HOOK_TEXT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
                                  off_t off) {
    return map_common(addr, len, prot, flags, fd, off);
}

LC_EXPORT LC_HOOK_TEXT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
                                    off64_t off) {
    return map_common(addr, len, prot, flags, fd, (off_t)off);
}

LC_EXPORT LC_HOOK_TEXT int munmap(void *addr, size_t len) {
    __typeof__(&munmap) real = (__typeof__(&munmap))resolve(&real_munmap_slot, "munmap");
    if (LC_UNLIKELY(!real)) {
        errno = ENOSYS;
        return -1;
    }
    if (LC_UNLIKELY(tracking())) {
        int saved = errno;
        size_t page = 4096;
        unsigned touched = 0;
        forget_range_n((uintptr_t)addr, (len + page - 1) & ~(page - 1), NULL, NULL, &touched);
        if (!touched) /* made before the scope: remembered by its file (a remap) */
            lc__maps_note_unmap((uintptr_t)addr, len);
        errno = saved;
    }
    return real(addr, len);
}

LC_EXPORT LC_HOOK_TEXT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
    void *new_addr = NULL;
    if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
        va_list ap;
        va_start(ap, flags);
        new_addr = va_arg(ap, void *);
        va_end(ap);
    }
    __typeof__(&mremap) real = (__typeof__(&mremap))resolve(&real_mremap_slot, "mremap");
    if (LC_UNLIKELY(!real)) {
        errno = ENOSYS;
        return MAP_FAILED;
    }
    if (LC_LIKELY(!tracking()))
        return real(old, old_len, new_len, flags, new_addr);
    int saved = errno;
    struct lc_map_rec was;
    uint32_t was_gen = 0;
    int known = 0;
    if (!(flags & MREMAP_DONTUNMAP))
        known = forget_range((uintptr_t)old, old_len, &was, &was_gen);
    errno = saved;
    void *p = real(old, old_len, new_len, flags, new_addr);
    saved = errno;
    struct slot *tab = __atomic_load_n(&slots, __ATOMIC_ACQUIRE);
    void *at = p == MAP_FAILED ? old : p;
    size_t len = p == MAP_FAILED ? old_len : new_len;
    if (known && tab && !lc__tls.guard) { /* the record moves with the mapping */
        lc__tls.guard++;
        struct slot *s = claim(tab, was_gen);
        if (!s)
            __atomic_fetch_add(&lost, 1, __ATOMIC_RELAXED);
        if (s) {
            s->gen = was_gen;
            s->r = was;
            s->r.start = (uintptr_t)at;
            s->r.len = len;
            release(s, SLOT_LIVE);
        }
        lc__tls.guard--;
    } else if (p != MAP_FAILED && (flags & MREMAP_DONTUNMAP)) {
        note_map(p, new_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    errno = saved;
    return p;
}

LC_EXPORT LC_HOOK_TEXT void *shmat(int id, const void *addr, int shmflg) {
    __typeof__(&shmat) real = (__typeof__(&shmat))resolve(&real_shmat_slot, "shmat");
    if (LC_UNLIKELY(!real)) {
        errno = ENOSYS;
        return (void *)-1;
    }
    void *p = real(id, addr, shmflg);
    if (LC_UNLIKELY(tracking()) && p != (void *)-1) {
        int saved = errno;
        struct shmid_ds ds;
        /* the segment's size is the kernel's; a call that cannot read it
         * records one page rather than nothing */
        size_t len = syscall(SYS_shmctl, id, IPC_STAT, &ds) == 0 ? ds.shm_segsz : 4096;
        len = (len + 4095) & ~(size_t)4095;
        int prot = (shmflg & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
        note_map(p, len, prot | ((shmflg & SHM_EXEC) ? PROT_EXEC : 0), MAP_SHARED, -1, 1);
        errno = saved;
    }
    return p;
}

LC_EXPORT LC_HOOK_TEXT int shmdt(const void *addr) {
    __typeof__(&shmdt) real = (__typeof__(&shmdt))resolve(&real_shmdt_slot, "shmdt");
    if (LC_UNLIKELY(!real)) {
        errno = ENOSYS;
        return -1;
    }
    if (LC_UNLIKELY(tracking())) {
        int saved = errno;
        struct slot *tab = __atomic_load_n(&slots, __ATOMIC_ACQUIRE);
        uint32_t n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; tab && i < n; i++) /* the segment attached at addr */
            if (__atomic_load_n(&tab[i].state, __ATOMIC_RELAXED) == SLOT_LIVE &&
                tab[i].r.shm && tab[i].r.start == (uintptr_t)addr) {
                forget_range(tab[i].r.start, tab[i].r.len, NULL, NULL);
                break;
            }
        errno = saved;
    }
    return real(addr);
}

/* ---- readers (report time) ---- */

static int wanted(const struct slot *s, uint32_t gen, uint32_t first) {
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_LIVE &&
           (gen == LC_MAPS_ANY_GEN || s->gen == gen) && s->r.iteration >= first;
}

void lc__maps_totals(uint32_t gen, uint32_t first, uint64_t *count, uint64_t *bytes) {
    *count = *bytes = 0;
    struct slot *tab = __atomic_load_n(&slots, __ATOMIC_ACQUIRE);
    uint32_t n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; tab && i < n; i++)
        if (wanted(&tab[i], gen, first)) {
            (*count)++;
            *bytes += tab[i].r.len;
        }
}

size_t lc__maps_list(uint32_t gen, uint32_t first, struct lc_map_rec *out, size_t max) {
    struct slot *tab = __atomic_load_n(&slots, __ATOMIC_ACQUIRE);
    uint32_t n = __atomic_load_n(&hwm, __ATOMIC_ACQUIRE);
    size_t k = 0;
    for (uint32_t i = 0; tab && i < n; i++) {
        if (!wanted(&tab[i], gen, first))
            continue;
        if (k < max) { /* insertion by start: the lists are short */
            size_t j = k;
            while (j > 0 && out[j - 1].start > tab[i].r.start) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = tab[i].r;
        }
        k++;
    }
    return k;
}

void lc__maps_file(uintptr_t addr, char *buf, size_t len) {
    buf[0] = 0;
    FILE *fp = fopen("/proc/self/maps", "re");
    if (!fp)
        return;
    char line[4096 + 128];
    while (fgets(line, sizeof line, fp)) {
        unsigned long lo, hi;
        int off = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &off) < 2 || addr < lo ||
            addr >= hi)
            continue;
        if (off > 0 && line[off] == '/') {
            line[strcspn(line, "\n")] = 0;
            snprintf(buf, len, "%s", line + off);
        }
        break;
    }
    fclose(fp);
}

void lc__maps_prot(int prot, int flags, char buf[5]) {
    buf[0] = (prot & PROT_READ) ? 'r' : '-';
    buf[1] = (prot & PROT_WRITE) ? 'w' : '-';
    buf[2] = (prot & PROT_EXEC) ? 'x' : '-';
    buf[3] = (flags & MAP_SHARED) ? 's' : 'p';
    buf[4] = 0;
}

uint64_t lc__maps_lost(void) { return __atomic_load_n(&lost, __ATOMIC_RELAXED); }

int lc__maps_observable(char *err, size_t errlen) {
    void *(*fn)(void *, size_t, int, int, int, off_t) =
        (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_DEFAULT, "mmap");
    __atomic_store_n(&probe_seen, 0, __ATOMIC_RELAXED);
    if (fn) {
        probing = 1;
        void *p = fn(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        probing = 0;
        if (p != MAP_FAILED)
            syscall(SYS_munmap, p, 4096);
    }
    if (__atomic_load_n(&probe_seen, __ATOMIC_RELAXED))
        return 0;
    snprintf(err, errlen,
             "leakcheck: LEAKCHECK_CHECKS=mappings cannot work here: the program's mmap does not "
             "reach leakcheck's wrapper (%s)",
             fn ? "another definition of mmap comes first" : "no mmap in the global scope: a "
             "static binary?");
    return -1;
}
