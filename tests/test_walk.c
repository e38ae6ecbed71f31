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

int main(void) {
    lc__walk_init(0, 0, 1); /* no frames of ours to leave out; memos on */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_matches_libunwind),
        cmocka_unit_test(walk_respects_max),
        cmocka_unit_test(walk_through_signal_frame),
        cmocka_unit_test(walk_on_thread),
        cmocka_unit_test(walk_through_libc_callback),
        cmocka_unit_test(walk_memo_repeats_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
