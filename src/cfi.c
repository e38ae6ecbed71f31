/* cfi.c: the unwind rule of one code address, read from its module's
 * .eh_frame (found through PT_GNU_EH_FRAME's sorted table). Called by
 * walk.c on the hook path when its rule cache misses (once per return
 * address): it calls dl_iterate_phdr (the loader's recursive lock, no
 * allocation), takes no lock of ours and never allocates. x86_64 only. */
#include <link.h>
#include <string.h>

#include "cfi.h"

#if defined(__x86_64__)

/* DWARF register numbers on x86_64 */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* ---- reading .eh_frame's encodings ---- */

struct cur {
    const uint8_t *p, *end;
    int bad;
};

static uint64_t uleb(struct cur *c) {
    uint64_t v = 0;
    for (int shift = 0; c->p < c->end && shift < 64; shift += 7) {
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = 1;
    return 0;
}

static int64_t sleb(struct cur *c) {
    int64_t v = 0;
    int shift = 0;
    uint8_t b = 0x80;
    while (c->p < c->end && shift < 64 && (b & 0x80)) {
        b = *c->p++;
        v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    if (b & 0x80) {
        c->bad = 1;
        return 0;
    }
    if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
    return v;
}

static uint64_t fixed(struct cur *c, size_t n) {
    if ((size_t)(c->end - c->p) < n) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    memcpy(&v, c->p, n); /* little-endian */
    c->p += n;
    return v;
}

/* A pointer in encoding enc (DW_EH_PE_*): the format in the low nibble, what
 * it is relative to in bits 4-6; datarel is relative to .eh_frame_hdr. */
static uintptr_t encoded(struct cur *c, uint8_t enc, uintptr_t datarel) {
    if (enc == 0xff)
        return 0; /* omitted */
    uintptr_t at = (uintptr_t)c->p, v;
    switch (enc & 0x0f) {
    case 0x00: v = (uintptr_t)fixed(c, 8); break;
    case 0x01: v = (uintptr_t)uleb(c); break;
    case 0x02: v = (uintptr_t)fixed(c, 2); break;
    case 0x03: v = (uintptr_t)fixed(c, 4); break;
    case 0x04: v = (uintptr_t)fixed(c, 8); break;
    case 0x09: v = (uintptr_t)sleb(c); break;
    case 0x0a: v = (uintptr_t)(int64_t)(int16_t)fixed(c, 2); break;
    case 0x0b: v = (uintptr_t)(int64_t)(int32_t)fixed(c, 4); break;
    case 0x0c: v = (uintptr_t)fixed(c, 8); break;
    default: c->bad = 1; return 0;
    }
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += at; break;
    case 0x30: v += datarel; break;
    default: c->bad = 1; return 0;
    }
    if (enc & 0x80) /* indirect: never seen for code addresses */
        c->bad = 1;
    return v;
}

/* ---- finding the FDE ---- */

struct find {
    uintptr_t pc;
    const uint8_t *hdr; /* .eh_frame_hdr of the module holding pc */
};

static int find_module(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    struct find *f = arg;
    const uint8_t *hdr = NULL;
    int inside = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && f->pc >= lo && f->pc - lo < ph->p_memsz)
            inside = 1;
        else if (ph->p_type == PT_GNU_EH_FRAME)
            hdr = (const uint8_t *)lo;
    }
    if (!inside)
        return 0;
    f->hdr = hdr;
    return 1;
}

/* The FDE whose range holds pc, by binary search of .eh_frame_hdr's table of
 * (initial location, FDE) pairs; NULL when there is none. */
static const uint8_t *fde_of(uintptr_t pc) {
    struct find f = {pc, NULL};
    if (!dl_iterate_phdr(find_module, &f) || !f.hdr)
        return NULL;
    const uint8_t *h = f.hdr;
    /* version 1; the table must be datarel sdata4 pairs with a udata4 count */
    if (h[0] != 1 || h[2] != 0x03 || h[3] != 0x3b)
        return NULL;
    struct cur c = {h + 4, h + 64, 0};
    encoded(&c, h[1], (uintptr_t)h); /* .eh_frame itself: not needed */
    uint32_t count = (uint32_t)fixed(&c, 4);
    if (c.bad)
        return NULL;
    const int32_t *tab = (const int32_t *)c.p;
    uint32_t lo = 0, hi = count;
    while (lo < hi) { /* the last entry starting at or before pc */
        uint32_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)h + tab[2 * mid] <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? h + tab[2 * (lo - 1) + 1] : NULL;
}

/* ---- the CIE and the FDE ---- */

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint8_t fde_enc;
    int has_aug_len, signal;
    struct cur insns;
};

