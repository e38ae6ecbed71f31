/* stacks.c: allocation stack capture and the stack depot; capture is on the
 * hook path. Frames come from walk.c (cached CFA rules, per-thread memos) or,
 * for a stack it cannot follow, libunwind's unw_backtrace; our hook frames are
 * dropped from the top, the harness's body trampoline down from the bottom.
 * The depot hands out 32-bit ids: lock-free lookups, a lock only to insert. */
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "options.h"
#include "sanitizer.h"
#include "unwind.h"

#define IDX_BITS 22
#define IDX_SIZE (1u << IDX_BITS)
#define MAX_STACKS (IDX_SIZE / 4 * 3)
#define ARENA_SIZE (1ull << 30)   /* reserved, touched as stacks arrive */
#define ARENA_MIN (16ull << 20)   /* what an address-space limit leaves: halved down to this */

struct stack_rec {
    uint32_t hash;
    uint16_t depth;
    uint16_t pad;
    uint32_t epoch; /* dlclose epoch when first captured, for symbolization;
                       as wide as lc__st.dl_epoch so it never wraps before it */
    uint32_t pad2;
    uintptr_t pcs[];
};

static struct {
    int lock;
    uint32_t count;       /* ids 1..count are valid */
    uint32_t *idx;        /* hash slot -> id */
    uint64_t *offs;       /* id -> offset of the record in arena */
    char *arena;
    uint64_t arena_size; /* ARENA_SIZE, or less under an address-space limit */
    uint64_t used;
} depot;

extern char __start_lc_hook_text[] __attribute__((visibility("hidden")));
extern char __stop_lc_hook_text[] __attribute__((visibility("hidden")));
extern char __start_lc_body_text[] __attribute__((visibility("hidden"), weak));
extern char __stop_lc_body_text[] __attribute__((visibility("hidden"), weak));

int lc__in_hook_text(uintptr_t pc) {
    return pc >= (uintptr_t)__start_lc_hook_text && pc < (uintptr_t)__stop_lc_hook_text;
}

int lc__in_body_text(uintptr_t pc) {
    return __start_lc_body_text && pc >= (uintptr_t)__start_lc_body_text &&
           pc <= (uintptr_t)__stop_lc_body_text;
}

void lc__hook_text_range(uintptr_t *lo, uintptr_t *hi) {
    *lo = (uintptr_t)__start_lc_hook_text;
    *hi = (uintptr_t)__stop_lc_hook_text;
}

/* The ranges of our hook section and of the harness's body section, read once:
 * on the hook path every captured frame is compared against them. */
static uintptr_t hook_lo, hook_hi, body_lo, body_hi;
static int use_walker; /* LEAKCHECK_UNWINDER=auto or walk */

static void text_ranges_init(void) {
    hook_lo = (uintptr_t)__start_lc_hook_text;
    hook_hi = (uintptr_t)__stop_lc_hook_text;
    if (__start_lc_body_text) { /* body_hi is inclusive, as in lc__in_body_text */
        body_lo = (uintptr_t)__start_lc_body_text;
        body_hi = (uintptr_t)__stop_lc_body_text;
    } else { /* the range [0, 0]: a captured frame is never at address 0 */
        body_lo = 0;
        body_hi = 0;
    }
}

int lc__stacks_init(void) {
    if (depot.idx)
        return 0;
    depot.idx = lc__reserve(IDX_SIZE * sizeof(uint32_t));
    depot.offs = lc__reserve((MAX_STACKS + 1) * sizeof(uint64_t));
    /* RLIMIT_AS counts reservations too: a smaller arena holds fewer stacks
     * (a full depot is reported as such), none at all would stop tracking */
    for (depot.arena_size = ARENA_SIZE; !depot.arena && depot.arena_size >= ARENA_MIN;
         depot.arena_size /= 2)
        if ((depot.arena = lc__reserve(depot.arena_size)))
            break;
    /* Under a limit the largest arena that fitted left less than its own size
     * for everything after it: the program's heap, and leakcheck run's scan at
     * exit, which then failed and called every live block definitely lost
     * (ls under ulimit -v 120000). Half of it stays free. */
    if (depot.arena && depot.arena_size < ARENA_SIZE && depot.arena_size / 2 >= ARENA_MIN) {
        lc__munmap(depot.arena, depot.arena_size);
        depot.arena_size /= 2;
        depot.arena = lc__reserve(depot.arena_size);
    }
    if (!depot.idx || !depot.offs || !depot.arena) {
        /* all or nothing: a half-mapped depot would pass the check above */
        lc__munmap(depot.idx, IDX_SIZE * sizeof(uint32_t));
        lc__munmap(depot.offs, (MAX_STACKS + 1) * sizeof(uint64_t));
        depot.idx = NULL;
        depot.offs = NULL;
        depot.arena = NULL;
        return LEAKCHECK_ENOMEM;
    }
    text_ranges_init();
    int unwinder = lc__opts()->unwinder; /* auto|walk|libunwind */
    use_walker = unwinder != 2;
    lc__walk_init(hook_lo, hook_hi, unwinder == 0);
    return 0;
}

