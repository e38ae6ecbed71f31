/* maps.h: memory mappings made by the code under test (maps.c), the fourth
 * resource beside blocks, threads and fds. The wrappers of mmap, mmap64,
 * munmap, mremap, shmat and shmdt record each mapping made inside a scope in a
 * side table; munmap forgets or splits records, a range never seen passes
 * through. Readers (the engine's series and findings, leakcheck run's record)
 * run at report time with the guard up. */
#ifndef LC_MAPS_H
#define LC_MAPS_H

#include <stddef.h>
#include <stdint.h>

struct lc_map_rec {
    uintptr_t start;
    uint64_t len;
    int prot;           /* PROT_* */
    int flags;          /* MAP_* as given (MAP_SHARED for a shmat segment) */
    int fd;             /* -1: anonymous */
    int shm;            /* 1: a System V segment (shmat) */
    uint32_t stack;     /* depot id of the call, 0 when stacks are off */
    uint32_t iteration; /* lc__st.iteration when it was made */
};

/* gen for the readers below: every generation (leakcheck run at exit, whose
 * nested test scopes each had their own). */
#define LC_MAPS_ANY_GEN 0xffffffffu

/* Live mappings of scope generation gen made in iterations >= first: how
 * many and their bytes. */
void lc__maps_totals(uint32_t gen, uint32_t first, uint64_t *count, uint64_t *bytes);
/* Copies up to max live records of generation gen (iterations >= first) into
 * out, sorted by start; returns how many there are (may exceed max). */
size_t lc__maps_list(uint32_t gen, uint32_t first, struct lc_map_rec *out, size_t max);
/* The path of the file mapped at addr (from /proc/self/maps) into buf, or ""
 * for an anonymous mapping. Report time. */
void lc__maps_file(uintptr_t addr, char *buf, size_t len);
/* "rw-p" style text of prot and flags into buf (5 bytes). */
void lc__maps_prot(int prot, int flags, char buf[5]);
/* Mappings that could not be recorded (the table was full), ever. */
uint64_t lc__maps_lost(void);
/* 0 when mmap calls of the program reach our wrappers, else -1 and one line
 * in err (a static binary, another interposer first). */
int lc__maps_observable(char *err, size_t errlen);

/* maps_replaced.c: munmap's wrapper notes a range no record covers (a
 * mapping made before the scope) by the file it maps; lc__maps_replaced says
 * whether the live mapping [start, start+len) of generation gen replaced one
 * of the same file that the scope unmapped in an iteration < end (a remap),
 * and uses that unmap up. lc__maps_file_id: a hash of the file mapped exactly
 * there, 0 for none. */
void lc__maps_note_unmap(uintptr_t a, size_t len);
int lc__maps_replaced(uint32_t gen, uint32_t end, uintptr_t start, size_t len);
uint64_t lc__maps_file_id(uintptr_t a, size_t len);

#endif
