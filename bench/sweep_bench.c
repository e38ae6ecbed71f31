/* The fail sweep's cost: one LEAKCHECK_TEST making 200 allocation calls from
 * 20 distinct sites (10 calls each), every error handled. sweep_bench.sh
 * times the binary without the sweep, with the transient sweep and with both
 * modes, and divides the extra time by the failing runs the JSON counts. */
#include <leakcheck/leakcheck.h>
#include <stdlib.h>
#include <string.h>

extern void *volatile lc_test_sink;

#define SITE(k)                                                                   \
    __attribute__((noinline)) static int site_##k(void) {                         \
        char *p = malloc(16 + (k));                                               \
        if (!p)                                                                   \
            return -1;                                                            \
        memset(p, (k), 16 + (k));                                                 \
        lc_test_sink = p;                                                         \
        free(p);                                                                  \
        return 0;                                                                 \
    }
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7) SITE(8) SITE(9)
SITE(10) SITE(11) SITE(12) SITE(13) SITE(14) SITE(15) SITE(16) SITE(17) SITE(18) SITE(19)

static int (*const sites[20])(void) = {
    site_0,  site_1,  site_2,  site_3,  site_4,  site_5,  site_6,  site_7,  site_8,  site_9,
    site_10, site_11, site_12, site_13, site_14, site_15, site_16, site_17, site_18, site_19,
};

LEAKCHECK_TEST(two_hundred_calls) {
    for (int rep = 0; rep < 10; rep++)
        for (int k = 0; k < 20; k++)
            (void)sites[k]();
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(two_hundred_calls)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
