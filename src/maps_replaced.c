/* maps_replaced.c: mappings made before a scope that its code unmapped, so
 * that a single run's judge can tell a remap (sysrepo's sr_shm_remap: munmap
 * the old mapping of a shared-memory file, grow the file, mmap it again) from
 * a mapping left behind. munmap's wrapper notes the file of each such range
 * (hook path: a readlink of /proc/self/map_files, no allocation, no lock) in
 * a small ring; the findings match a left mapping of the same file against
 * it at report time. Called by maps.c and findings.c. */
#include <stdint.h>
#include <unistd.h>

#include "internal.h"
#include "maps.h"

#define RING 64u /* a single run's unmaps of earlier mappings; older ones drop out */

struct unmapped {
    uint32_t state; /* 0 free, 1 busy, 2 set */
    uint32_t gen, iteration;
    uint64_t file; /* hash of the file's path */
};

static struct unmapped ring[RING];
static uint32_t next;

/* "/proc/self/map_files/START-END" for the mapping [a, b) into p. */
LC_HOOK_TEXT static void map_files_path(char *p, uintptr_t a, uintptr_t b) {
    static const char pre[] = "/proc/self/map_files/";
    const char *hex = "0123456789abcdef";
    size_t n = 0;
    for (; pre[n]; n++)
        p[n] = pre[n];
    for (int k = 0; k < 2; k++) {
        uintptr_t v = k ? b : a;
        char d[2 * sizeof v];
        int m = 0;
        do
            d[m++] = hex[v & 15];
        while (v >>= 4);
        while (m)
            p[n++] = d[--m];
        p[n++] = k ? '\0' : '-';
    }
}

/* A hash of the path of the file mapped exactly at [a, a+len), 0 when it is
 * not one whole file mapping. */
LC_HOOK_TEXT uint64_t lc__maps_file_id(uintptr_t a, size_t len) {
    char path[64], target[512];
    map_files_path(path, a, a + ((len + 4095) & ~(size_t)4095));
    ssize_t n = readlink(path, target, sizeof target);
    if (n <= 0 || n == (ssize_t)sizeof target)
        return 0;
    uint64_t h = 1469598103934665603ull;
    for (ssize_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)target[i]) * 1099511628211ull;
    return h ? h : 1;
}

LC_HOOK_TEXT void lc__maps_note_unmap(uintptr_t a, size_t len) {
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    if (lc__tls.guard || !len || !lc__thread_attributed(gen))
        return;
    uint64_t file = lc__maps_file_id(a, len);
    if (!file)
        return;
    struct unmapped *u = &ring[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % RING];
    uint32_t was = __atomic_load_n(&u->state, __ATOMIC_RELAXED);
    if (was == 1 || !__atomic_compare_exchange_n(&u->state, &was, 1, 0, __ATOMIC_ACQUIRE,
                                                 __ATOMIC_RELAXED))
        return; /* another thread is writing it: this unmap is not remembered */
    u->gen = gen;
    u->iteration = __atomic_load_n(&lc__st.iteration, __ATOMIC_RELAXED);
    u->file = file;
    __atomic_store_n(&u->state, 2, __ATOMIC_RELEASE);
}

int lc__maps_replaced(uint32_t gen, uint32_t end, uintptr_t start, size_t len) {
    uint64_t file = lc__maps_file_id(start, len);
    if (!file)
        return 0;
    for (uint32_t i = 0; i < RING; i++) {
        struct unmapped *u = &ring[i];
        uint32_t set = 2;
        if (__atomic_load_n(&u->state, __ATOMIC_ACQUIRE) != 2 || u->gen != gen ||
            u->iteration >= end || u->file != file)
            continue;
        if (__atomic_compare_exchange_n(&u->state, &set, 0, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return 1; /* each unmap accounts for one mapping */
    }
    return 0;
}