static int parse_cie(const uint8_t *p, struct cie *ci) {
    uint32_t len;
    memcpy(&len, p, 4);
    if (len == 0 || len == 0xffffffffu)
        return -1; /* a terminator, or 64-bit DWARF: not produced by gcc here */
    struct cur c = {p + 4, p + 4 + len, 0};
    if (fixed(&c, 4) != 0)
        return -1; /* not a CIE */
    uint8_t version = (uint8_t)fixed(&c, 1);
    const char *aug = (const char *)c.p;
    size_t alen = strnlen(aug, (size_t)(c.end - c.p));
    c.p += alen + 1;
    if (c.p > c.end || version == 0 || version > 4 || strstr(aug, "eh"))
        return -1;
    if (version == 4)
        c.p += 2; /* address size, segment size */
    ci->code_align = uleb(&c);
    ci->data_align = sleb(&c);
    uint64_t ra = version == 1 ? fixed(&c, 1) : uleb(&c);
    if (ra != REG_RA)
        return -1;
    ci->fde_enc = 0; /* absptr */
    ci->has_aug_len = aug[0] == 'z';
    ci->signal = 0;
    const uint8_t *aug_end = c.end;
    if (ci->has_aug_len) {
        uint64_t n = uleb(&c);
        aug_end = c.p + n;
    }
    for (const char *a = aug + ci->has_aug_len; *a && !c.bad; a++) {
        if (*a == 'R') {
            ci->fde_enc = (uint8_t)fixed(&c, 1);
        } else if (*a == 'L') {
            fixed(&c, 1);
        } else if (*a == 'P') {
            uint8_t enc = (uint8_t)fixed(&c, 1);
            encoded(&c, enc & 0x7f, 0); /* the personality routine: skipped */
        } else if (*a == 'S') {
            ci->signal = 1;
        } else if (!ci->has_aug_len) {
            return -1; /* unknown and not skippable */
        } else {
            break; /* 'z' lets us skip what we do not know */
        }
    }
    if (c.bad || aug_end > c.end)
        return -1;
    c.p = aug_end;
    ci->insns = c;
    return 0;
}

/* ---- the rule row at pc ---- */

/* How a register of the caller is found: unchanged, saved at CFA+off, or in
 * a way this reader does not follow. */
enum { R_SAME, R_OFFSET, R_UNDEF, R_OTHER };
struct regrule {
    uint8_t how;
    int64_t off;
};
struct row {
    int cfa_reg, cfa_other; /* cfa_other: an expression */
    int64_t cfa_off;
    struct regrule rbp, ra;
};

#define STATE_DEPTH 8

struct interp {
    struct row row, init; /* init: after the CIE's instructions (DW_CFA_restore) */
    struct row saved[STATE_DEPTH];
    int nsaved;
    uintptr_t loc, target;
    const struct cie *ci;
};

static struct regrule *reg_of(struct row *r, uint64_t reg) {
    return reg == REG_RBP ? &r->rbp : reg == REG_RA ? &r->ra : NULL;
}

static void set_reg(struct interp *in, uint64_t reg, uint8_t how, int64_t off) {
    struct regrule *rr = reg_of(&in->row, reg);
    if (rr) {
        rr->how = how;
        rr->off = off;
    } else if (reg == REG_RSP && how != R_SAME) {
        in->row.cfa_other = 1; /* rsp other than the CFA: not followed */
    }
}

static void restore_reg(struct interp *in, uint64_t reg) {
    struct regrule *rr = reg_of(&in->row, reg);
    if (rr)
        *rr = *reg_of(&in->init, reg);
}

static void skip_block(struct cur *c) {
    uint64_t n = uleb(c);
    if (n > (uint64_t)(c->end - c->p))
        c->bad = 1;
    else
        c->p += n;
}

/* Runs instructions until the location passes the target; 1 to stop there. */
static int advance(struct interp *in, uint64_t delta) {
    uintptr_t next = in->loc + delta * in->ci->code_align;
    if (next > in->target)
        return 1;
    in->loc = next;
    return 0;
}

