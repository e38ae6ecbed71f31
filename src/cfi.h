/* cfi.h: one code address's unwind rule from .eh_frame (cfi.c), in the
 * form walk.c's cache stores. Hook path (cache misses only): no lock, no
 * allocation. */
#ifndef LC_CFI_H
#define LC_CFI_H

#include <stdint.h>

enum {
    LC_CFI_FRAME = 1, /* an ordinary frame: the rule below */
    LC_CFI_SIGNAL,    /* a signal trampoline: the interrupted state is in a ucontext */
    LC_CFI_END,       /* the return address is undefined: the outermost frame */
};

/* The caller's state from this frame's: CFA = (cfa_rbp ? rbp : rsp) +
 * cfa_off; the return address at CFA-8; the caller's rsp is the CFA; its rbp
 * at CFA+rbp_off when rbp_saved, else unchanged. */
struct lc_cfi_rule {
    uint8_t kind;
    uint8_t cfa_rbp;
    uint8_t rbp_saved;
    int16_t rbp_off;
    int32_t cfa_off;
};

/* The rule in effect at code address pc (for a return address, pass the
 * address of the call: ra - 1). 0, or -1 when pc has no FDE or its rule is
 * one this reader does not follow (a DWARF expression, a register other than
 * rsp or rbp holding the CFA, the return address not at CFA-8). Takes no
 * lock of ours, never allocates. */
int lc__cfi_rule(uintptr_t pc, struct lc_cfi_rule *out);

#endif
