/* reach_early.c: the chunks glibc's main heap held before leakcheck tracked
 * (a constructor that ran before libleakcheck's: GLib's glib_init, GSlice's
 * thread magazine), recorded when `leakcheck run` starts tracking and roots
 * of the scan, as memcheck scans them. Calls reach_proc.c and reach_mem.c;
 * not on the hook path; nothing here mallocs. */
#include <stdint.h>
#include <unistd.h>

#include "internal.h"
#include "reach_early.h"
#include "reach_impl.h"

/* glibc's chunk header: prev_size, then size with PREV_INUSE (1), IS_MMAPPED
 * (2) and NON_MAIN_ARENA (4) in its low bits; the user's memory starts 16
 * bytes in and ends in the next chunk's prev_size word. */
#define CHUNK_HDR 16u
#define CHUNK_MIN 32u
#define SIZE_BITS 7u
#define PREV_INUSE 1u

struct early_chunk {
    uintptr_t chunk;   /* header address */
    uintptr_t size_word; /* the size word as recorded: another size means reused */
};

static struct early_chunk *early;
static size_t nearly, early_cap;
static size_t early_dropped; /* in use at the start, past early_cap */

static uintptr_t word(uintptr_t a) { return *(const uintptr_t *)a; }

/* The main heap's [lo, top): the mapping that holds the program break's last
 * byte. 0 when there is none (nothing from brk yet). */
static int main_heap(uintptr_t *lo, uintptr_t *top) {
    uintptr_t brk = (uintptr_t)sbrk(0);
    struct lc__rangev maps = {0};
    int found = 0;
    if (brk && brk != (uintptr_t)-1 && lc__proc_maps(&maps) == 0) {
        const struct lc__range *m = lc__rangev_find(&maps, brk - 1);
        if (m && (m->flags & (LC__R_READ | LC__R_WRITE)) == (LC__R_READ | LC__R_WRITE) &&
            !(m->flags & LC__R_ANON)) {
            *lo = m->lo;
            *top = brk;
            found = 1;
        }
    }
    lc__rangev_free(&maps);
    lc__rmem_flush();
    return found;
}

/* Walks the chunks from lo to the top chunk. Returns the number of chunks in
 * use, or -1 when the walk does not end exactly at the break (not glibc's
 * heap, or laid out as this walk does not expect): then nothing is kept. */
static long walk(uintptr_t lo, uintptr_t top, int keep) {
    long used = 0;
    uintptr_t c = lo;
    while (c + CHUNK_HDR <= top) {
        uintptr_t size = word(c + 8) & ~(uintptr_t)SIZE_BITS;
        if (size < CHUNK_MIN || size % 16 || size > top - c || (word(c + 8) & 2))
            return -1;
        uintptr_t next = c + size;
        if (next == top)
            return used; /* c is the top chunk: free */
        if (next + CHUNK_HDR > top)
            return -1;
        if (word(next + 8) & PREV_INUSE) {
            if (keep && nearly < early_cap) {
                early[nearly].chunk = c;
                early[nearly++].size_word = word(c + 8);
            } else if (keep) {
                early_dropped++;
            }
            used++;
        }
        c = next;
    }
    return -1;
}

void lc__reach_early_record(void) {
    uintptr_t lo = 0, top = 0;
    if (early || !main_heap(&lo, &top) || lo % 16)
        return;
    long n = walk(lo, top, 0);
    if (n <= 0)
        return;
    early_cap = (size_t)n < LC__EARLY_MAX ? (size_t)n : LC__EARLY_MAX;
    early = lc__mmap(early_cap * sizeof *early);
    if (!early)
        return;
    if (walk(lo, top, 1) < 0) /* nothing ran in between; never half a list */
        nearly = early_dropped = 0;
}

size_t lc__reach_early_count(size_t *dropped) {
    if (dropped)
        *dropped = early_dropped;
    return nearly;
}

/* A chunk is still the one recorded when its size is unchanged and the next
 * chunk still says it is in use (a chunk freed into tcache or a fastbin
 * still says so: its stale words are scanned, a conservative error). Its own
 * PREV_INUSE bit is the chunk before it's: that one's free() clears it (GLib's
 * type nodes read as lost in 1 run of 6 when it counted). Blocks leakcheck
 * tracks inside a root are skipped by the scan (LC__R_NOBLOCKS). */
int lc__reach_early_roots(struct lc__rangev *roots, const struct lc__rangev *maps) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nearly; i++) {
        uintptr_t c = early[i].chunk, size = early[i].size_word & ~(uintptr_t)SIZE_BITS;
        const struct lc__range *m = lc__rangev_find(maps, c);
        if (!m || c + size + CHUNK_HDR > m->hi || !(m->flags & LC__R_READ))
            continue; /* the heap shrank below it */
        uintptr_t mine = ~(uintptr_t)PREV_INUSE; /* the bits that describe c itself */
        uintptr_t now, next; /* guarded reads while a thread that did not stop runs */
        if (!lc__read_word(c + 8, &now) || !lc__read_word(c + size + 8, &next) ||
            (now & mine) != (early[i].size_word & mine) || !(next & PREV_INUSE))
            continue;
        rc = lc__rangev_push(roots, c + CHUNK_HDR, c + size + 8, LC__R_NOBLOCKS);
    }
    return rc;
}
