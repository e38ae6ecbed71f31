/* walk.c: the x86_64 stack walker of allocation stacks (for stacks.c), on
 * the hook path: CFA rules (cfi.c) in a lock-free cache, a thread's last walks
 * confirmed from walk_memo.c; any frame it cannot follow, or a read at or
 * above the stack's top, sends the stack to libunwind. One mmap reservation;
 * no lock, no allocation; calls pthread_self, dl_iterate_phdr on a miss. */
#include <pthread.h>
#include <stddef.h>
#include <ucontext.h>

#include "cfi.h"
#include "internal.h"
#include "unwind.h"
#include "walk_memo.h"

#if defined(__x86_64__)

/* 2^16 entries of 16 bytes: 1 MiB of address space, touched as used. */
#define CACHE_BITS 16
#define CACHE_SIZE (1u << CACHE_BITS)
#define PROBES 8

/* The farthest a caller's frame may be from its callee's (8 MiB): a larger
 * step means the rule read was stale, and the walk gives up. */
#define MAX_FRAME ((uintptr_t)1 << 23)

/* An entry: the key is the pc (below 2^47 in user space), bit 47 set when it
 * is an interrupted pc rather than a return address, and bits 48..63 the
 * dlclose epoch it was read in (a module unloaded since may have left its
 * addresses to another: an entry of an older epoch never matches). The value:
 * bits 0..31 the CFA offset (signed, so one sign-extension decodes it); bit
 * 63 valid; bits 40..55 rbp's offset (signed); bit 35 rbp is saved; bit 34
 * the CFA is rbp-based; bits 32..33 the kind (0: not followed). */
struct entry {
    uint64_t key;
    uint64_t val;
};

static struct entry *cache;
static int cache_failed;
static uintptr_t own_lo, own_hi;

#define V_VALID (1ull << 63)
#define KIND_OF(v) ((unsigned)((v) >> 32) & 3)
#define CFA_RBP(v) (((v) >> 34) & 1)
#define RBP_SAVED(v) (((v) >> 35) & 1)
#define RBP_OFF(v) ((int64_t)(int16_t)((v) >> 40))
#define CFA_OFF(v) ((int64_t)(int32_t)(v))
#define KEY_EXACT (1ull << 47)

static int use_memo;
static pthread_t main_thread; /* the thread lc__walk_init ran on: the main one */

/* The walk never reads this thread's stack at or above its top (no rule of a
 * correct walk takes it there; one that does goes to libunwind, which checks
 * every read): a glibc thread's descriptor sits at the top of its stack, and
 * the main thread's stack ends, for the frames of the program, at the stack
 * pointer ld.so started it with. */
extern void *__libc_stack_end;

static inline uintptr_t stack_top(void) {
    pthread_t self = pthread_self();
    return pthread_equal(self, main_thread) ? (uintptr_t)__libc_stack_end : (uintptr_t)self;
}

void lc__walk_init(uintptr_t lo, uintptr_t hi, int memo) {
    own_lo = lo;
    own_hi = hi;
    use_memo = memo;
    main_thread = pthread_self();
    if (!cache && !cache_failed) {
        cache = lc__reserve(CACHE_SIZE * sizeof *cache);
        cache_failed = !cache;
    }
    lc__memo_init();
}

/* A few shifts and xors: on the walk's critical path (one lookup a frame,
 * each depending on the last), so cheaper than a multiply. */
static inline uint32_t slot_of(uint64_t key) {
    return (uint32_t)(key ^ (key >> 15) ^ (key >> 30) ^ (key >> 48)) & (CACHE_SIZE - 1);
}

static uint64_t pack(const struct lc_cfi_rule *r, int ok) {
    uint64_t v = V_VALID;
    if (!ok)
        return v; /* kind 0: not followed */
    v |= (uint64_t)(uint32_t)r->cfa_off;
    v |= (uint64_t)(r->kind & 3u) << 32;
    v |= (uint64_t)(r->cfa_rbp & 1) << 34;
    v |= (uint64_t)(r->rbp_saved & 1) << 35;
    v |= (uint64_t)(uint16_t)r->rbp_off << 40;
    return v;
}

/* A slot being refilled: matches no key (its pc is not a user address). */
#define KEY_BUSY (~0ull)
#define EPOCH_OF(k) ((k) >> 48)

/* Claims slot s for key: a free slot, or one of an older dlclose epoch (its
 * module may be gone; a library loaded and closed in every test would fill
 * the cache with such entries and make every later frame a miss). A refill
 * clears the value before it publishes the key, so a reader that matches the
 * new key reads the new value or none. 1: the slot is key's. */
