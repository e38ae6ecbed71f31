/* long_failure.c: a plain cmocka binary (no leakcheck code) whose leaky test
 * grows at five sites behind long function names, as tpm2-tools' eventlog
 * tests did behind OpenSSL's EVP_MD_CTX_new: leakcheck's failure message is
 * longer than the 1024 bytes cmocka 1.1 prints of it. run_long_failure.py
 * checks that cmocka's "[  ERROR   ]" block still ends with its "[   LINE
 * ]" location and a newline, that the cut stacks are counted in "... N more
 * in the reports", that the JSON keeps all five, and that the twin is clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#define SITES 5
static void *volatile kept[4096];
static size_t nkept;
static void *volatile sink;

static void keep(void *p) {
    if (nkept < sizeof kept / sizeof kept[0])
        kept[nkept++] = p;
}

/* Five allocation sites, each behind a two-level call chain of long names. */
#define SITE(n)                                                                    \
    __attribute__((noinline)) static void                                        \
    allocate_context_for_the_planted_growth_number_##n(int leak) {               \
        void *p = malloc(24 + 8 * n);                                            \
        sink = p;                                                                \
        if (leak)                                                                \
            keep(p);                                                             \
        else                                                                     \
            free(p);                                                             \
    }                                                                            \
    __attribute__((noinline)) static void                                        \
    digest_extend_through_a_long_library_call_chain_##n(int leak) {              \
        allocate_context_for_the_planted_growth_number_##n(leak);                \
        sink = NULL;                                                             \
    }
SITE(1)
SITE(2)
SITE(3)
SITE(4)
SITE(5)

__attribute__((noinline)) static void extend_every_site(int leak) {
    digest_extend_through_a_long_library_call_chain_1(leak);
    digest_extend_through_a_long_library_call_chain_2(leak);
    digest_extend_through_a_long_library_call_chain_3(leak);
    digest_extend_through_a_long_library_call_chain_4(leak);
    digest_extend_through_a_long_library_call_chain_5(leak);
}

static void eventlog_replay_keeps_a_context_at_five_sites(void **state) {
    (void)state;
    extend_every_site(1);
}

static void eventlog_replay_frees_every_context(void **state) {
    (void)state;
    extend_every_site(0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eventlog_replay_keeps_a_context_at_five_sites),
        cmocka_unit_test(eventlog_replay_frees_every_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
