/* walk.c: a stack walker for x86_64 that follows cached CFA rules, for the
 * allocation stacks of stacks.c. Hook path. Each return address's rule
 * (cfi.c, read once from .eh_frame) sits in a lock-free cache; a walk over
 * cached frames is a few loads a frame. A frame it cannot follow (no FDE, a
 * DWARF expression) makes it return -1 and the caller unwinds the whole stack
 * with libunwind instead, so a stack is never cut short or guessed. Memory:
 * one mmap reservation; no lock, no allocation, no libc call but
 * dl_iterate_phdr on a miss. */
#include <stddef.h>
#include <ucontext.h>

#include "cfi.h"
#include "internal.h"
#include "unwind.h"

#if defined(__x86_64__)

/* 2^14 entries of 16 bytes: 256 KiB of address space, touched as used. */
#define CACHE_BITS 14
#define CACHE_SIZE (1u << CACHE_BITS)
#define PROBES 8

/* The farthest a caller's frame may be from its callee's (8 MiB): a larger
 * step means the rule read was stale, and the walk gives up. */
#define MAX_FRAME ((uintptr_t)1 << 23)

/* An entry's value: bit 63 valid; bits 48..62 the dlclose epoch it was read
 * in (a module unloaded since may have left its addresses to another); bits
 * 24..47 the CFA offset (signed); 8..23 rbp's offset (signed); bit 3 rbp is
 * saved; bit 2 the CFA is rbp-based; bits 0..1 the kind (0: not followed). */
struct entry {
    uint64_t key; /* pc << 1 | (pc is exact, not a return address) */
    uint64_t val;
};

static struct entry *cache;
static int cache_failed;
static uintptr_t own_lo, own_hi;

#define V_VALID (1ull << 63)
#define EPOCH_OF(v) (((v) >> 48) & 0x7fff)
#define KIND_OF(v) ((unsigned)(v) & 3)
#define CFA_RBP(v) (((v) >> 2) & 1)
#define RBP_SAVED(v) (((v) >> 3) & 1)
#define RBP_OFF(v) ((int64_t)(int16_t)((v) >> 8))
#define CFA_OFF(v) ((int64_t)((v) << 16) >> 40)

void lc__walk_init(uintptr_t lo, uintptr_t hi) {
    own_lo = lo;
    own_hi = hi;
    if (!cache && !cache_failed) {
        cache = lc__reserve(CACHE_SIZE * sizeof *cache);
        cache_failed = !cache;
    }
}

static inline uint32_t slot_of(uint64_t key) {
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_BITS));
}

static uint64_t pack(const struct lc_cfi_rule *r, int ok, uint64_t epoch) {
    uint64_t v = V_VALID | (epoch << 48);
    if (!ok || r->cfa_off < -(1 << 23) || r->cfa_off >= (1 << 23))
        return v; /* kind 0: not followed */
    v |= r->kind & 3u;
    v |= (uint64_t)(r->cfa_rbp & 1) << 2;
    v |= (uint64_t)(r->rbp_saved & 1) << 3;
    v |= (uint64_t)(uint16_t)r->rbp_off << 8;
    v |= ((uint64_t)(uint32_t)r->cfa_off & 0xffffff) << 24;
    return v;
}

/* A miss: the rule from .eh_frame, kept for the next walk. Insert-only: a
 * slot's key never changes once set, and its value is published after it
 * (a reader that sees the key before the value treats it as a miss). */
__attribute__((noinline, cold)) static uint64_t rule_miss(uint64_t key, uint64_t epoch) {
    uintptr_t pc = (uintptr_t)(key >> 1);
    struct lc_cfi_rule r = {0};
    int ok = lc__cfi_rule((key & 1) ? pc : pc - 1, &r) == 0;
    uint64_t v = pack(&r, ok, epoch);
    if (!cache)
        return v;
    uint32_t s = slot_of(key);
    for (int i = 0; i < PROBES; i++, s = (s + 1) & (CACHE_SIZE - 1)) {
        uint64_t k = __atomic_load_n(&cache[s].key, __ATOMIC_ACQUIRE);
        if (!k && __atomic_compare_exchange_n(&cache[s].key, &k, key, 0, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE))
            k = key;
        if (k == key) { /* ours, or a racing writer's: the same address */
            __atomic_store_n(&cache[s].val, v, __ATOMIC_RELEASE);
            break;
        }
    }
    return v;
}

static inline uint64_t rule_of(uint64_t key, uint64_t epoch) {
    if (LC_LIKELY(cache != NULL)) {
        uint32_t s = slot_of(key);
        for (int i = 0; i < PROBES; i++, s = (s + 1) & (CACHE_SIZE - 1)) {
            uint64_t k = __atomic_load_n(&cache[s].key, __ATOMIC_ACQUIRE);
            if (k == key) {
                uint64_t v = __atomic_load_n(&cache[s].val, __ATOMIC_ACQUIRE);
                if (LC_LIKELY((v & V_VALID) && EPOCH_OF(v) == epoch))
                    return v;
                break;
            }
            if (!k)
                break;
        }
    }
    return rule_miss(key, epoch);
}

/* The walk proper, from the state at a return into the function that called
 * lc__stack_walk (the entry below passes it). */
__attribute__((noinline, used)) LC_HIDDEN int lc__stack_walk_from(uintptr_t *pcs, int max,
                                                                  uintptr_t rbp, uintptr_t sp,
                                                                  uintptr_t pc) {
    uint64_t epoch = __atomic_load_n(&lc__st.dl_epoch, __ATOMIC_RELAXED) & 0x7fff;
    int n = 0, exact = 0, own = 1;
    while (n < max && pc) {
        if (own && pc - own_lo >= own_hi - own_lo)
            own = 0; /* past leakcheck's hook frames: from here on, kept */
        if (!own)
            pcs[n++] = pc;
        uint64_t v = rule_of((uint64_t)pc << 1 | (uint64_t)exact, epoch);
        switch (KIND_OF(v)) {
        case LC_CFI_FRAME: {
            uintptr_t cfa = (CFA_RBP(v) ? rbp : sp) + (uintptr_t)CFA_OFF(v);
            if (cfa <= sp || cfa - sp > MAX_FRAME)
                return -1;
            if (RBP_SAVED(v))
                rbp = *(const uintptr_t *)(cfa + (uintptr_t)RBP_OFF(v));
            pc = *(const uintptr_t *)(cfa - 8);
            sp = cfa;
            exact = 0;
            break;
        }
        case LC_CFI_SIGNAL: { /* the kernel's frame: a ucontext at sp */
            const ucontext_t *uc = (const ucontext_t *)sp;
            pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
            sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
            rbp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
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

/* int lc__stack_walk(uintptr_t *pcs, int max): hands the caller's state at
 * its return (rbp as it is, the rsp after the return, the return address)
 * to lc__stack_walk_from, without a frame of its own. */
__asm__(".text\n"
        ".globl lc__stack_walk\n"
        ".hidden lc__stack_walk\n"
        ".type lc__stack_walk, @function\n"
        "lc__stack_walk:\n"
        ".cfi_startproc\n"
        "    movq %rbp, %rdx\n"
        "    leaq 8(%rsp), %rcx\n"
        "    movq (%rsp), %r8\n"
        "    jmp lc__stack_walk_from\n"
        ".cfi_endproc\n"
        ".size lc__stack_walk, .-lc__stack_walk\n");

#else

void lc__walk_init(uintptr_t lo, uintptr_t hi) {
    (void)lo;
    (void)hi;
}

int lc__stack_walk(uintptr_t *pcs, int max) {
    (void)pcs;
    (void)max;
    return -1;
}

#endif
