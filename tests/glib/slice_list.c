/* slice_list.c: GLib's slice allocator under leakcheck (GLib before 2.76
 * serves g_slice_alloc from its own slabs): a test that keeps one GList node
 * per call in a global list, beside a clean twin that frees its nodes. Each
 * node is a slice; only G_SLICE=always-malloc makes it a malloc leakcheck
 * sees per iteration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

extern void *volatile lc_test_sink;

static GList *kept;

/* not a tail call: its frame stays in the node's stack at -O2 */
static __attribute__((noinline)) GList *remember_node(GList *list, int v) {
    GList *l = g_list_prepend(list, GINT_TO_POINTER(v));
    lc_test_sink = l;
    return l;
}

static void leak_list_node(void **state) {
    (void)state;
    kept = remember_node(kept, 1);
    assert_non_null(kept);
}

static void clean_list_node(void **state) {
    (void)state;
    GList *l = remember_node(NULL, 1);
    l = remember_node(l, 2);
    assert_int_equal(g_list_length(l), 2);
    g_list_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leak_list_node),
        cmocka_unit_test(clean_list_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
