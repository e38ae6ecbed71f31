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
 * data) and a block kept in a global are clean. A stale copy in a heap
 * block that was in use at the test's start: a node allocated before the
 * group keeps the address of a block freed before it (a dangling pointer),
 * and the test's malloc of that size gets the address back; the block it
 * drops is a leak. Twins: a node whose block the test frees and replaces
 * (the same address stored again, so the node reads unchanged) and a node
 * the test stores a new block in are clean. run_single_run_stale.py checks
 * the verdicts from the JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define DROPPED_SIZE 600 /* a size class nobody else uses in between */

#define ALIASED_SIZE 760  /* three more classes of their own */
#define REPLACED_SIZE 776
#define STORED_SIZE 792

static int first_use_runs, dropped_runs, kept_runs, aliased_runs, replaced_runs, stored_runs;
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

/* Heap nodes made before the group: each holds one block's address. */
struct node {
    uintptr_t block;
    uintptr_t pad[4];
};
static struct node *dangling, *replaced, *stored;

__attribute__((noinline)) static void drop_aliased(void) {
    void *b = malloc(ALIASED_SIZE);
    if ((uintptr_t)b == dangling->block)
        fputs("single_run_stale: the dropped block has the node's dangling address\n", stderr);
    sink = b;
    sink = NULL;
}

static void once_block_aliased_by_node(void **state) {
    (void)state;
    assert_int_equal(++aliased_runs, 1);
    drop_aliased();
}

/* free and malloc of one size: the node gets its old value back */
static void once_block_replaced(void **state) {
    (void)state;
    assert_int_equal(++replaced_runs, 1);
    free((void *)replaced->block);
    replaced->block = (uintptr_t)malloc(REPLACED_SIZE);
}

static void once_block_stored(void **state) {
    (void)state;
    assert_int_equal(++stored_runs, 1);
    stored->block = (uintptr_t)malloc(STORED_SIZE);
}

static struct node *new_node(size_t block_size, int keep) {
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        abort();
    if (block_size) {
        void *b = malloc(block_size);
        n->block = (uintptr_t)b;
        if (!keep)
            free(b); /* n->block dangles */
    }
    return n;
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
        cmocka_unit_test(once_block_aliased_by_node),
        cmocka_unit_test(once_block_replaced),
        cmocka_unit_test(once_block_stored),
    };
    dangling = new_node(ALIASED_SIZE, 0);
    replaced = new_node(REPLACED_SIZE, 1);
    stored = new_node(0, 0);
    leave_stale_copies();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
