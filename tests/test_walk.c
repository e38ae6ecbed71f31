/* test_walk.c: the cached-CFA stack walker (src/walk.c, src/cfi.c) gives
 * unw_backtrace's addresses, and follows every frame itself: C frames with and
 * without an rbp-based CFA, signal frames (own and alternate stack), a thread,
 * libc callbacks, a depth bound; and its memo repeats only exact repeats. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "unwind.h"

#define MAXF 128

struct cmp {
    int walked, unwound, same;
};

/* Both unwinders from the same function: their first entries are its two
 * call sites; everything after must be equal. */
__attribute__((noinline)) static struct cmp compare_here(int max) {
    uintptr_t a[MAXF];
    void *b[MAXF];
    struct cmp c;
    uint32_t tag;
    c.walked = lc__stack_walk(a, max, &tag);
    c.unwound = unw_backtrace(b, max);
    c.same = c.walked == c.unwound && c.walked > 1;
    for (int i = 1; c.same && i < c.walked; i++)
        if (a[i] != (uintptr_t)b[i]) {
            fprintf(stderr, "frame %d: walker %#lx, libunwind %#lx\n", i, (unsigned long)a[i],
                    (unsigned long)b[i]);
            c.same = 0;
        }
    if (!c.same)
        fprintf(stderr, "walker %d frames, libunwind %d\n", c.walked, c.unwound);
    __asm__ volatile("" ::: "memory");
    return c;
}

static volatile int sink;
static struct cmp result;
static int bound = MAXF;

/* Frames of both kinds: odd depths with a VLA (CFA on rbp), even without. */
__attribute__((noinline)) static void chain(int depth);

__attribute__((noinline)) static void with_vla(int depth) {
    volatile char vla[16 + (depth & 7)];
    vla[0] = (char)depth;
    chain(depth - 1);
    sink += vla[0];
}

__attribute__((noinline)) static void chain(int depth) {
    if (depth <= 0) {
        result = compare_here(bound);
    } else if (depth & 1) {
        with_vla(depth);
    } else {
        chain(depth - 1);
    }
    sink++; /* no tail call */
}

static void assert_same(void) {
    assert_true(result.walked >= 0); /* followed by the walker itself */
    assert_true(result.same);
}

static void walk_matches_libunwind(void **state) {
    (void)state;
    chain(9);
    assert_same();
    chain(40); /* deeper than 16, the default capture depth */
    assert_same();
    chain(40); /* the second walk reads every rule from the cache */
    assert_same();
}

static void walk_respects_max(void **state) {
    (void)state;
    bound = 5;
    chain(20);
    bound = MAXF;
    assert_int_equal(result.walked, 5);
    assert_true(result.same);
}

static void on_signal(int sig) {
    (void)sig;
    chain(6);
}

static void walk_through_signal_frame(void **state) {
    (void)state;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    memset(&result, 0, sizeof result);
    raise(SIGUSR1);
    assert_same();

    /* the handler on an alternate stack: the walk jumps back to the main one */
    stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16, .ss_flags = 0};
    assert_non_null(ss.ss_sp);
    assert_int_equal(sigaltstack(&ss, NULL), 0);
    sa.sa_flags = SA_ONSTACK;
    assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);
    memset(&result, 0, sizeof result);
    raise(SIGUSR1);
    assert_same();
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    free(ss.ss_sp);
    sigaction(SIGUSR1, &old, NULL);
}

static void *thread_main(void *arg) {
    (void)arg;
    chain(12);
    return NULL;
}

static void walk_on_thread(void **state) {
    (void)state;
    pthread_t t;
    memset(&result, 0, sizeof result);
    assert_int_equal(pthread_create(&t, NULL, thread_main, NULL), 0);
    pthread_join(t, NULL);
    assert_same();
}

static int cmp_int(const void *a, const void *b) {
    chain(3);
    return *(const int *)a - *(const int *)b;
}

