/* An unmodified cmocka suite (it links cmocka only, no leakcheck) for the
 * sanitizer runs: run_sanitizers.py builds it with ASan and runs it with
 * LEAKCHECK_CMOCKA=1 and libleakcheck preloaded, as leakcheck_add_test(...
 * CMOCKA) does. The planted leak must be caught naming planted_in_plain, the
 * clean twin must pass. Built with -DCLEAN_ONLY it holds the clean twin
 * alone, for ASan's own leak check (detect_leaks=1), which must pass it; with
 * -DASAN_ERROR a third test reads past a block, and ASan ends the process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static void *volatile sink; /* -O2 keeps every planted allocation */

__attribute__((noinline)) static void planted_in_plain(void) { sink = malloc(40); }

static void plain_leak(void **state) {
    (void)state;
    planted_in_plain();
}

static void plain_clean(void **state) {
    (void)state;
    sink = malloc(40);
    free(sink);
}

#ifdef ASAN_ERROR
static void plain_overflow(void **state) {
    (void)state;
    char *volatile p = malloc(8);
    sink = (void *)(uintptr_t)p[8]; /* heap-buffer-overflow: ASan's report, then its exit */
    free(p);
}
#endif

int main(void) {
#ifdef CLEAN_ONLY
    (void)plain_leak;
    const struct CMUnitTest tests[] = {cmocka_unit_test(plain_clean)};
#elif defined(ASAN_ERROR)
    const struct CMUnitTest tests[] = {cmocka_unit_test(plain_clean),
                                       cmocka_unit_test(plain_overflow)};
#else
    const struct CMUnitTest tests[] = {cmocka_unit_test(plain_leak),
                                       cmocka_unit_test(plain_clean)};
#endif
    return cmocka_run_group_tests(tests, NULL, NULL);
}
