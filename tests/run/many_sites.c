/* many_sites.c: a program that loses one block at each of 24 allocation
 * sites, more than the 20 `leakcheck run` lists on the console, as a run of
 * tpm2-tools' eventlog tests with a leak planted did (46 sites).
 * test_run_many_sites.sh checks that the console says where the rest are:
 * the JSON report's path when --json gave one, else the --json option. */
#include <stdlib.h>

static void *volatile sink;

#define SITE(n)                                                                  \
    __attribute__((noinline)) static void lose_block_##n(void) {                \
        sink = malloc(16 + n);                                                 \
        sink = NULL;                                                           \
    }
SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7) SITE(8)
SITE(9) SITE(10) SITE(11) SITE(12) SITE(13) SITE(14) SITE(15) SITE(16)
SITE(17) SITE(18) SITE(19) SITE(20) SITE(21) SITE(22) SITE(23) SITE(24)

int main(void) {
    void (*const lose[])(void) = {
        lose_block_1,  lose_block_2,  lose_block_3,  lose_block_4,  lose_block_5,
        lose_block_6,  lose_block_7,  lose_block_8,  lose_block_9,  lose_block_10,
        lose_block_11, lose_block_12, lose_block_13, lose_block_14, lose_block_15,
        lose_block_16, lose_block_17, lose_block_18, lose_block_19, lose_block_20,
        lose_block_21, lose_block_22, lose_block_23, lose_block_24,
    };
    for (size_t i = 0; i < sizeof lose / sizeof lose[0]; i++)
        lose[i]();
    return 0;
}