/* qsort's frames are libc's own (compiled by Debian, no frame pointer). */
static void walk_through_libc_callback(void **state) {
    (void)state;
    int v[] = {3, 1, 2};
    qsort(v, 3, sizeof v[0], cmp_int);
    assert_same();
}

/* The memo: a tagged walk repeated from the same place is LC_WALK_SAME with
 * its tag; the same place reached through another caller is walked again. */
static int memo_rc;
static uint32_t memo_tag;
__attribute__((noinline)) static void walk_tagged(uint32_t tag) {
    uintptr_t a[MAXF];
    memo_rc = lc__stack_walk(a, 16, &memo_tag);
    if (memo_rc >= 0)
        lc__walk_tag(tag);
    __asm__ volatile("" ::: "memory");
}
__attribute__((noinline)) static void caller_one(void) {
    walk_tagged(7);
    sink++;
}
__attribute__((noinline)) static void caller_two(void) {
    walk_tagged(8);
    sink++;
}

static void walk_memo_repeats_exactly(void **state) {
    (void)state;
    int rc[3];
    uint32_t tag[3];
    for (volatile int i = 0; i < 3; i++) { /* one call site for all three */
        caller_one();
        rc[i] = memo_rc;
        tag[i] = memo_tag;
    }
    assert_true(rc[0] > 0); /* the first walk is a walk */
    assert_int_equal(rc[1], LC_WALK_SAME);
    assert_int_equal(tag[1], 7);
    assert_int_equal(rc[2], LC_WALK_SAME);
    assert_int_equal(tag[2], 7);
    for (volatile int i = 0; i < 2; i++) { /* same depth, another return address */
        caller_two();
        rc[i] = memo_rc;
        tag[i] = memo_tag;
    }
    assert_true(rc[0] > 0);
    assert_int_equal(rc[1], LC_WALK_SAME);
    assert_int_equal(tag[1], 8);
}

/* 64 call sites of one function, each its own return address: fanout(d)
 * recurses through site d % 64. */
