/* A program built with -fsanitize=address for `leakcheck run`
 * (test_run_asan.sh): ASan's runtime must come first in the loader's list, so
 * the tool preloads it ahead of libleakcheck, which then counts through the
 * sanitizer's allocator hooks. "leak" loses one block allocated in
 * asan_planted_leak and one strdup'd string; "clean" frees both. */
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

__attribute__((noinline)) static void asan_planted_leak(void) {
    char *p = malloc(77);
    memset(p, 1, 77);
    sink = p;
}

__attribute__((noinline)) static void asan_planted_strdup(void) { sink = strdup("kept by nobody"); }

int main(int argc, char **argv) {
    int clean = argc > 1 && strcmp(argv[1], "clean") == 0;
    asan_planted_leak();
    if (clean)
        free(sink);
    asan_planted_strdup();
    if (clean)
        free(sink);
    sink = NULL;
    return 0;
}
