/* kresd_shapes.c: a plain cmocka binary with knot-resolver's unit-test shapes
 * (lib/test_rplan.c, lib/generic/test_trie.c), a group per argv[1]: "loop"
 * (libuv's default loop), "ownloop" (its leaking twin), "outer" (single runs
 * after blocks lost before them), "trie" (a group-state container over a chunk
 * the thread cache handed out). Each passes cmocka alone; run_kresd.py judges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

static void *volatile sink;

/* ---- "loop": kr_rplan_push_query takes uv_now(uv_default_loop()) ---- */

/* The library's call: libuv opens the default loop's epoll fd, signal pipe
 * and async eventfd on the first call and keeps them for the process. */
__attribute__((noinline)) static uint64_t plan_push_stamp(void) {
    return uv_now(uv_default_loop());
}

static void clean_default_loop(void **state) {
    (void)state;
    sink = (void *)(uintptr_t)plan_push_stamp();
}

/* ---- "ownloop": a loop per call, never closed (the leaking twin) ---- */

__attribute__((noinline)) static uv_loop_t *own_loop_open(void) {
    uv_loop_t *loop = malloc(sizeof *loop);
    assert_non_null(loop);
    assert_int_equal(uv_loop_init(loop), 0);
    return loop;
}

static void leak_own_loop(void **state) {
    (void)state;
    sink = own_loop_open();
}

/* ---- "outer": blocks lost before a test that is not repeatable ---- */

__attribute__((noinline)) static void main_loses_block(void) {
    sink = malloc(40);
    sink = NULL; /* lost before any test runs */
}

__attribute__((noinline)) static void *iterator_begin(void) {
    void **it = malloc(62 * sizeof *it);
    assert_non_null(it);
    it[0] = it; /* points into itself, as trie_it_t's stack does */
    return it;
}

/* trie_it_free that forgets the iterator: one block per call */
static void leak_each_call(void **state) {
    (void)state;
    sink = iterator_begin();
}

/* not repeatable, allocating nothing: first after main's lost block, then
 * after a test that lost a block in each of its runs */
static int first_runs, second_runs;
static void once_after_main(void **state) {
    (void)state;
    assert_int_equal(first_runs++, 0);
}
static void once_after_test(void **state) {
    (void)state;
    assert_int_equal(second_runs++, 0);
}

/* ---- "trie": trie_create in the group setup, test_insert fills it ---- */

/* trie_t: its first word is left as malloc returned it (the root node is
 * undefined while the trie is empty) */
struct box {
    uintptr_t undefined_root;
    struct node *head;
    size_t weight;
    uintptr_t spare[3];
};
struct node {
    struct node *next;
    char key[24];
};

/* A 48-byte chunk from glibc's thread cache keeps the cache's (mangled)
 * link to the next free chunk of its size in its first word: free two of
 * the box's size, then take the box. */
__attribute__((noinline)) static struct box *box_create(void) {
    void *a = malloc(sizeof(struct box)), *b = malloc(sizeof(struct box));
    assert_true(a && b);
    sink = a;
    free(b);
    free(a); /* a's first word: the cache's link to b */
    struct box *t = malloc(sizeof *t);
    assert_non_null(t);
    t->head = NULL;
    t->weight = 0;
    return t;
}

static int box_setup(void **state) {
    *state = box_create();
    return 0;
}

static int box_teardown(void **state) {
    struct box *t = *state;
    while (t->head) {
        struct node *n = t->head;
        t->head = n->next;
        free(n);
    }
    free(t);
    return 0;
}

__attribute__((noinline)) static void box_insert(struct box *t, int i) {
    struct node *n = malloc(sizeof *n);
    assert_non_null(n);
    snprintf(n->key, sizeof n->key, "key%d", i);
    n->next = t->head;
    t->head = n;
    t->weight++;
}

/* the inserts stay in the group's container: nothing lost */
static void fill_group_box(void **state) {
    struct box *t = *state;
    assert_int_equal(t->weight, 0); /* not repeatable, as test_insert */
    for (int i = 0; i < 10; i++)
        box_insert(t, i);
}

/* its twin: the nodes go to a container of its own, then dropped */
__attribute__((noinline)) static void fill_lost_box(void) {
    struct box *t = calloc(1, sizeof *t);
    assert_non_null(t);
    for (int i = 0; i < 10; i++)
        box_insert(t, i);
    sink = t;
    sink = NULL;
}

static int lost_runs;
static void fill_box_lost(void **state) {
    (void)state;
    assert_int_equal(lost_runs++, 0);
    fill_lost_box();
}

int main(int argc, char **argv) {
    const char *g = argc > 1 ? argv[1] : "";
    if (!strcmp(g, "loop")) {
        const struct CMUnitTest t[] = {cmocka_unit_test(clean_default_loop)};
        return cmocka_run_group_tests_name("loop", t, NULL, NULL);
    }
    if (!strcmp(g, "ownloop")) {
        const struct CMUnitTest t[] = {cmocka_unit_test(leak_own_loop)};
        return cmocka_run_group_tests_name("ownloop", t, NULL, NULL);
    }
    if (!strcmp(g, "outer")) {
        main_loses_block();
        const struct CMUnitTest t[] = {cmocka_unit_test(once_after_main),
                                       cmocka_unit_test(leak_each_call),
                                       cmocka_unit_test(once_after_test)};
        return cmocka_run_group_tests_name("outer", t, NULL, NULL);
    }
    if (!strcmp(g, "trie")) {
        const struct CMUnitTest t[] = {cmocka_unit_test(fill_group_box),
                                       cmocka_unit_test(fill_box_lost)};
        return cmocka_run_group_tests_name("trie", t, box_setup, box_teardown);
    }
    fprintf(stderr, "kresd_shapes: expected a group: loop, ownloop, outer or trie\n");
    return 2;
}