static int claim(uint32_t s, uint64_t key) {
    uint64_t k = __atomic_load_n(&cache[s].key, __ATOMIC_ACQUIRE);
    if (k == key)
        return 1; /* ours, or a racing writer's: the same address */
    if (!k) {
        if (__atomic_compare_exchange_n(&cache[s].key, &k, key, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return 1;
        return k == key;
    }
    if (k == KEY_BUSY || EPOCH_OF(k) == EPOCH_OF(key))
        return 0;
    if (!__atomic_compare_exchange_n(&cache[s].key, &k, KEY_BUSY, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return k == key;
    __atomic_store_n(&cache[s].val, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&cache[s].key, key, __ATOMIC_RELEASE);
    return 1;
}

/* A miss: the rule from .eh_frame, kept for the next walk. A value is
 * published after its key (a reader that sees the key before the value
 * treats it as a miss). */
static uint64_t misses;

uint64_t lc__walk_misses(void) { return __atomic_load_n(&misses, __ATOMIC_RELAXED); }

__attribute__((noinline, cold)) static uint64_t rule_miss(uint64_t key) {
    __atomic_add_fetch(&misses, 1, __ATOMIC_RELAXED);
    uintptr_t pc = (uintptr_t)(key & (KEY_EXACT - 1));
    struct lc_cfi_rule r = {0};
    int ok = lc__cfi_rule((key & KEY_EXACT) ? pc : pc - 1, &r) == 0;
    uint64_t v = pack(&r, ok);
    if (!cache)
        return v;
    uint32_t s = slot_of(key);
    for (int i = 0; i < PROBES; i++, s = (s + 1) & (CACHE_SIZE - 1))
        if (claim(s, key)) {
            __atomic_store_n(&cache[s].val, v, __ATOMIC_RELEASE);
            break;
        }
    return v;
}

/* The key read again after the value: a slot refilled meanwhile (its entry
 * had gone stale while this walk still used the old epoch) is a miss. */
static inline uint64_t rule_of(uint64_t key) {
    if (LC_LIKELY(cache != NULL)) {
        uint32_t s = slot_of(key);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CACHE_SIZE - 1)) {
            uint64_t k = __atomic_load_n(&cache[s].key, __ATOMIC_ACQUIRE);
            if (k == key) {
                uint64_t v = __atomic_load_n(&cache[s].val, __ATOMIC_ACQUIRE);
                if (LC_LIKELY((v & V_VALID) &&
                              __atomic_load_n(&cache[s].key, __ATOMIC_RELAXED) == key))
                    return v;
                break;
            }
            if (!k)
                break;
        }
    }
    return rule_miss(key);
}

/* The words a walk reads, each recorded in the memo (when there is one). A
 * saved rbp is often a plain value of the caller's (a counter), which would
 * make every repeat look different: such a word stays in the memo only when a
 * later rule bases a CFA on it. */
struct reads {
    struct lc_walk_memo *m;
    int nw;
    int rbp_word;  /* index of the word rbp now holds; -1: none, or used */
    uint64_t drop; /* words not needed to repeat the walk */
};

static inline void rbp_loaded(struct reads *r) {
    if (r->rbp_word >= 0 && r->rbp_word < 64)
        r->drop |= 1ull << r->rbp_word; /* replaced before any rule read it */
    r->rbp_word = r->nw - 1;
}

/* Removes the dropped words; the rest keep the order the walk read them in. */
static void memo_compact(struct reads *r) {
    rbp_loaded(r); /* the last rbp loaded was never read by a rule */
    struct lc_walk_memo *m = r->m;
    int k = 0;
    for (int i = 0; i < r->nw && i < LC_MEMO_WORDS; i++)
        if (!(r->drop >> i & 1)) {
            m->addr[k] = m->addr[i];
            m->val[k++] = m->val[i];
        }
    m->nw = k;
}

static inline uintptr_t read_word(struct reads *r, uintptr_t addr) {
    uintptr_t v = *(const uintptr_t *)addr;
    if (r->m && r->nw < LC_MEMO_WORDS) {
        r->m->addr[r->nw] = addr;
        r->m->val[r->nw] = v;
    }
    r->nw++;
    return v;
}

/* Follows the rules from the given state; *rbp_used: the starting rbp was
 * read by a rule (an rbp-based CFA before any saved rbp was loaded). */
static int walk(uintptr_t *pcs, int max, uintptr_t rbp, uintptr_t sp, uintptr_t pc,
                uint64_t epoch, uintptr_t top, struct reads *r, int *rbp_used) {
    int n = 0, exact = 0, own = 1, rbp_start = 1;
    while (n < max && pc) {
        if (own && pc - own_lo >= own_hi - own_lo)
            own = 0; /* past leakcheck's hook frames: from here on, kept */
        if (!own)
            pcs[n++] = pc;
        if (LC_UNLIKELY(pc >= KEY_EXACT))
            return -1; /* not a user-space code address */
        uint64_t v = rule_of(pc | (exact ? KEY_EXACT : 0) | epoch << 48);
        switch (KIND_OF(v)) {
        case LC_CFI_FRAME: {
            if (CFA_RBP(v)) {
                if (rbp_start)
                    *rbp_used = 1;
                r->rbp_word = -1; /* the word rbp came from is needed */
            }
            uintptr_t cfa = (CFA_RBP(v) ? rbp : sp) + (uintptr_t)CFA_OFF(v);
            if (cfa <= sp || cfa - sp > MAX_FRAME)
                return -1;
            uintptr_t end = cfa; /* the return address is at cfa - 8 */
            if (RBP_SAVED(v) && RBP_OFF(v) > -8)
                end = cfa + (uintptr_t)(RBP_OFF(v) + 8);
            if (sp < top && end > top)
                return -1; /* past the top of this thread's stack: libunwind checks */
            if (RBP_SAVED(v)) {
                rbp = read_word(r, cfa + (uintptr_t)RBP_OFF(v));
                rbp_loaded(r);
                rbp_start = 0;
            }
            pc = read_word(r, cfa - 8);
            sp = cfa;
            exact = 0;
            break;
        }
        case LC_CFI_SIGNAL: { /* the kernel's frame: a ucontext at sp */
            const ucontext_t *uc = (const ucontext_t *)sp;
            if (sp < top && sp + sizeof *uc > top)
                return -1;
            pc = read_word(r, (uintptr_t)&uc->uc_mcontext.gregs[REG_RIP]);
            rbp = read_word(r, (uintptr_t)&uc->uc_mcontext.gregs[REG_RBP]);
            rbp_loaded(r);
            sp = read_word(r, (uintptr_t)&uc->uc_mcontext.gregs[REG_RSP]);
            rbp_start = 0;
            exact = 1; /* the interrupted instruction itself */
            break;
        }
        case LC_CFI_END:
            return n;
        default:
            return -1;
        }
    }
    return n;
}

/* 1 when a walk from this state would repeat the memo's: the same start and
 * rules, and every word it read still holds what it held. Words are checked
 * in the order the walk read them, stopping at the first change, so only
 * addresses the walk itself would read now are read. */
static int repeats(const struct lc_walk_memo *m, uintptr_t rbp, uintptr_t sp, uintptr_t pc,
                   int max, uint64_t epoch) {
    if (m->n < 0 || !m->tagged || m->pc0 != pc || m->sp0 != sp || m->max != max ||
        m->epoch != epoch || (m->rbp_used && m->rbp0 != rbp))
        return 0;
    for (int i = 0; i < m->nw; i++)
        if (*(const uintptr_t *)m->addr[i] != m->val[i])
            return 0;
    return 1;
}

/* The walk proper, from the state at a return into the function that called
 * lc__stack_walk (the entry below passes it). */
__attribute__((noinline, used)) LC_HIDDEN int lc__stack_walk_from(uintptr_t *pcs, int max,
                                                                  uint32_t *tag, uintptr_t rbp,
                                                                  uintptr_t sp, uintptr_t pc) {
    uint64_t epoch = __atomic_load_n(&lc__st.dl_epoch, __ATOMIC_RELAXED) & 0xffff;
    struct lc_walk_memos *ms = use_memo ? lc__memo_mine() : NULL;
    struct lc_walk_memo *m = NULL;
    if (ms) {
        for (int w = 0; w < LC_MEMO_WAYS; w++)
            if (repeats(&ms->way[w], rbp, sp, pc, max, epoch)) {
                *tag = ms->way[w].tag;
                return LC_WALK_SAME;
            }
        ms->last = ms->next;
        ms->next = (ms->next + 1) % LC_MEMO_WAYS;
        m = &ms->way[ms->last];
    }
    struct reads r = {m, 0, -1, 0};
    int rbp_used = 0;
    int n = walk(pcs, max, rbp, sp, pc, epoch, stack_top(), &r, &rbp_used);
    if (m) {
        m->pc0 = pc;
        m->sp0 = sp;
        m->rbp0 = rbp;
        m->rbp_used = rbp_used;
        m->max = max;
        m->epoch = epoch;
        m->tagged = 0;
        m->n = n >= 0 && r.nw <= LC_MEMO_WORDS ? n : -1;
        if (m->n >= 0)
            memo_compact(&r);
    }
    return n;
}

void lc__walk_tag(uint32_t tag) {
    struct lc_walk_memos *ms = use_memo ? lc__memo_mine() : NULL;
    struct lc_walk_memo *m = ms ? &ms->way[ms->last] : NULL;
    if (m && m->n >= 0) {
        m->tag = tag;
        m->tagged = 1;
    }
}

/* int lc__stack_walk(uintptr_t *pcs, int max, uint32_t *tag): hands the
 * caller's state at its return (rbp as it is, the rsp after the return, the
 * return address) to lc__stack_walk_from, without a frame of its own. */
__asm__(".text\n"
        ".globl lc__stack_walk\n"
        ".hidden lc__stack_walk\n"
        ".type lc__stack_walk, @function\n"
        "lc__stack_walk:\n"
        ".cfi_startproc\n"
        "    movq %rbp, %rcx\n"
        "    leaq 8(%rsp), %r8\n"
        "    movq (%rsp), %r9\n"
        "    jmp lc__stack_walk_from\n"
        ".cfi_endproc\n"
        ".size lc__stack_walk, .-lc__stack_walk\n");

#else

void lc__walk_init(uintptr_t lo, uintptr_t hi, int memo) {
    (void)lo;
    (void)hi;
    (void)memo;
}

int lc__stack_walk(uintptr_t *pcs, int max, uint32_t *tag) {
    (void)pcs;
    (void)max;
    (void)tag;
    return -1;
}

void lc__walk_tag(uint32_t tag) { (void)tag; }

#endif
