/* single_run_stale.c: a plain cmocka binary (no leakcheck code) whose tests
 * cannot be repeated (a counter that only the first run passes), so that
 * leakcheck judges each from its single run by a reachability scan, as a
 * suite's tests that create a file with O_EXCL or count callbacks are. A
 * stale copy of a block's address in a live stack slot made a lost block
 * read as reachable: here a block whose address only passed through a
 * register, glibc having handed out the same chunk again after main left
 * copies of its address in the stack that the frames of cmocka's runner and
 * leakcheck's group runner later covered. Twins: OpenSSL's first use in a
 * single run (its one-time state, reachable from its globals and thread
 * data) and a block kept in a global are clean. run_single_run_stale.py
 * checks the verdicts from the JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define DROPPED_SIZE 600 /* a size class nobody else uses in between */

static int first_use_runs, dropped_runs, kept_runs;
static void *volatile sink;
static void *kept;

/* The process's first digest, random bytes and DER error: one-time state. */
static void once_openssl_first_use(void **state) {
    (void)state;
    assert_int_equal(++first_use_runs, 1);
    unsigned char md[32], r[16];
    unsigned int n;
    assert_int_equal(EVP_Digest("abc", 3, md, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(RAND_bytes(r, sizeof r), 1);
    static const unsigned char junk[] = {0x30, 0x82, 0x01, 0x00, 0x02};
    const unsigned char *p = junk;
    assert_null(d2i_AutoPrivateKey(NULL, &p, sizeof junk)); /* errors stay queued */
}

__attribute__((noinline)) static void drop_block(void) {
    sink = malloc(DROPPED_SIZE);
    sink = NULL;
}

/* A block whose address is only ever in a register and the sink. */
static void once_block_dropped(void **state) {
    (void)state;
    assert_int_equal(++dropped_runs, 1);
    drop_block();
}

static void once_block_kept(void **state) {
    (void)state;
    assert_int_equal(++kept_runs, 1);
    kept = malloc(DROPPED_SIZE + 8);
}

/* Copies of a freed chunk's address over the stack below main's frame,
 * where cmocka's runner frame comes later; the test's malloc of the same
 * size gets the chunk back. */
__attribute__((noinline)) static void fill_stale(uintptr_t a) {
    void *volatile words[512];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        words[i] = (void *)a;
    sink = (void *)words;
    sink = NULL;
}

__attribute__((noinline)) static void leave_stale_copies(void) {
    void *p = malloc(DROPPED_SIZE);
    uintptr_t a = (uintptr_t)p;
    free(p);
    fill_stale(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(once_block_dropped),
        cmocka_unit_test(once_block_kept),
        cmocka_unit_test(once_openssl_first_use),
    };
    leave_stale_copies();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
