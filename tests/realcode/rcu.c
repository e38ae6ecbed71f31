/* rcu.c: a plain cmocka suite retiring objects through liburcu's call_rcu, as
 * bind9's databases are: each run publishes a new object and hands the one it
 * replaces to call_rcu, whose worker frees it after a grace period, batched
 * about 10 ms apart. Built twice: with the membarrier flavor (RCU_FLAVOR_MEMB)
 * and with QSBR, where the test's thread is a registered reader, online
 * between runs, as QSBR programs keep theirs.
 *   clean_call_rcu_retire  steady: one object live after every run
 *   leak_call_rcu_payload  the callback frees the object but not its payload:
 *                          +1 block per run, allocated in make_payload */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifdef RCU_FLAVOR_QSBR
#include <urcu-qsbr.h> /* rcu_read_lock() and call_rcu() name the QSBR flavor */
#else
#include <urcu.h> /* the membarrier flavor, liburcu's default */
#endif

struct obj {
    struct rcu_head head;
    char *payload;
    int keep_payload;
};

static struct obj *current; /* RCU-protected */

static __attribute__((noinline)) char *make_payload(int n) {
    char *p = malloc(48);
    if (p)
        memset(p, 'a' + n % 26, 47), p[47] = 0;
    return p;
}

static void free_obj(struct rcu_head *h) {
    struct obj *o = caa_container_of(h, struct obj, head);
    if (!o->keep_payload)
        free(o->payload);
    free(o);
}

static void publish(int keep_payload) {
    static int n;
    struct obj *o = calloc(1, sizeof *o);
    assert_non_null(o);
    o->payload = make_payload(n++);
    o->keep_payload = keep_payload;
    struct obj *old = rcu_xchg_pointer(&current, o);
    if (old)
        call_rcu(&old->head, free_obj);
}

static void read_current(void) {
    rcu_read_lock();
    struct obj *o = rcu_dereference(current);
    assert_non_null(o);
    assert_int_equal(strlen(o->payload), 47);
    rcu_read_unlock();
#ifdef RCU_FLAVOR_QSBR
    rcu_quiescent_state();
#endif
}

static void clean_call_rcu_retire(void **state) {
    (void)state;
    publish(0);
    read_current();
}

static void leak_call_rcu_payload(void **state) {
    (void)state;
    publish(1);
    read_current();
}

static int group_setup(void **state) {
    (void)state;
    rcu_register_thread();
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    struct obj *o = rcu_xchg_pointer(&current, NULL);
    if (o)
        call_rcu(&o->head, free_obj);
    rcu_barrier();
    rcu_unregister_thread();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_call_rcu_retire),
        cmocka_unit_test(leak_call_rcu_payload),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
