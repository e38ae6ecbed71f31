/* err_ring.c: a plain cmocka binary (no leakcheck code) whose "library"
 * keeps its errors in a ring of 16 slots, as OpenSSL's per-thread error
 * queue does: each failed parse pushes one malloc'd message and nobody clears
 * the queue, so the heap grows by a block per call until the ring is full (15
 * live) and then stays. run_err_ring.py runs it under LEAKCHECK_CMOCKA=1 and
 * `leakcheck run --cmocka`: the ring is clean, the twin that also leaks its
 * scratch buffer is a leak naming key_parse_leaky and not the ring; a table
 * whose slots get buffers unevenly, the last ones late, is clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define RING_SLOTS 16

static char *ring[RING_SLOTS];
static unsigned ring_top, ring_bottom;
static void *volatile sink;

/* One more error; when the ring is full the oldest one is dropped. */
__attribute__((noinline)) static void err_ring_push(const char *msg) {
    ring_top = (ring_top + 1) % RING_SLOTS;
    if (ring_top == ring_bottom)
        ring_bottom = (ring_bottom + 1) % RING_SLOTS;
    free(ring[ring_top]);
    size_t n = strlen(msg) + 1;
    ring[ring_top] = malloc(n);
    if (ring[ring_top])
        memcpy(ring[ring_top], msg, n);
}

/* Parses "key:VALUE"; anything else is an error left on the ring. */
__attribute__((noinline)) static int key_parse(const char *text) {
    char *scratch = malloc(64);
    sink = scratch;
    int ok = scratch && strncmp(text, "key:", 4) == 0;
    if (!ok)
        err_ring_push("key_parse: not a key");
    free(scratch);
    return ok ? 0 : -1;
}

/* The same with a planted leak: the error path forgets the scratch buffer. */
__attribute__((noinline)) static int key_parse_leaky(const char *text) {
    char *scratch = malloc(64);
    sink = scratch;
    if (!scratch || strncmp(text, "key:", 4) != 0) {
        err_ring_push("key_parse: not a key");
        return -1; /* planted: scratch is not freed */
    }
    free(scratch);
    return 0;
}

/* Buffers given to table slots on first use, as OpenSSL gives its queue's
 * slots their data buffers: the table fills unevenly (a call's slots may be
 * new or not) and the last new slots come late, here in the 17th call. */
static const unsigned char slot_fill[] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 3, 2, 0, 1, 0};
static void *volatile slots[64]; /* volatile: the buffers survive -O2 */
static unsigned slot_calls, slots_used;

__attribute__((noinline)) static void slot_table_touch(void) {
    unsigned n = slot_calls < sizeof slot_fill ? slot_fill[slot_calls] : 0;
    slot_calls++;
    for (unsigned i = 0; i < n && slots_used < 64; i++)
        slots[slots_used++] = malloc(32);
}

static void slot_fill_clean(void **state) {
    (void)state;
    slot_table_touch();
}

static void ring_error_clean(void **state) {
    (void)state;
    assert_int_equal(key_parse("garbage"), -1);
    assert_int_equal(key_parse("key:1"), 0);
}

static void ring_error_leaks(void **state) {
    (void)state;
    assert_int_equal(key_parse_leaky("garbage"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ring_error_clean),
        cmocka_unit_test(ring_error_leaks),
        cmocka_unit_test(slot_fill_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
