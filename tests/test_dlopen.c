/* A leak whose allocating function lives in a module that is dlclosed before
 * the report. The module's code is unmapped by then, so /proc/self/maps no
 * longer knows the addresses in the leak's stack; leakcheck's dlclose hook
 * remembers the module (path, bias, range) and src/symbolize.c resolves those
 * frames from the file on disk. The test checks the module is really gone
 * (RTLD_NOLOAD), then that the leak names plugin_make_leak in plugin_leaky.c
 * with a line number and the module's path. A second module is then loaded,
 * usually at the address the first one had: the old stack must still name the
 * closed module, and a leak from the new module must name the new one. */
#define _GNU_SOURCE /* dladdr, RTLD_NOLOAD */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#ifndef PLUGIN_LEAKY_PATH
#error "PLUGIN_LEAKY_PATH must be defined by the build"
#endif
#ifndef PLUGIN_OTHER_PATH
#error "PLUGIN_OTHER_PATH must be defined by the build"
#endif

typedef void (*leak_fn)(size_t);

/* Calls through a pointer and then writes the sink, so the call is not a tail
 * call and this frame stays in the captured stack. */
__attribute__((noinline)) static void call_plugin(leak_fn fn, size_t n) {
    fn(n);
    lc_test_sink = NULL;
}

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = s ? strlen(s) : 0, b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The frame of stack that names fn, or -1; frames[] receives the stack. */
static int frame_of(uint32_t stack, const char *fn, lc_frame *frames, int max) {
    int n = lc_stack_symbolize(stack, frames, max);
    for (int i = 0; i < n; i++)
        if (frames[i].function && strcmp(frames[i].function, fn) == 0)
            return i;
    return -1;
}

static void assert_frame(const lc_frame *f, const char *file_suffix, const char *module_name) {
    assert_non_null(f->file);
    assert_true(ends_with(f->file, file_suffix));
    assert_true(f->line > 0);
    assert_non_null(f->module);
    assert_non_null(strstr(f->module, module_name));
}

/* The live site with exactly this many bytes whose stack names fn. */
static const lc_site *site_of(const lc_survivors *s, const char *fn, uint64_t bytes) {
    for (size_t i = 0; i < s->nsites; i++)
        if (s->sites[i].bytes == bytes && lc_test_stack_has(s->sites[i].stack, fn, NULL))
            return &s->sites[i];
    return NULL;
}

static void t_leak_in_closed_module(void **state) {
    (void)state;
    assert_int_equal(lc_scope_begin(NULL), 0);

    void *h = dlopen(PLUGIN_LEAKY_PATH, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(h);
    leak_fn make = (leak_fn)(uintptr_t)dlsym(h, "plugin_make_leak");
    assert_non_null(make);
    Dl_info info;
    assert_true(dladdr((void *)(uintptr_t)make, &info) != 0);
    uintptr_t old_base = (uintptr_t)info.dli_fbase;
    call_plugin(make, 4099);
    assert_int_equal(dlclose(h), 0);
    /* Really unloaded: not just our handle dropped but the module unmapped. */
    assert_null(dlopen(PLUGIN_LEAKY_PATH, RTLD_NOW | RTLD_NOLOAD));

    /* A new module right away, before anything else maps memory, so that the
     * loader puts it in the hole plugin_leaky left. */
    void *h2 = dlopen(PLUGIN_OTHER_PATH, RTLD_NOW | RTLD_LOCAL);
    assert_non_null(h2);
    leak_fn other = (leak_fn)(uintptr_t)dlsym(h2, "plugin_other_leak");
    assert_non_null(other);
    assert_true(dladdr((void *)(uintptr_t)other, &info) != 0);
    int reused = (uintptr_t)info.dli_fbase == old_base;
    call_plugin(other, 5003);

    lc_survivors *s;
    assert_int_equal(lc_scope_survivors(&s), 0);
    lc_frame fr[64];
    const lc_site *site = site_of(s, "plugin_make_leak", 4099);
    assert_non_null(site);
    assert_int_equal(site->blocks, 1);
    int k = frame_of(site->stack, "plugin_make_leak", fr, 64);
    assert_true(k >= 0);
    assert_frame(&fr[k], "plugin_leaky.c", base_name(PLUGIN_LEAKY_PATH));
    assert_false(lc_test_stack_has(site->stack, "plugin_other_leak", NULL));
    /* The frames in the executable, still mapped, resolve as usual. */
    assert_true(lc_test_stack_has(site->stack, "call_plugin", "test_dlopen.c"));
    assert_true(lc_test_stack_has(site->stack, "t_leak_in_closed_module", "test_dlopen.c"));

    site = site_of(s, "plugin_other_leak", 5003);
    assert_non_null(site);
    k = frame_of(site->stack, "plugin_other_leak", fr, 64);
    assert_true(k >= 0);
    assert_frame(&fr[k], "plugin_other.c", base_name(PLUGIN_OTHER_PATH));
    assert_false(lc_test_stack_has(site->stack, "plugin_make_leak", NULL));
    lc_survivors_free(s);

    assert_int_equal(dlclose(h2), 0);
    lc_scope_end();
    print_message("plugin_other %s plugin_leaky's old address\n",
                  reused ? "was loaded at" : "did not reuse");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_leak_in_closed_module),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
