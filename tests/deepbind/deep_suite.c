/* deep_suite.c: a plain cmocka suite whose group setup dlopens a plugin by
 * its bare name with RTLD_NOW | RTLD_DEEPBIND (as ldb_modules_load does), so
 * the search relies on this binary's RUNPATH: leakcheck's dlopen must leave
 * the program as the caller. deep_clean frees what it copies; deep_leak keeps
 * a block per run inside the plugin. Test code; not on any hook path. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

static int (*name_cycle)(const char *, int);
static int (*keep)(size_t);
static void *plugin;

static int load_plugin(void **state) {
    (void)state;
    plugin = dlopen("liblc_deepmod.so", RTLD_NOW | RTLD_DEEPBIND);
    if (!plugin) {
        fprintf(stderr, "deep_suite: %s\n", dlerror());
        return -1;
    }
    name_cycle = (int (*)(const char *, int))dlsym(plugin, "deep_name_cycle");
    keep = (int (*)(size_t))dlsym(plugin, "deep_keep");
    return name_cycle && keep ? 0 : -1;
}

static void deep_clean(void **state) {
    (void)state;
    assert_int_equal(name_cycle("__TDB_INTERNAL__", 64), 64);
}

static void deep_leak(void **state) {
    (void)state;
    assert_int_equal(keep(72), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deep_clean),
        cmocka_unit_test(deep_leak),
    };
    return cmocka_run_group_tests(tests, load_plugin, NULL);
}
