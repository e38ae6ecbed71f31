/* util.c: leakcheck's own memory. Tracker structures come from mmap so they
 * never appear in a scope's counts; report-time buffers come from glibc's
 * __libc_malloc, which bypasses the hooks. Interned strings live for the life of
 * the process (symbol names, file names). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <dlfcn.h>
#include <sched.h>
#include <sys/mman.h>

#include "internal.h"
#include "own_frees.h"

/* Every mapping of ours (lc__mmap, lc__reserve), so that the reachability
 * scan leaves them out of its roots: they are not the program's memory, some
 * hold copies of its words (a stack walk's memo), and scanning a sparse
 * reservation would fault in every page of it. Lock-free: a slot is claimed
 * by a compare-and-swap on lo, then hi is set; forgetting clears hi first. */
#define LC_OWN_MAPS 4096
static struct {
    uintptr_t lo, hi;
} own_maps[LC_OWN_MAPS];

static void own_note(void *p, size_t bytes) {
    for (size_t i = 0; p && i < LC_OWN_MAPS; i++) {
        uintptr_t zero = 0;
        if (__atomic_load_n(&own_maps[i].lo, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(&own_maps[i].lo, &zero, (uintptr_t)p, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            __atomic_store_n(&own_maps[i].hi, (uintptr_t)p + bytes, __ATOMIC_RELEASE);
            return;
        }
    }
}

static void own_forget(void *p) {
    for (size_t i = 0; p && i < LC_OWN_MAPS; i++)
        if (__atomic_load_n(&own_maps[i].lo, __ATOMIC_ACQUIRE) == (uintptr_t)p) {
            __atomic_store_n(&own_maps[i].hi, 0, __ATOMIC_RELEASE);
            __atomic_store_n(&own_maps[i].lo, 0, __ATOMIC_RELEASE);
            return;
        }
}

size_t lc__own_mappings(uintptr_t (*out)[2], size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < LC_OWN_MAPS && n < max; i++) {
        uintptr_t lo = __atomic_load_n(&own_maps[i].lo, __ATOMIC_ACQUIRE);
        uintptr_t hi = __atomic_load_n(&own_maps[i].hi, __ATOMIC_ACQUIRE);
        if (lo && hi > lo) {
            out[n][0] = lo;
            out[n++][1] = hi;
        }
    }
    return n;
}

void *lc__mmap(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    own_note(p, bytes);
    return p;
}

void lc__munmap(void *p, size_t bytes) {
    if (p) {
        own_forget(p);
        munmap(p, bytes);
    }
}

void *lc__reserve(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    own_note(p, bytes);
    return p;
}

/* Report-time memory goes back to glibc zeroed. glibc keeps a freed block's
 * bytes, a later malloc of the program may get them uninitialised, and the
 * exit scan reads every word of a live block: our stale pointers there (a
 * symbol table, a JSON tree, a site list) made lost blocks of the program
 * "indirectly lost" or reachable (memcheck skips undefined words). The size
 * is glibc's own malloc_usable_size: the global one may be a sanitizer's,
 * which does not know glibc's blocks. Resolved once, at load. */
typedef size_t (*usable_fn)(void *);
static usable_fn libc_usable;

/* Only when __libc_malloc is libc's own (a fuzz build routes it to ASan's
 * malloc, whose blocks glibc's malloc_usable_size does not know). */
__attribute__((constructor(101))) static void util_init(void) {
    lc__guard_enter(); /* dlopen's bookkeeping is the loader's, never the program's */
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD); /* kept: never dlclosed */
    void *f = libc ? dlsym(libc, "malloc_usable_size") : NULL;
    if (f && dlsym(libc, "__libc_malloc") == (void *)__libc_malloc)
        libc_usable = (usable_fn)f;
    lc__guard_leave();
}

static void scrub(void *p, size_t from) {
    size_t n = p && libc_usable ? libc_usable(p) : 0;
    if (n > from)
        memset((char *)p + from, 0, n - from);
}

void *lc__xmalloc(size_t n) { return __libc_malloc(n ? n : 1); }
void *lc__xcalloc(size_t n, size_t sz) { return __libc_calloc(n ? n : 1, sz ? sz : 1); }

/* Shrinking keeps the block (its tail zeroed first); growing copies into a
 * new block and frees the old one zeroed, never leaving a moved copy. */
