/* own_wrappers.c: a plain cmocka binary that defines open, close and fcntl
 * (and openat) itself, forwarding to libc through a dlopen of libc (RTLD_NEXT would find
 * leakcheck's wrappers), as socket_wrapper's
 * test_swrap_unit does (it compiles socket_wrapper.c in). The program's
 * definitions come first, so leakcheck's fd wrappers never see its own opens;
 * run_cwrap.py checks that `leakcheck run --cmocka` still never reports them. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

static void *libc_sym(const char *name) {
    static void *libc;
    if (!libc)
        libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_DEEPBIND);
    return libc ? dlsym(libc, name) : NULL;
}

int open(const char *path, int flags, ...) {
    int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))libc_sym("open");
    va_list ap;
    mode_t mode;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
    return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    int (*real)(int, const char *, int, ...) =
        (int (*)(int, const char *, int, ...))libc_sym("openat");
    va_list ap;
    mode_t mode;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
    return real(dirfd, path, flags, mode);
}

int close(int fd) {
    int (*real)(int) = (int (*)(int))libc_sym("close");
    return real(fd);
}

int fcntl(int fd, int cmd, ...) {
    int (*real)(int, int, ...) = (int (*)(int, int, ...))libc_sym("fcntl");
    va_list ap;
    long arg;
    va_start(ap, cmd);
    arg = va_arg(ap, long);
    va_end(ap);
    return real(fd, cmd, arg);
}

static void *volatile sink;

static void allocates_and_frees(void **state) {
    (void)state;
    sink = malloc(48);
    free(sink);
    sink = NULL;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocates_and_frees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
