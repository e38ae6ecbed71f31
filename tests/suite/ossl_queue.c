/* ossl_queue.c: a plain cmocka binary (no leakcheck code) filling OpenSSL's
 * real per-thread error queue (16 entries) with errors nobody clears, one every
 * few calls: it grows at a steady period for longer than a test's iterations.
 * A twin also leaks a buffer beside each error. run_ossl_queue.py runs it in
 * both cmocka modes: the queue is clean, the twin's leak is named alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#define QUEUE_PERIOD 5 /* an error every 5th call: the queue fills in 80 calls */

static void *volatile sink;
static unsigned calls_fill, calls_leak, calls_data;

/* Parses "key:VALUE"; anything else raises an error with a formatted text
 * (ERR_new, ERR_set_debug, ERR_vset_error). */
__attribute__((noinline)) static int key_check(const char *text, unsigned call) {
    if (call % QUEUE_PERIOD == 0 || strncmp(text, "key:", 4) != 0) {
        ERR_raise_data(ERR_LIB_USER, 100, "not a key: '%.20s' (call %u)", text, call);
        return -1;
    }
    return 0;
}

/* The same with a planted leak: the error path forgets a buffer of its own,
 * allocated through OpenSSL's allocator like the queue's. */
__attribute__((noinline)) static int key_check_leaky(const char *text, unsigned call) {
    char *scratch = OPENSSL_malloc(64);
    sink = scratch;
    if (call % QUEUE_PERIOD == 0 || strncmp(text, "key:", 4) != 0) {
        ERR_raise_data(ERR_LIB_USER, 101, "not a key: '%.20s' (call %u)", text, call);
        return -1; /* planted: scratch is not freed */
    }
    OPENSSL_free(scratch);
    return 0;
}

/* An error whose text is added afterwards (ERR_add_error_data's buffer). */
__attribute__((noinline)) static int file_check(const char *name, unsigned call) {
    if (call % 3 != 0)
        return 0;
    ERR_raise(ERR_LIB_USER, 102);
    ERR_add_error_data(3, "file '", name, "' not found");
    return -1;
}

/* Each test starts with a new queue, as if it ran alone: its first call
 * (a warm-up) frees the thread's error state, whose slots would otherwise
 * keep the buffers the previous test gave them. */
static unsigned fresh(unsigned *calls) {
    if (++*calls == 1)
        OPENSSL_thread_stop();
    return *calls;
}

static void queue_fill_clean(void **state) {
    (void)state;
    unsigned call = fresh(&calls_fill);
    assert_int_equal(key_check("key:1", call), call % QUEUE_PERIOD == 0 ? -1 : 0);
}

static void queue_fill_leaks(void **state) {
    (void)state;
    unsigned call = fresh(&calls_leak);
    assert_int_equal(key_check_leaky("key:1", call), call % QUEUE_PERIOD == 0 ? -1 : 0);
}

static void queue_data_clean(void **state) {
    (void)state;
    unsigned call = fresh(&calls_data);
    assert_int_equal(file_check("/etc/none", call), call % 3 == 0 ? -1 : 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queue_fill_clean),
        cmocka_unit_test(queue_fill_leaks),
        cmocka_unit_test(queue_data_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
