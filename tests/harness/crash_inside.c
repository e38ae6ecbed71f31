/* A crash inside leakcheck's own critical section: this program defines mmap
 * (it interposes libc's for every PLT caller, libleakcheck's lc__mmap among
 * them) and makes the next call crash once armed. The block table grows its
 * shard with lc__mmap while holding the shard's lock, so the SIGSEGV lands
 * with the hook guard up and a lock of ours held; cmocka recovers by longjmp.
 * argv[1] "first": armed in the test's first run; "later": in its second
 * iteration (the engine's own landing). run_crash_inside.py checks that the
 * process ends, names the test and keeps the reports. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

extern void *volatile lc_test_sink;

static volatile int crash_next_mmap;
static int arm_in_call = 1; /* the test body's call that arms the crash */

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    if (crash_next_mmap) {
        crash_next_mmap = 0;
        *(volatile int *)lc_test_sink = 1; /* lc_test_sink is NULL here */
    }
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

LEAKCHECK_TEST(clean_before) { free(malloc(32)); }

#define NBLOCKS 2000000
static void *blocks[NBLOCKS];
static int calls;
LEAKCHECK_TEST(crashes_in_leakcheck) {
    if (++calls == arm_in_call) {
        lc_test_sink = NULL;
        crash_next_mmap = 1;
    }
    /* enough live blocks that some shard of the table must grow (in "later"
     * mode more than in the first run, whose size the table keeps) */
    int n = arm_in_call == 1 ? NBLOCKS : calls < 2 ? NBLOCKS / 4 : NBLOCKS;
    for (int i = 0; i < n; i++)
        blocks[i] = malloc(16);
    for (int i = 0; i < n; i++)
        free(blocks[i]);
}

LEAKCHECK_TEST(never_reached) { free(malloc(8)); }

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "later") == 0)
        arm_in_call = 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_before),
        cmocka_unit_test(crashes_in_leakcheck),
        cmocka_unit_test(never_reached),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
