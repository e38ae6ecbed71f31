/* sssd_shapes.c: a plain cmocka binary with SSSD's cache_req mock shape: the
 * per-test setup allocates the context, the body queues will_return_always
 * (or _maybe) with it and the mock hands it back. Groups: "clean", "leaky"
 * (a leaking twin), "repeat" (test_copy_keytab_order), "timed" (a plain
 * leak for the time line); each passes cmocka alone; run_sssd.py judges them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void *volatile sink;

struct test_ctx {
    int dp_called;
    char *result;
};

/* __wrap_sss_dp_get_account_send: the test's context comes back from the
 * mock, and the call is noted in it. */
static struct test_ctx *dp_send(void) {
    struct test_ctx *ctx = (struct test_ctx *)(uintptr_t)mock();
    ctx->dp_called = 1;
    return ctx;
}

static int dp_recv(void) { return (int)mock(); }

/* What the code under test does with the context the mock handed back. */
__attribute__((noinline)) static void run_request(struct test_ctx *expected) {
    struct test_ctx *ctx = dp_send();
    assert_ptr_equal(ctx, expected);
    assert_int_equal(dp_recv(), 0);
    ctx->result = malloc(48);
    assert_non_null(ctx->result);
}

static int ctx_setup(void **state) {
    struct test_ctx *ctx = calloc(1, sizeof(*ctx));
    assert_non_null(ctx);
    *state = ctx;
    return 0;
}

static int ctx_teardown(void **state) {
    struct test_ctx *ctx = *state;
    free(ctx->result);
    free(ctx);
    return 0;
}

static void always_fixture_ctx(void **state) {
    struct test_ctx *ctx = *state;
    will_return_always(dp_send, ctx);
    will_return_always(dp_recv, 0);
    run_request(ctx);
    assert_true(ctx->dp_called);
}

static void maybe_fixture_ctx(void **state) {
    struct test_ctx *ctx = *state;
    will_return_maybe(dp_send, ctx);
    will_return_always(dp_recv, 0);
    run_request(ctx);
    assert_true(ctx->dp_called);
}

__attribute__((noinline)) static void keep_result(struct test_ctx *ctx) {
    sink = ctx->result; /* the request's result outlives the test */
    ctx->result = NULL;
}

static void always_fixture_ctx_leaks(void **state) {
    struct test_ctx *ctx = *state;
    will_return_always(dp_send, ctx);
    will_return_always(dp_recv, 0);
    run_request(ctx);
    keep_result(ctx);
}

/* test_copy_keytab_order's shape: the body copies entries into a list a
 * global holds (krb5's MEMORY keytab, kept alive by a handle the test never
 * closes; new entries go first), so a second run fails before it frees the
 * name; the teardown then finds the name (SSSD's check_leaks_pop) and fails
 * too. The first run's entries stay reachable, through the second's. */
struct entry {
    struct entry *next;
    char principal[24];
};
static struct entry *registry;

__attribute__((noinline)) static int copy_entries(int n) {
    for (int i = 0; i < n; i++) {
        struct entry *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        e->next = registry;
        registry = e;
    }
    int count = 0;
    for (struct entry *e = registry; e; e = e->next)
        count++;
    return count;
}

struct kt_ctx {
    char *name;
};

static int kt_setup(void **state) {
    struct kt_ctx *ctx = calloc(1, sizeof(*ctx));
    assert_non_null(ctx);
    *state = ctx;
    return 0;
}

static int kt_teardown(void **state) {
    struct kt_ctx *ctx = *state;
    assert_null(ctx->name); /* check_leaks_pop(test_ctx) */
    free(ctx);
    return 0;
}

static void copy_keytab_order(void **state) {
    struct kt_ctx *ctx = *state;
    ctx->name = malloc(63);
    assert_non_null(ctx->name);
    assert_int_equal(copy_entries(4), 4);
    free(ctx->name);
    ctx->name = NULL;
}

/* dyndns_test_timeout's shape for the time line: a body that leaks one block
 * per call (confdb_get_domain_enabled's talloc_asprintf on a NULL context),
 * no mocks. */
__attribute__((noinline)) static void domain_enabled(void) { sink = malloc(40); }

static void leaks_per_call(void **state) {
    (void)state;
    domain_enabled();
}

int main(int argc, char **argv) {
    const struct CMUnitTest clean[] = {
        cmocka_unit_test_setup_teardown(always_fixture_ctx, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(maybe_fixture_ctx, ctx_setup, ctx_teardown),
    };
    const struct CMUnitTest leaky[] = {
        cmocka_unit_test_setup_teardown(always_fixture_ctx_leaks, ctx_setup, ctx_teardown),
    };
    const struct CMUnitTest repeat[] = {
        cmocka_unit_test_setup_teardown(copy_keytab_order, kt_setup, kt_teardown),
    };
    if (argc > 1 && strcmp(argv[1], "repeat") == 0)
        return cmocka_run_group_tests_name("repeat", repeat, NULL, NULL);
    const struct CMUnitTest timed[] = {
        cmocka_unit_test(leaks_per_call),
    };
    if (argc > 1 && strcmp(argv[1], "timed") == 0)
        return cmocka_run_group_tests_name("timed", timed, NULL, NULL);
    if (argc > 1 && strcmp(argv[1], "leaky") == 0)
        return cmocka_run_group_tests_name("leaky", leaky, NULL, NULL);
    return cmocka_run_group_tests_name("clean", clean, NULL, NULL);
}
