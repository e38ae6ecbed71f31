/* growth_phrase.c: the exact words of a growth figure, shared by the
 * engine's messages, the findings' summaries and `leakcheck report`: whole
 * blocks and requested bytes per iteration, or "1 block every 3 iterations"
 * where the growth truly is a fraction. Calls only the buffer helpers. Not on
 * the hook path. */
#include <stdint.h>

#include "console.h"
#include "xml.h"

/* One figure's phrase: "+2 blocks" (with per, when whole per iteration),
 * "1 block every 3 iterations", or "+5 blocks in 7 iterations": no fraction
 * that a block count cannot be. total_only: always the last form (the bytes
 * beside a block count that is not whole per iteration). */
static void growth_one(struct lc_buf *b, int64_t total, unsigned n, const char *unit,
                       int plural, const char *per, int total_only) {
    const char *s = plural ? "s" : "";
    long long t = (long long)total;
    if (n == 0 || (!total_only && total % (int64_t)n == 0)) {
        long long k = n ? t / (long long)n : t;
        lc__buf_printf(b, "%+lld %s%s%s", k, unit, k == 1 || k == -1 ? "" : s, per);
    } else if (!total_only && total > 0 && (int64_t)n % total == 0) {
        lc__buf_printf(b, "1 %s every %lld iterations", unit, (long long)n / t);
    } else {
        lc__buf_printf(b, "%+lld %s%s in %u iterations", t, unit, t == 1 || t == -1 ? "" : s,
                       n);
    }
}

void lc__growth_phrase(struct lc_buf *b, int64_t blocks, int64_t bytes, unsigned n,
                       int brief) {
    const char *per = brief ? "/iter" : " per iteration";
    int whole_blocks = n == 0 || blocks % (int64_t)n == 0;
    int whole = whole_blocks && (n == 0 || bytes % (int64_t)n == 0);
    growth_one(b, blocks, n, "block", 1, whole && !brief ? "" : per, 0);
    lc__buf_puts(b, ", ");
    /* 3 blocks of 8 KiB in 8 iterations are "+24576 B in 8 iterations", never
     * "+3072 B per iteration", which reads as a 3 KiB block */
    growth_one(b, bytes, n, "B", 0, per, !whole_blocks);
}