static volatile int fan_sink, fan_walked;
__attribute__((noinline)) static void fanout(int d) {
    if (d < 0) {
        uintptr_t a[MAXF];
        uint32_t tag;
        fan_walked = lc__stack_walk(a, MAXF, &tag);
        return;
    }
    switch (d % 64) {
    case 0: fanout(d - 1); fan_sink = 0; break;
    case 1: fanout(d - 1); fan_sink = 1; break;
    case 2: fanout(d - 1); fan_sink = 2; break;
    case 3: fanout(d - 1); fan_sink = 3; break;
    case 4: fanout(d - 1); fan_sink = 4; break;
    case 5: fanout(d - 1); fan_sink = 5; break;
    case 6: fanout(d - 1); fan_sink = 6; break;
    case 7: fanout(d - 1); fan_sink = 7; break;
    case 8: fanout(d - 1); fan_sink = 8; break;
    case 9: fanout(d - 1); fan_sink = 9; break;
    case 10: fanout(d - 1); fan_sink = 10; break;
    case 11: fanout(d - 1); fan_sink = 11; break;
    case 12: fanout(d - 1); fan_sink = 12; break;
    case 13: fanout(d - 1); fan_sink = 13; break;
    case 14: fanout(d - 1); fan_sink = 14; break;
    case 15: fanout(d - 1); fan_sink = 15; break;
    case 16: fanout(d - 1); fan_sink = 16; break;
    case 17: fanout(d - 1); fan_sink = 17; break;
    case 18: fanout(d - 1); fan_sink = 18; break;
    case 19: fanout(d - 1); fan_sink = 19; break;
    case 20: fanout(d - 1); fan_sink = 20; break;
    case 21: fanout(d - 1); fan_sink = 21; break;
    case 22: fanout(d - 1); fan_sink = 22; break;
    case 23: fanout(d - 1); fan_sink = 23; break;
    case 24: fanout(d - 1); fan_sink = 24; break;
    case 25: fanout(d - 1); fan_sink = 25; break;
    case 26: fanout(d - 1); fan_sink = 26; break;
    case 27: fanout(d - 1); fan_sink = 27; break;
    case 28: fanout(d - 1); fan_sink = 28; break;
    case 29: fanout(d - 1); fan_sink = 29; break;
    case 30: fanout(d - 1); fan_sink = 30; break;
    case 31: fanout(d - 1); fan_sink = 31; break;
    case 32: fanout(d - 1); fan_sink = 32; break;
    case 33: fanout(d - 1); fan_sink = 33; break;
    case 34: fanout(d - 1); fan_sink = 34; break;
    case 35: fanout(d - 1); fan_sink = 35; break;
    case 36: fanout(d - 1); fan_sink = 36; break;
    case 37: fanout(d - 1); fan_sink = 37; break;
    case 38: fanout(d - 1); fan_sink = 38; break;
    case 39: fanout(d - 1); fan_sink = 39; break;
    case 40: fanout(d - 1); fan_sink = 40; break;
    case 41: fanout(d - 1); fan_sink = 41; break;
    case 42: fanout(d - 1); fan_sink = 42; break;
    case 43: fanout(d - 1); fan_sink = 43; break;
    case 44: fanout(d - 1); fan_sink = 44; break;
    case 45: fanout(d - 1); fan_sink = 45; break;
    case 46: fanout(d - 1); fan_sink = 46; break;
    case 47: fanout(d - 1); fan_sink = 47; break;
    case 48: fanout(d - 1); fan_sink = 48; break;
    case 49: fanout(d - 1); fan_sink = 49; break;
    case 50: fanout(d - 1); fan_sink = 50; break;
    case 51: fanout(d - 1); fan_sink = 51; break;
    case 52: fanout(d - 1); fan_sink = 52; break;
    case 53: fanout(d - 1); fan_sink = 53; break;
    case 54: fanout(d - 1); fan_sink = 54; break;
    case 55: fanout(d - 1); fan_sink = 55; break;
    case 56: fanout(d - 1); fan_sink = 56; break;
    case 57: fanout(d - 1); fan_sink = 57; break;
    case 58: fanout(d - 1); fan_sink = 58; break;
    case 59: fanout(d - 1); fan_sink = 59; break;
    case 60: fanout(d - 1); fan_sink = 60; break;
    case 61: fanout(d - 1); fan_sink = 61; break;
    case 62: fanout(d - 1); fan_sink = 62; break;
    case 63: fanout(d - 1); fan_sink = 63; break;
    }
}

/* Every dlclose starts a new epoch of cached rules: a library opened and
 * closed in every test (OpenSC's pcsclite) once filled the cache with stale
 * entries until every frame was a miss. After more epochs than the cache has
 * slots for, a walk is read once, then hits. */
static void walk_cache_after_many_epochs(void **state) {
    (void)state;
    lc__walk_init(0, 0, 0); /* no memo: every walk looks its rules up */
    uint64_t miss[2] = {0, 0};
    for (volatile int e = 0; e < 1202; e++) { /* one call site of fanout */
        if (e <= 1200) /* 1200 epochs, and a last one walked twice */
            __atomic_add_fetch(&lc__st.dl_epoch, 1, __ATOMIC_RELAXED);
        if (e >= 1200)
            miss[e - 1200] = lc__walk_misses();
        fanout(63);
        if (e >= 1200)
            miss[e - 1200] = lc__walk_misses() - miss[e - 1200];
    }
    lc__walk_init(0, 0, 1);
    assert_true(fan_walked > 64);
    assert_true(miss[0] >= 64); /* a new epoch: the first walk reads every rule again */
    assert_int_equal(miss[1], 0); /* the second finds them all cached */
}

int main(void) {
    lc__walk_init(0, 0, 1); /* no frames of ours to leave out; memos on */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_matches_libunwind),
        cmocka_unit_test(walk_respects_max),
        cmocka_unit_test(walk_through_signal_frame),
        cmocka_unit_test(walk_on_thread),
        cmocka_unit_test(walk_through_libc_callback),
        cmocka_unit_test(walk_memo_repeats_exactly),
        cmocka_unit_test(walk_cache_after_many_epochs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