/* One instruction; returns 1 when the row for the target is complete. */
static int step(struct interp *in, struct cur *c) {
    uint8_t op = (uint8_t)fixed(c, 1);
    uint64_t reg;
    int64_t da = in->ci->data_align;
    switch (op & 0xc0) {
    case 0x40: return advance(in, op & 0x3f);
    case 0x80: set_reg(in, op & 0x3f, R_OFFSET, (int64_t)uleb(c) * da); return 0;
    case 0xc0: restore_reg(in, op & 0x3f); return 0;
    }
    switch (op) {
    case 0x00: return 0;                                /* nop */
    case 0x01: c->bad = 1; return 1;                    /* set_loc: not emitted by gcc */
    case 0x02: return advance(in, fixed(c, 1));
    case 0x03: return advance(in, fixed(c, 2));
    case 0x04: return advance(in, fixed(c, 4));
    case 0x05: reg = uleb(c); set_reg(in, reg, R_OFFSET, (int64_t)uleb(c) * da); return 0;
    case 0x06: restore_reg(in, uleb(c)); return 0;
    case 0x07: set_reg(in, uleb(c), R_UNDEF, 0); return 0;
    case 0x08: set_reg(in, uleb(c), R_SAME, 0); return 0;
    case 0x09: reg = uleb(c); uleb(c); set_reg(in, reg, R_OTHER, 0); return 0;
    case 0x0a:
        if (in->nsaved == STATE_DEPTH) {
            c->bad = 1;
            return 1;
        }
        in->saved[in->nsaved++] = in->row;
        return 0;
    case 0x0b:
        if (in->nsaved == 0) {
            c->bad = 1;
            return 1;
        }
        in->row = in->saved[--in->nsaved];
        return 0;
    case 0x0c:
        in->row.cfa_reg = (int)uleb(c);
        in->row.cfa_off = (int64_t)uleb(c);
        in->row.cfa_other = 0;
        return 0;
    case 0x0d: in->row.cfa_reg = (int)uleb(c); return 0;
    case 0x0e: in->row.cfa_off = (int64_t)uleb(c); return 0;
    case 0x0f: in->row.cfa_other = 1; skip_block(c); return 0;
    case 0x10: reg = uleb(c); skip_block(c); set_reg(in, reg, R_OTHER, 0); return 0;
    case 0x11: reg = uleb(c); set_reg(in, reg, R_OFFSET, sleb(c) * da); return 0;
    case 0x12:
        in->row.cfa_reg = (int)uleb(c);
        in->row.cfa_off = sleb(c) * da;
        in->row.cfa_other = 0;
        return 0;
    case 0x13: in->row.cfa_off = sleb(c) * da; return 0;
    case 0x14: reg = uleb(c); uleb(c); set_reg(in, reg, R_OTHER, 0); return 0;
    case 0x15: reg = uleb(c); sleb(c); set_reg(in, reg, R_OTHER, 0); return 0;
    case 0x16: reg = uleb(c); skip_block(c); set_reg(in, reg, R_OTHER, 0); return 0;
    case 0x2e: uleb(c); return 0; /* GNU_args_size */
    case 0x2f: reg = uleb(c); set_reg(in, reg, R_OFFSET, -(int64_t)uleb(c) * da); return 0;
    default: c->bad = 1; return 1;
    }
}

static int run(struct interp *in, struct cur c) {
    while (c.p < c.end && !c.bad)
        if (step(in, &c))
            break;
    return c.bad ? -1 : 0;
}

/* The row turned into walk.c's rule. */
static int to_rule(const struct row *r, struct lc_cfi_rule *out) {
    if (r->ra.how == R_UNDEF) {
        out->kind = LC_CFI_END;
        return 0;
    }
    if (r->cfa_other || (r->cfa_reg != REG_RSP && r->cfa_reg != REG_RBP) ||
        r->ra.how != R_OFFSET || r->ra.off != -8 || r->rbp.how == R_OTHER ||
        r->rbp.how == R_UNDEF || r->cfa_off < INT32_MIN || r->cfa_off > INT32_MAX ||
        r->rbp.off < INT16_MIN || r->rbp.off > INT16_MAX)
        return -1;
    out->kind = LC_CFI_FRAME;
    out->cfa_rbp = r->cfa_reg == REG_RBP;
    out->cfa_off = (int32_t)r->cfa_off;
    out->rbp_saved = r->rbp.how == R_OFFSET;
    out->rbp_off = (int16_t)(r->rbp.how == R_OFFSET ? r->rbp.off : 0);
    return 0;
}

int lc__cfi_rule(uintptr_t pc, struct lc_cfi_rule *out) {
    const uint8_t *fde = fde_of(pc);
    if (!fde)
        return -1;
    uint32_t len, cie_off;
    memcpy(&len, fde, 4);
    if (len == 0 || len == 0xffffffffu)
        return -1;
    memcpy(&cie_off, fde + 4, 4);
    if (cie_off == 0)
        return -1; /* a CIE, not an FDE */
    struct cie ci;
    if (parse_cie(fde + 4 - cie_off, &ci) != 0)
        return -1;
    struct cur c = {fde + 8, fde + 4 + len, 0};
    uintptr_t begin = encoded(&c, ci.fde_enc, 0);
    uintptr_t range = encoded(&c, ci.fde_enc & 0x0f, 0);
    if (c.bad || pc < begin || pc - begin >= range)
        return -1;
    if (ci.has_aug_len)
        skip_block(&c);
    if (c.bad)
        return -1;
    if (ci.signal) {
        out->kind = LC_CFI_SIGNAL;
        return 0;
    }
    struct interp in;
    memset(&in, 0, sizeof in);
    in.ci = &ci;
    in.loc = begin;
    in.target = pc;
    in.row.cfa_reg = REG_RSP;
    in.row.rbp.how = R_SAME;
    in.row.ra.how = R_OTHER;
    in.target = ~(uintptr_t)0; /* the CIE's instructions all apply */
    if (run(&in, ci.insns) != 0)
        return -1;
    in.init = in.row;
    in.nsaved = 0;
    in.target = pc;
    in.loc = begin;
    if (run(&in, c) != 0)
        return -1;
    return to_rule(&in.row, out);
}

#else

int lc__cfi_rule(uintptr_t pc, struct lc_cfi_rule *out) {
    (void)pc;
    (void)out;
    return -1;
}

#endif
