/* pprof_leaky.c: a program with planted leaks for the pprof tests under
 * `leakcheck run`: pp_make_record leaks 3 blocks of 100 bytes through an
 * inlined helper (one location, two lines); with the argument "more",
 * pp_make_extra also leaks 2 blocks of 1000 bytes, the exact difference the
 * -base test looks for. Everything else it allocates is freed. */
#include <stdlib.h>
#include <string.h>

void *volatile pp_sink;

static inline __attribute__((always_inline)) void *pp_inline_alloc(size_t n) {
    void *p = malloc(n); /* pp-inline-line */
    memset(p, 0x5a, n);
    return p;
}

__attribute__((noinline)) void *pp_make_record(size_t n) {
    return pp_inline_alloc(n); /* pp-record-line */
}

__attribute__((noinline)) void *pp_make_extra(size_t n) {
    void *p = malloc(n); /* pp-extra-line */
    memset(p, 0x6b, n);
    return p;
}

__attribute__((noinline)) static void pp_churn(void) {
    for (int i = 0; i < 10; i++) {
        pp_sink = malloc(64);
        free(pp_sink);
    }
    pp_sink = NULL;
}

int main(int argc, char **argv) {
    pp_churn();
    for (int i = 0; i < 3; i++)
        pp_sink = pp_make_record(100);
    if (argc > 1 && strcmp(argv[1], "more") == 0)
        for (int i = 0; i < 2; i++)
            pp_sink = pp_make_extra(1000);
    return 0;
}
