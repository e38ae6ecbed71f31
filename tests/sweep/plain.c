/* A plain cmocka suite (no leakcheck header, not linked to leakcheck) for
 * `leakcheck run --cmocka --fail-sweep`: its one test handles an error path
 * that leaks. With IGNORE_RESULT main returns 0 whatever cmocka says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct pair {
    char *left, *right;
};

__attribute__((noinline)) static struct pair *pair_new(void) {
    struct pair *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->left = malloc(24);
    if (!p->left) {
        free(p);
        return NULL;
    }
    p->right = malloc(24); /* SWEEP:PLAIN */
    if (!p->right)
        return NULL; /* forgets p and p->left */
    return p;
}

static void pair_is_built(void **state) {
    (void)state;
    struct pair *p = pair_new();
    if (!p)
        return;
    strcpy(p->left, "l");
    free(p->left);
    free(p->right);
    free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pair_is_built),
    };
#ifdef IGNORE_RESULT /* as some suites do: the exit status says nothing */
    (void)cmocka_run_group_tests(tests, NULL, NULL);
    return 0;
#else
    return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
