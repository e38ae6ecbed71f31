/* Unit test of the live-block table (src/table.c) against a plain model: random
 * inserts, removes, removes of unknown pointers and re-inserts of a live
 * pointer (a stale record), in phases that fill a table past the points where
 * it grows, empty most of it (overflow counts that must come down again) and
 * churn. Every remove must return what was inserted, and the table must list
 * exactly the model's records at the end. The table's functions are hidden in
 * the shared library, so this links the static one. */
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"
#include "internal.h"

#define MAXKEYS 200000

struct model {
    uintptr_t ptr[MAXKEYS];
    uint64_t size[MAXKEYS];
    uint32_t stack[MAXKEYS];
    size_t n;
};

static uint64_t rng = 0x1234567;
static unsigned nbig; /* live records of >= 4 GiB: the side list holds 64 */
static unsigned stale_replaced; /* stale records replaced in their home bucket */

static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Pointers in a few 64 MiB regions (so several shard groups are used), 16-byte
 * aligned like glibc's blocks; a counter keeps them distinct. */
static unsigned nregions = 5;
static uintptr_t fresh_ptr(void) {
    static uint64_t serial;
    uintptr_t region = (uintptr_t)(0x7f0000000000ull + (next() % nregions) * (64ull << 20));
    return region + ((++serial * 16) % (64ull << 20));
}

static void insert_new(struct model *m, uint32_t gen) {
    uintptr_t p = fresh_ptr(); /* distinct: fewer than 4M are made */
    uint64_t size = 1 + next() % 4096;
    if (next() % 1000 == 0 && nbig < 32) {
        size = (5ull << 30) + next() % 100; /* the >= 4 GiB side list */
        nbig++;
    }
    uint32_t stack = (uint32_t)(next() % 1000);
    assert_int_equal(lc__table_insert(p, size, stack, 3, 7, LEAKCHECK_BACKGROUND, gen), 1);
    m->ptr[m->n] = p;
    m->size[m->n] = size;
    m->stack[m->n] = stack;
    m->n++;
}

static void remove_at(struct model *m, size_t i) {
    struct lc_rec_info info;
    assert_int_equal(lc__table_remove(m->ptr[i], 7, &info), 1);
    assert_true(info.ptr == m->ptr[i]);
    assert_true(info.size == m->size[i]);
    assert_int_equal(info.stack, m->stack[i]);
    assert_int_equal(info.iteration, 3);
    assert_int_equal(info.thread, 7);
    assert_int_equal(info.cls, LEAKCHECK_BACKGROUND);
    if (info.size >= (4ull << 30))
        nbig--;
    assert_int_equal(lc__table_remove(m->ptr[i], 7, &info), 0); /* gone */
    m->n--;
    m->ptr[i] = m->ptr[m->n];
    m->size[i] = m->size[m->n];
    m->stack[i] = m->stack[m->n];
}

/* A second insert of a live pointer (its first free was never seen): the
 * stale record is replaced when it sits in its home bucket, else both stay.
 * Either way the address's records come out again, the new one among them,
 * and no other record is touched. */
static void stale_step(struct model *m, uint32_t gen) {
    size_t i = next() % m->n;
    uint32_t old_stack = m->stack[i], new_stack = 1000 + (uint32_t)(next() % 1000);
    assert_int_equal(lc__table_insert(m->ptr[i], m->size[i], new_stack, 3, 7,
                                      LEAKCHECK_BACKGROUND, gen), 1);
    struct lc_rec_info info;
    int removed = 0, saw_new = 0;
    while (lc__table_remove(m->ptr[i], 7, &info)) {
        assert_true(info.ptr == m->ptr[i]);
        assert_true(info.size == m->size[i]);
        assert_true(info.stack == new_stack || info.stack == old_stack);
        saw_new |= info.stack == new_stack;
        removed++;
    }
    assert_true(removed == 1 || removed == 2);
    assert_true(saw_new);
    stale_replaced += removed == 1;
    if (m->size[i] >= (4ull << 30))
        nbig--;
    m->n--;
    m->ptr[i] = m->ptr[m->n];
    m->size[i] = m->size[m->n];
    m->stack[i] = m->stack[m->n];
}

static void step(struct model *m, uint32_t gen, unsigned insert_percent) {
    uint64_t r = next() % 100;
    if (m->n == 0 || (r < insert_percent && m->n < MAXKEYS)) {
        insert_new(m, gen);
    } else if (r < insert_percent + 2) {
        struct lc_rec_info info;
        uintptr_t never = 0x7e0000000000ull + (next() % (1u << 20)) * 16;
        assert_int_equal(lc__table_remove(never, 7, &info), 0);
    } else if (r < insert_percent + 4) {
        stale_step(m, gen);
    } else {
        remove_at(m, next() % m->n);
    }
}

static size_t listed;
static uint64_t listed_bytes;
static void count_one(const struct lc_rec_info *r, void *arg) {
    (void)arg;
    listed++;
    listed_bytes += r->size;
}

static void t_table_model(void **state) {
    (void)state;
    static struct model m;
    assert_int_equal(lc__table_init(), 0);
    uint32_t gen = __atomic_add_fetch(&lc__st.gen, 1, __ATOMIC_RELAXED);
    /* Fill to sizes on both sides of every growth point up to 3400 records
     * (where the home buckets are full and overflow counts are up), remove
     * three quarters (the counts must come down) and fill again; each round
     * ends with a clear, so the next one starts from a reset table. */
    nregions = 1;
    for (size_t target = 150; target <= 3400; target += 50) {
        while (m.n < target)
            insert_new(&m, gen);
        while (m.n > target / 4)
            remove_at(&m, next() % m.n);
        while (m.n < target)
            insert_new(&m, gen);
        while (m.n)
            remove_at(&m, m.n - 1);
        lc__table_clear(); /* a new epoch: the next insert resets the table */
    }
    nregions = 5;
    uint64_t bytes_full = 0;
    for (int round = 0; round < 3; round++) {
        while (m.n < MAXKEYS / 2)
            step(&m, gen, 90); /* fill */
        bytes_full = lc__table_bytes();
        while (m.n > MAXKEYS / 20)
            step(&m, gen, 10); /* empty most: tombstones */
        for (int i = 0; i < 300000; i++)
            step(&m, gen, 50); /* churn */
    }
    /* 100000 live records need no more than 30 bytes each (plus the headers). */
    assert_true(bytes_full < (uint64_t)MAXKEYS / 2 * 30 + 256 * 64 + 64 * 4096);
    listed = 0;
    listed_bytes = 0;
    lc__table_foreach(count_one, NULL);
    uint64_t model_bytes = 0;
    for (size_t i = 0; i < m.n; i++)
        model_bytes += m.size[i];
    assert_int_equal(listed, m.n);
    assert_true(stale_replaced > 0);
    assert_true(listed_bytes == model_bytes);
    while (m.n)
        remove_at(&m, m.n - 1);
    lc__table_clear();
    assert_int_equal(lc__table_bytes(), LC_MAX_THREADS * 64); /* the headers */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_table_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
