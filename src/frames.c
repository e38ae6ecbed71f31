/* frames.c: which symbolized frames belong to a language or tool runtime
 * rather than to the program: the C++ standard library (inlined from its
 * headers or called in libstdc++/libc++) and the sanitizer runtimes. Report
 * time only, never on the hook path; called by the console's stack lines
 * (harness.c) and by symbolize.c when it cuts a sanitizer allocator's frames
 * from the top of a stack; and leakcheck's own frames, which findings.c drops
 * from every stack. Pure string tests, no allocation. */
#include <string.h>

#include "frames.h"

static int starts_with(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *base_name(const char *path) {
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

/* A file of the C++ standard library's headers: libstdc++'s
 * /usr/include/c++/12/bits/stl_vector.h, libc++'s .../include/c++/v1/vector. */
static int cxx_header_file(const char *file) {
    return file && (strstr(file, "/include/c++/") || starts_with(file, "include/c++/"));
}

/* Without line information (no -g, or a stripped libstdc++), the demangled
 * name is all there is. */
static int cxx_library_name(const char *fn) {
    static const char *const prefixes[] = {"std::", "__gnu_cxx::", "operator new",
                                           "operator delete", "__cxxabiv1::"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (starts_with(fn, prefixes[i]))
            return 1;
    return 0;
}

int lc__cxx_library_frame(const lc_frame *f) {
    if (f->file)
        return cxx_header_file(f->file);
    return cxx_library_name(f->function);
}

/* The outermost scope of an Itanium-mangled nested name ("_ZN6__asan9Alloc..."
 * -> "__asan9Alloc..."): a program without libstdc++ gets names undemangled. */
static const char *mangled_scope(const char *fn) {
    if (!starts_with(fn, "_ZN"))
        return fn;
    fn += 3;
    while (*fn >= '0' && *fn <= '9')
        fn++;
    return fn;
}

int lc__sanitizer_frame(const lc_frame *f) {
    static const char *const libs[] = {"libasan.so", "libtsan.so", "liblsan.so", "libubsan.so",
                                       "libhwasan.so", "libclang_rt."};
    static const char *const names[] = {"__asan", "__lsan", "__tsan", "__msan",
                                        "__sanitizer", "__interceptor_", "___interceptor_",
                                        "__ubsan", "__hwasan"};
    const char *m = base_name(f->module);
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        if (starts_with(m, libs[i]))
            return 1;
    const char *fn = f->function ? mangled_scope(f->function) : NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (starts_with(fn, names[i]))
            return 1;
    /* clang links its runtime into the program: its sources tell it apart */
    return f->file && (strstr(f->file, "compiler-rt/lib/") || strstr(f->file, "/libsanitizer/"));
}

int lc__sanitizer_entry(lc_frame *f) {
    static const char *const prefixes[] = {"___interceptor_", "__interceptor_"};
    static const char *const allocator[] = {"malloc", "calloc", "realloc", "reallocarray",
                                            "free", "memalign", "posix_memalign",
                                            "aligned_alloc", "valloc", "pvalloc"};
    if (!f->function)
        return 0;
    if (starts_with(f->function, "operator new") || starts_with(f->function, "operator delete")) {
        f->file = NULL; /* the sanitizer's source (asan_new_delete.cpp) */
        f->line = 0;
        return 1;
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (!starts_with(f->function, prefixes[i]))
            continue;
        const char *name = f->function + strlen(prefixes[i]);
        for (size_t k = 0; k < sizeof allocator / sizeof allocator[0]; k++)
            if (strcmp(name, allocator[k]) == 0)
                return 0;
        f->function = name; /* a suffix of an interned string: still interned */
        f->file = NULL;
        f->line = 0;
        return 1;
    }
    return 0;
}

/* leakcheck's own frames: its shared library, or (linked statically) its
 * internal functions and the seams it puts around a test body. */
int lc__own_frame(const lc_frame *f) {
    const char *m = f->module ? strrchr(f->module, '/') : NULL;
    m = m ? m + 1 : f->module;
    if (starts_with(m, "libleakcheck"))
        return 1;
    if (starts_with(m, "libcmocka"))
        return 0; /* cmocka's _cmocka_run_group_tests and _fail are cmocka's */
    static const char *const seams[] = {"lc_test_run", "lc_bench_run", "call_body",
                                        "entry_run", "run_plain", "run_engine",
                                        "_cmocka_run_group_tests", "lc__cmocka_fail"};
    const char *fn = f->function;
    if (!fn)
        return 0;
    if (starts_with(fn, "lc__") || (starts_with(fn, "lc_tr") && f->file &&
                                    strstr(f->file, "cmocka_glue")))
        return 1;
    for (size_t i = 0; i < sizeof seams / sizeof seams[0]; i++)
        if (strcmp(fn, seams[i]) == 0 && f->file && strstr(f->file, "/src/") &&
            (strstr(f->file, "engine.c") || strstr(f->file, "cmocka_glue.c") ||
             strstr(f->file, "bench.c") || strstr(f->file, "harness.c")))
            return 1;
    return 0;
}

int lc__frames_drop_own(lc_frame *f, int n) {
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!lc__own_frame(&f[i]))
            f[k++] = f[i];
    return k;
}

int lc__cut_sanitizer_top(lc_frame *frames, int n) {
    int top = 0;
    while (top < n - 1 && lc__sanitizer_frame(&frames[top]))
        top++;
    if (top > 0 && lc__sanitizer_entry(&frames[top - 1]))
        top--;
    memmove(frames, frames + top, (size_t)(n - top) * sizeof *frames);
    return n - top;
}

int lc__sanitizer_exit_work(const lc_frame *f, int n) {
    static const char *const runners[] = {"__cxa_finalize", "__run_exit_handlers", "_dl_fini",
                                          "_dl_call_fini", "exit", "__GI_exit"};
    if (n <= 0 || !f[0].function)
        return 0;
    const char *m = base_name(f[0].module);
    if (!starts_with(m, "libc.so") && !starts_with(m, "ld-linux"))
        return 0;
    for (size_t i = 0; i < sizeof runners / sizeof runners[0]; i++)
        if (strcmp(f[0].function, runners[i]) == 0)
            return 1;
    return 0;
}
