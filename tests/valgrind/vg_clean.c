/* A clean LEAKCHECK_TEST suite for valgrind (run_valgrind.py): the malloc
 * family, a thread, fds and stdio, a lazy cache and a block freed one
 * iteration later. Under memcheck it must pass with 0 errors, leakcheck
 * judging every test clean, and leave no definitely or possibly lost block
 * of leakcheck's own. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <leakcheck/leakcheck.h>

static void *volatile sink;

LEAKCHECK_TEST(clean_malloc_family) {
    char *a = malloc(40), *b = calloc(4, 16), *c = strdup("valgrind");
    a = realloc(a, 4000);
    void *d = NULL;
    assert_int_equal(posix_memalign(&d, 64, 128), 0);
    sink = a;
    free(a);
    free(b);
    free(c);
    free(d);
}

static void *worker(void *arg) {
    void *p = malloc(100);
    sink = p;
    free(p);
    return arg;
}

LEAKCHECK_TEST(clean_thread_joined) {
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, worker, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

LEAKCHECK_TEST(clean_fds_and_stdio) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    close(p[1]);
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    fprintf(f, "%d\n", 42);
    fclose(f);
}

static char *cache;
LEAKCHECK_TEST(clean_lazy_cache) {
    if (!cache)
        cache = malloc(256);
    sink = cache;
}

static void *previous;
LEAKCHECK_TEST(clean_free_next_iteration) {
    free(previous);
    previous = malloc(64);
}

static int teardown_all(void **state) {
    (void)state;
    free(cache);
    free(previous);
    cache = previous = NULL;
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_malloc_family),   cmocka_unit_test(clean_thread_joined),
        cmocka_unit_test(clean_fds_and_stdio),   cmocka_unit_test(clean_lazy_cache),
        cmocka_unit_test(clean_free_next_iteration),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_all);
}
