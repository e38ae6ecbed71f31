/* relpath_main.c: a plain cmocka binary shaped like SSSD's test runs: the
 * group setup dlopens ./liblc_sssd_relpath.so by a relative path, then changes
 * directory to / (tests_set_cwd), and the test calls the library's leaking
 * function. run_relpath.py runs it from the library's directory and checks
 * that the leak names the library's function and file. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

static int (*enabled)(const char *);

static int group_setup(void **state) {
    (void)state;
    void *h = dlopen("./liblc_sssd_relpath.so", RTLD_NOW);
    if (!h)
        return -1;
    enabled = (int (*)(const char *))(uintptr_t)dlsym(h, "domain_enabled");
    return enabled && chdir("/") == 0 ? 0 : -1;
}

static void domain_enabled_leaks(void **state) {
    (void)state;
    assert_true(enabled("example.com"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(domain_enabled_leaks),
    };
    return cmocka_run_group_tests_name("relpath", tests, group_setup, NULL);
}