static inline struct stack_rec *rec_of(uint32_t id) {
    return (struct stack_rec *)(depot.arena + depot.offs[id]);
}

/* The hash is on the hook path for every captured stack, so it must not be a
 * serial chain of multiplications (about 6 cycles a frame): each frame is
 * multiplied on its own, so the products overlap in the pipeline, and only a
 * rotate and an xor link consecutive frames, which keeps the order significant.
 * A final avalanche spreads the bits; equal hashes are confirmed by memcmp.
 * The capture computes it while it scans the frames (hash_step), see below. */
#define HASH_SEED 0x9e3779b97f4a7c15ull

static inline uint64_t hash_step(uint64_t h, uintptr_t pc) {
    return ((h << 23) | (h >> 41)) ^ (pc * 0xff51afd7ed558ccdull);
}

static inline uint32_t hash_final(uint64_t h, int n) {
    h ^= (uint64_t)n;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return (uint32_t)h ? (uint32_t)h : 1;
}

static inline int same(const struct stack_rec *r, uint32_t hash, const uintptr_t *pcs, int n) {
    return r->hash == hash && r->depth == n && memcmp(r->pcs, pcs, n * sizeof *pcs) == 0;
}

/* Lock-free lookup (acquire loads on the open-addressing index); only the
 * insertion of a never-seen stack takes the depot lock, and no unwinding or
 * libc call happens under it. The arena is a reservation touched page by page. */
static uint32_t depot_put(const uintptr_t *pcs, int n, uint32_t hash) {
    uint32_t slot = hash & (IDX_SIZE - 1);
    for (;;) {
        uint32_t id = __atomic_load_n(&depot.idx[slot], __ATOMIC_ACQUIRE);
        if (!id)
            break;
        if (same(rec_of(id), hash, pcs, n))
            return id;
        slot = (slot + 1) & (IDX_SIZE - 1);
    }
    uint32_t id = 0;
    lc__spin_lock(&depot.lock);
    for (;;) { /* re-probe: another thread may have inserted meanwhile */
        uint32_t cur = depot.idx[slot];
        if (!cur)
            break;
        if (same(rec_of(cur), hash, pcs, n)) {
            id = cur;
            goto out;
        }
        slot = (slot + 1) & (IDX_SIZE - 1);
    }
    size_t bytes = (sizeof(struct stack_rec) + n * sizeof(uintptr_t) + 7) & ~(size_t)7;
    if (depot.count >= MAX_STACKS || depot.used + bytes > depot.arena_size)
        goto out; /* full: the block is tracked without a stack */
    struct stack_rec *r = (struct stack_rec *)(depot.arena + depot.used);
    r->hash = hash;
    r->depth = (uint16_t)n;
    r->epoch = __atomic_load_n(&lc__st.dl_epoch, __ATOMIC_RELAXED);
    memcpy(r->pcs, pcs, n * sizeof *pcs);
    id = depot.count + 1;
    depot.offs[id] = depot.used;
    depot.used += bytes;
    __atomic_store_n(&depot.count, id, __ATOMIC_RELEASE);
    __atomic_store_n(&depot.idx[slot], id, __ATOMIC_RELEASE);
out:
    lc__spin_unlock(&depot.lock);
    return id;
}

/* unw_backtrace's first entry is a pc in its caller, so a capture made from
 * malloc starts with three frames of ours: this function, on_alloc and the hook
 * itself. Unwinding costs about 7 ns a frame, so only those three are asked for
 * on top of `depth`; a hook that reaches on_alloc through another hook
 * (reallocarray -> realloc) has more, and is unwound again with room for them
 * when the first pass came back full. */
#define HOOK_FRAMES 3
#define HOOK_FRAMES_MAX 5

static inline int skip_hook_frames(void *const *buf, int n) {
    int skip = 0;
    while (skip < n && (uintptr_t)buf[skip] - hook_lo < hook_hi - hook_lo)
        skip++;
    return skip;
}

/* Set once at start-up by sanitizer.c (0 or LC_SANITIZER_FRAMES), before any
 * scope: a sanitizer allocator's frames are kept for symbolize.c to cut. */