void *lc__xrealloc(void *p, size_t n) {
    n = n ? n : 1;
    if (!p || !libc_usable)
        return __libc_realloc(p, n);
    size_t old = libc_usable(p);
    if (n <= old) {
        scrub(p, n);
        return __libc_realloc(p, n);
    }
    void *q = __libc_malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, old);
    lc__xfree(p);
    return q;
}

/* Zeroed, and in the library a small block is held until the next test's
 * first run is over (own_frees.c): no block of that run takes its address.
 * The leakcheck tool, which compiles this file without own_frees.c, frees. */
#pragma weak lc__own_free_hold
void lc__xfree(void *p) {
    size_t n = p && libc_usable ? libc_usable(p) : 0;
    scrub(p, 0);
    if (p && n && n <= 4096 && lc__own_free_hold && lc__own_free_hold(p, n))
        return;
    __libc_free(p);
}

char *lc__xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = lc__xmalloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A small open-addressing set of strings; guarded by a lock because two
 * threads may symbolize at once (rare: reports). */
static struct {
    int lock;
    const char **slots;
    size_t cap, count;
} interned;

static uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

const char *lc__intern(const char *s) {
    if (!s)
        return NULL;
    lc__spin_lock(&interned.lock);
    if (interned.count * 2 >= interned.cap) {
        size_t ncap = interned.cap ? interned.cap * 2 : 1024;
        const char **ns = lc__xcalloc(ncap, sizeof *ns);
        if (!ns) {
            lc__spin_unlock(&interned.lock);
            return NULL;
        }
        for (size_t i = 0; i < interned.cap; i++) {
            const char *e = interned.slots[i];
            if (!e)
                continue;
            size_t j = str_hash(e) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = e;
        }
        lc__xfree(interned.slots);
        interned.slots = ns;
        interned.cap = ncap;
    }
    size_t j = str_hash(s) & (interned.cap - 1);
    while (interned.slots[j] && strcmp(interned.slots[j], s) != 0)
        j = (j + 1) & (interned.cap - 1);
    if (!interned.slots[j]) {
        interned.slots[j] = lc__xstrdup(s);
        if (interned.slots[j])
            interned.count++;
    }
    const char *r = interned.slots[j];
    lc__spin_unlock(&interned.lock);
    return r;
}

void lc__spin_wait(int *l) {
    for (unsigned spins = 0;; spins++) {
        if (!__atomic_load_n(l, __ATOMIC_RELAXED) &&
            !__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
            return;
        if (spins < 64)
            __builtin_ia32_pause();
        else
            sched_yield();
    }
}

char *lc__xsprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : lc__xmalloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

#if defined(__x86_64__)
/* 64 KiB below the caller's stack pointer, every byte: the frame is made
 * first (the area is ours while it is written: a signal lands below it), and
 * no alignment slot or saved register is left unwritten between it and the
 * return address, where the caller's next callee puts its locals (a compiled
 * version left one word, which kept a stale block address). */
__asm__(".text\n"
        ".globl lc__stack_scrub\n"
        ".hidden lc__stack_scrub\n"
        ".type lc__stack_scrub, @function\n"
        "lc__stack_scrub:\n"
        "  .cfi_startproc\n"
        "  sub $65536, %rsp\n  .cfi_adjust_cfa_offset 65536\n"
        "  mov %rsp, %rdi\n"
        "  mov $8192, %ecx\n"
        "  xor %eax, %eax\n"
        "  rep stosq\n"
        "  add $65536, %rsp\n  .cfi_adjust_cfa_offset -65536\n"
        "  ret\n"
        "  .cfi_endproc\n"
        ".size lc__stack_scrub, .-lc__stack_scrub\n");
#else
__attribute__((noinline)) void lc__stack_scrub(void) {
    volatile char buf[64 * 1024];
    memset((char *)buf, 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory");
}
#endif

/* Resolves the next definition of a wrapped function once (fds.c, maps.c).
 * Several threads may race here; they all store the same pointer, so a
 * relaxed store is enough. errno is kept. */
void *lc__resolve_next(void **slot, const char *name) {
    int saved = errno;
    lc__guard_enter();
    void *f = dlsym(RTLD_NEXT, name);
    lc__guard_leave();
    errno = saved;
    if (f)
        __atomic_store_n(slot, f, __ATOMIC_RELAXED);
    return f;
}
