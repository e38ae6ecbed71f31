/* maps_cost: what the mapping wrappers (src/maps.c) add to an mmap + munmap
 * pair of one page: the kernel's own calls (syscall), the wrappers outside a
 * scope (one branch) and inside one (a record with its stack, then its
 * removal). Usage: maps_cost [pairs]; prints ns per pair for each. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <leakcheck/core.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double pairs_raw(long n) {
    double t = now();
    for (long i = 0; i < n; i++) {
        long p = syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        syscall(SYS_munmap, p, 4096);
    }
    return (now() - t) * 1e9 / (double)n;
}

static double pairs_wrapped(long n) {
    double t = now();
    for (long i = 0; i < n; i++) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(p, 4096);
    }
    return (now() - t) * 1e9 / (double)n;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    if (n < 1)
        n = 1;
    double raw = pairs_raw(n), outside = pairs_wrapped(n);
    if (lc_scope_begin(NULL) != 0)
        return 1;
    double inside = pairs_wrapped(n);
    lc_scope_end();
    printf("pairs: %ld\nsyscall: %.0f ns\nwrapper outside a scope: %.0f ns\n"
           "wrapper inside a scope (with stacks): %.0f ns\n",
           n, raw, outside, inside);
    return 0;
}