int lc__stack_extra_top;
int lc__under_valgrind;

/* The depot id of the frames buf[skip..n): up to `depth` of them, or up to
 * the harness's body trampoline. */
static inline __attribute__((always_inline)) uint32_t stack_id(void **buf, int n, int skip,
                                                                int depth) {
    /* One pass keeps frames up to `depth` or the harness's body trampoline
     * and hashes them. */
    uintptr_t *pcs = (uintptr_t *)buf + skip;
    int avail = n - skip < depth ? n - skip : depth;
    uint64_t h = HASH_SEED;
    int keep = 0;
    for (; keep < avail; keep++) {
        uintptr_t pc = pcs[keep];
        if (LC_UNLIKELY(pc - body_lo <= body_hi - body_lo))
            break;
        h = hash_step(h, pc);
    }
    if (keep == 0)
        return 0;
    return depot_put(pcs, keep, hash_final(h, keep));
}

/* libunwind: the frames of the stack, hook frames first (skip says how many). */
static inline __attribute__((always_inline)) int libunwind_capture(void **buf, int depth,
                                                                  int *skip) {
    int want = depth + HOOK_FRAMES;
    int n = lc__backtrace(buf, want);
    *skip = skip_hook_frames(buf, n);
    if (LC_UNLIKELY(*skip > HOOK_FRAMES && n == want)) {
        n = lc__backtrace(buf, depth + HOOK_FRAMES_MAX);
        *skip = skip_hook_frames(buf, n);
    }
    return n;
}

LC_HOOK_TEXT uint32_t lc__stack_capture(int depth) {
    void *buf[LC_MAX_DEPTH + LC_SANITIZER_FRAMES + HOOK_FRAMES_MAX];
    if (depth > LC_MAX_DEPTH)
        depth = LC_MAX_DEPTH;
    depth += lc__stack_extra_top;
    /* The walker leaves our hook frames out itself; a frame it cannot follow
     * sends the whole stack to libunwind. */
    int skip = 0;
    uint32_t same_id = 0;
    int n = use_walker ? lc__stack_walk((uintptr_t *)buf, depth, &same_id) : -1;
    if (n == LC_WALK_SAME)
        return same_id; /* this thread's last stack again: its depot id */
    if (LC_UNLIKELY(n < 0)) {
        n = libunwind_capture(buf, depth, &skip);
        return stack_id(buf, n, skip, depth);
    }
    uint32_t id = stack_id(buf, n, skip, depth);
    lc__walk_tag(id);
    return id;
}

/* libunwind's first trace opens its memory-validation pipe (2 fds, kept for
 * the process). The walker may never call libunwind, so a later first use (a
 * fallback capture, or the program's own) opened them after a baseline and
 * they read "2 fds left open": the callers trace once before theirs. */
void lc__stacks_warm(void) {
    void *buf[4];
    (void)lc__backtrace(buf, 4);
}

int lc__stack_get(uint32_t id, const uintptr_t **pcs, uint32_t *epoch) {
    if (!id || id > __atomic_load_n(&depot.count, __ATOMIC_ACQUIRE))
        return 0;
    struct stack_rec *r = rec_of(id);
    *pcs = r->pcs;
    if (epoch)
        *epoch = r->epoch;
    return r->depth;
}

int lc_stack_addresses(uint32_t stack, uintptr_t *out, int max) {
    const uintptr_t *pcs;
    int n = lc__stack_get(stack, &pcs, NULL);
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++)
        out[i] = pcs[i];
    return n;
}

void lc__stacks_lock(void) { lc__spin_lock(&depot.lock); }
void lc__stacks_unlock(void) { lc__spin_unlock(&depot.lock); }

static uint64_t resident_bytes(void *base, size_t len) {
    static unsigned char vec[8192];
    size_t pages = len / 4096, done = 0;
    uint64_t n = 0;
    while (done < pages) {
        size_t chunk = pages - done < sizeof vec ? pages - done : sizeof vec;
        if (mincore((char *)base + done * 4096, chunk * 4096, vec) == 0)
            for (size_t i = 0; i < chunk; i++)
                n += vec[i] & 1;
        done += chunk;
    }
    return n * 4096;
}

uint64_t lc__stacks_bytes(void) {
    if (!depot.idx)
        return 0;
    /* the arena is filled front to back; the index and the offsets are sparse */
    return depot.used + resident_bytes(depot.idx, IDX_SIZE * sizeof(uint32_t)) +
           resident_bytes(depot.offs, (MAX_STACKS + 1) * sizeof(uint64_t));
}
