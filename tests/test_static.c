/* leakcheck linked statically (libleakcheck.a) into the test program. The
 * hooks are then defined by the executable itself; because libc.so.6 refers to
 * malloc, the linker exports the executable's malloc family, and libc's own
 * calls (here strdup) bind to it. The test checks that no libleakcheck.so is
 * loaded (so this really is the static copy), that every malloc-family name
 * resolves, in the global scope every library binds through, to the
 * executable's definition, and that a strdup made inside a scope is counted
 * with its exact size and its stack names the caller. */
#define _GNU_SOURCE /* dladdr, dl_iterate_phdr */
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *volatile text = "static strdup";

static int saw_shared_leakcheck(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "libleakcheck.so"))
        *(int *)arg = 1;
    return 0;
}

__attribute__((noinline)) static void dup_in_scope(void) { lc_test_sink = strdup(text); }

static void t_static_interposition(void **state) {
    (void)state;
    int shared = 0;
    dl_iterate_phdr(saw_shared_leakcheck, &shared);
    assert_false(shared);
    /* Each name, looked up the way libc.so and dlopened libraries bind it, is
     * the executable's own definition (where lc_scope_begin lives). */
    static const char *const family[] = {
        "malloc",  "free",   "calloc", "realloc", "reallocarray", "posix_memalign",
        "aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size"};
    Dl_info exe;
    assert_true(dladdr((void *)(uintptr_t)lc_scope_begin, &exe) != 0);
    for (size_t i = 0; i < sizeof family / sizeof family[0]; i++) {
        void *f = dlsym(RTLD_DEFAULT, family[i]);
        Dl_info where;
        if (!f || !dladdr(f, &where) || where.dli_fbase != exe.dli_fbase)
            fail_msg("%s does not resolve to the executable's hook", family[i]);
    }

    assert_int_equal(lc_scope_begin(NULL), 0);
    lc_counters a, b;
    lc_scope_counters(&a, LEAKCHECK_ATTRIBUTED);
    dup_in_scope();
    lc_scope_counters(&b, LEAKCHECK_ATTRIBUTED);
    char *s = lc_test_sink;
    assert_non_null(s);
    assert_int_equal(b.allocs - a.allocs, 1);
    assert_int_equal(b.bytes_allocated - a.bytes_allocated, strlen(text) + 1);
    assert_int_equal(b.live_blocks - a.live_blocks, 1);

    lc_survivors *sv;
    assert_int_equal(lc_scope_survivors(&sv), 0);
    const lc_site *site = lc_test_site(sv, "dup_in_scope");
    assert_non_null(site);
    assert_true(lc_test_stack_has(site->stack, "dup_in_scope", "test_static.c"));
    assert_int_equal(site->bytes, strlen(text) + 1);
    lc_survivors_free(sv);

    free(s);
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    assert_int_equal(c.frees - a.frees, 1);
    assert_int_equal(c.live_blocks, a.live_blocks);
    lc_scope_end();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_static_interposition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
