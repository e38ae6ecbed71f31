/* In-process symbolization never reaches debuginfod. libdw's standard lookup
 * dlopens libdebuginfod (and libcurl) for any module without local debug
 * information, DEBUGINFOD_URLS set or not. Here DEBUGINFOD_URLS points at a
 * socket this test listens on; a stack through libcmocka (no debug file on
 * Debian) and libc is symbolized with lc_stack_symbolize; afterwards
 * /proc/self/maps must show neither libdebuginfod nor libcurl, nothing may
 * have connected to the socket, and DEBUGINFOD_URLS must be as the program
 * set it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

static int listener = -1;
static char urls[64];

static const char *volatile text = "through libc";

__attribute__((noinline)) static void alloc_via_cmocka(void) {
    lc_test_sink = _test_malloc(24, __FILE__, __LINE__);
}

__attribute__((noinline)) static void alloc_via_libc(void) { lc_test_sink = strdup(text); }

static int maps_mention(const char *what) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int found = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        found |= strstr(line, what) != NULL;
    fclose(f);
    return found;
}

/* A frame whose function contains fn in module (libc's __strdup is named strdup). */
static int symbolized_has(uint32_t stack, const char *fn, const char *module) {
    lc_frame f[64];
    int n = lc_stack_symbolize(stack, f, 64);
    for (int i = 0; i < n; i++)
        if (f[i].function && strstr(f[i].function, fn) && f[i].module &&
            strstr(f[i].module, module))
            return 1;
    return 0;
}

static void t_no_debuginfod(void **state) {
    (void)state;
    assert_false(maps_mention("libdebuginfod"));
    assert_int_equal(lc_scope_begin(NULL), 0);
    alloc_via_cmocka();
    void *a = lc_test_sink;
    alloc_via_libc();
    void *b = lc_test_sink;
    lc_survivors *s;
    assert_int_equal(lc_scope_survivors(&s), 0);
    int cmocka_seen = 0, libc_seen = 0;
    for (size_t i = 0; i < s->nsites; i++) {
        uint32_t st = s->sites[i].stack;
        cmocka_seen |= symbolized_has(st, "_test_malloc", "libcmocka") &&
                       lc_test_stack_has(st, "alloc_via_cmocka", "test_debuginfod.c");
        libc_seen |= symbolized_has(st, "strdup", "libc.so") &&
                     lc_test_stack_has(st, "alloc_via_libc", "test_debuginfod.c");
    }
    lc_survivors_free(s);
    lc_scope_end();
    _test_free(a, __FILE__, __LINE__);
    free(b);
    assert_true(cmocka_seen);
    assert_true(libc_seen);

    assert_false(maps_mention("libdebuginfod"));
    assert_false(maps_mention("libcurl"));
    int c = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
    assert_int_equal(c, -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    assert_string_equal(getenv("DEBUGINFOD_URLS"), urls);
}

int main(void) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(listener, 8) != 0 || getsockname(listener, (struct sockaddr *)&sa, &len) != 0) {
        perror("test_debuginfod: listening socket");
        return 1;
    }
    snprintf(urls, sizeof urls, "http://127.0.0.1:%u/", (unsigned)ntohs(sa.sin_port));
    setenv("DEBUGINFOD_URLS", urls, 1);
    setenv("DEBUGINFOD_TIMEOUT", "2", 1);
    const struct CMUnitTest tests[] = {cmocka_unit_test(t_no_debuginfod)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
