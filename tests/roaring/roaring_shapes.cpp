/* Shapes met in CRoaring's cmocka suite (its C and C++ unit tests, run
 * unmodified under LEAKCHECK_CMOCKA=1), each leak with its clean twin: a
 * memory hook table of function pointers (malloc and posix_memalign reached
 * through it), aligned containers, realloc growth, blocks of several MiB,
 * C++ new/delete and exceptions, a header-only C++ method inlined into the
 * test, and a test body slow enough to matter.
 * A plain cmocka binary (links cmocka, not leakcheck); run_roaring.py
 * preloads libleakcheck and checks each verdict from the JSON report. */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

extern "C" {
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
}

#define NOINLINE __attribute__((noinline))

void *volatile roaring_shapes_sink; /* keeps planted blocks alive at -O2 */

/* ---- a memory hook table, as roaring_memory_t in CRoaring's memory.c ---- */
static void *hook_aligned(size_t alignment, size_t size) {
    void *p;
    if (posix_memalign(&p, alignment, size) != 0)
        return nullptr;
    return p;
}
struct memory_hooks {
    void *(*malloc_fn)(size_t);
    void *(*realloc_fn)(void *, size_t);
    void (*free_fn)(void *);
    void *(*aligned_fn)(size_t, size_t);
};
static memory_hooks hooks = {malloc, realloc, free, hook_aligned};

/* ---- a bitset container: 8 KiB of 64-byte-aligned words ---- */
struct bitset {
    uint64_t *words;
    int cardinality;
};

NOINLINE static bitset *bitset_create(void) {
    bitset *b = static_cast<bitset *>(hooks.malloc_fn(sizeof(bitset)));
    assert_non_null(b);
    b->words = static_cast<uint64_t *>(hooks.aligned_fn(64, 1024 * sizeof(uint64_t)));
    assert_non_null(b->words);
    memset(b->words, 0, 1024 * sizeof(uint64_t));
    b->cardinality = 0;
    return b;
}

static unsigned bitset_frees; /* the leaky free keeps every third container's words */

NOINLINE static void bitset_free(bitset *b, int leaky) {
    if (!leaky || ++bitset_frees % 3 != 0)
        hooks.free_fn(b->words);
    else
        roaring_shapes_sink = b->words;
    hooks.free_fn(b);
}

static void bitset_round(int leaky) {
    bitset *b = bitset_create();
    b->words[7] = 0x80;
    b->cardinality = 1;
    assert_int_equal(b->words[7], 0x80);
    bitset_free(b, leaky);
}

static void clean_aligned_bitset(void **state) {
    (void)state;
    bitset_round(0);
}

static void leak_aligned_bitset_every_third(void **state) {
    (void)state;
    bitset_round(1);
}

/* ---- aligned_alloc of a run container's runs (C11, 32-byte aligned) ---- */
NOINLINE static void *runs_create(size_t n) {
    void *p = aligned_alloc(32, n * 32);
    assert_non_null(p);
    memset(p, 1, n * 32);
    return p;
}

static void clean_aligned_alloc(void **state) {
    (void)state;
    free(runs_create(64));
}

static void leak_aligned_alloc(void **state) {
    (void)state;
    roaring_shapes_sink = runs_create(64);
}

/* ---- an array container grown by realloc, 4 values at a time ---- */
struct array_container {
    uint16_t *array;
    int32_t cardinality, capacity;
};

NOINLINE static void array_grow(array_container *a) {
    int32_t cap = a->capacity < 64 ? a->capacity * 2 + 4 : a->capacity * 5 / 4;
    uint16_t *n = static_cast<uint16_t *>(hooks.realloc_fn(a->array, cap * sizeof(uint16_t)));
    assert_non_null(n);
    a->array = n;
    a->capacity = cap;
}

static array_container *array_fill(int32_t values) {
    array_container *a = static_cast<array_container *>(hooks.malloc_fn(sizeof *a));
    assert_non_null(a);
    a->array = nullptr;
    a->cardinality = a->capacity = 0;
    for (int32_t v = 0; v < values; v++) {
        if (a->cardinality == a->capacity)
            array_grow(a);
        a->array[a->cardinality++] = static_cast<uint16_t>(v);
    }
    return a;
}

static void clean_realloc_growth(void **state) {
    (void)state;
    array_container *a = array_fill(4096);
    assert_int_equal(a->array[4095], 4095);
    hooks.free_fn(a->array);
    hooks.free_fn(a);
}

static void leak_realloc_growth(void **state) {
    (void)state;
    array_container *a = array_fill(4096);
    roaring_shapes_sink = a->array; /* the grown array is forgotten */
    hooks.free_fn(a);
}

/* ---- blocks of several MiB (mmap'd by glibc), as a bitmap of millions ---- */
NOINLINE static uint32_t *values_create(size_t n) {
    uint32_t *v = static_cast<uint32_t *>(calloc(n, sizeof(uint32_t)));
    assert_non_null(v);
    for (size_t i = 0; i < n; i += 4096)
        v[i] = static_cast<uint32_t>(i);
    return v;
}

static void clean_big_blocks(void **state) {
    (void)state;
    uint32_t *v = values_create(2u << 20); /* 8 MiB */
    uint32_t *w = static_cast<uint32_t *>(realloc(v, 12u << 20));
    assert_non_null(w);
    free(w);
}

static void leak_big_block(void **state) {
    (void)state;
    roaring_shapes_sink = values_create(1u << 20); /* 4 MiB a call */
}

/* ---- C++: containers, and exceptions thrown through library code ---- */
NOINLINE static std::vector<uint32_t> *set_build(unsigned n) {
    auto *s = new std::vector<uint32_t>();
    for (unsigned i = 0; i < n; i++)
        s->push_back(i * 3);
    return s;
}

NOINLINE static void set_check_or_throw(const std::vector<uint32_t> &s) {
    if (s.size() > 10)
        throw std::runtime_error("failed memory alloc while reading"); /* as Roaring::read */
}

static void clean_cxx_exception(void **state) {
    (void)state;
    std::vector<uint32_t> *s = set_build(100);
    bool caught = false;
    try {
        set_check_or_throw(*s);
    } catch (const std::runtime_error &) {
        caught = true;
    }
    delete s;
    assert_true(caught);
}

static void leak_cxx_exception(void **state) {
    (void)state;
    std::vector<uint32_t> *s = set_build(100);
    bool caught = false;
    try {
        set_check_or_throw(*s);
        delete s;
    } catch (const std::runtime_error &) {
        caught = true; /* the set is lost on the throw path */
    }
    assert_true(caught);
}

/* ---- a header-only C++ method inlined into the test, as roaring.hh's ---- */
namespace roaringlike {
struct Bitmap {
    uint32_t *values = nullptr;
    __attribute__((always_inline)) inline void add(uint32_t v) {
        values = static_cast<uint32_t *>(malloc(64 * sizeof(uint32_t)));
        assert_non_null(values);
        values[0] = v;
    }
};
} // namespace roaringlike

static void clean_cxx_inlined_method(void **state) {
    (void)state;
    roaringlike::Bitmap b;
    b.add(7);
    free(b.values);
}

static void leak_cxx_inlined_method(void **state) {
    (void)state;
    roaringlike::Bitmap b;
    b.add(7);
    roaring_shapes_sink = b.values;
}

/* ---- a slow body: many balanced allocations per call, as random_doublecheck ---- */
static void clean_many_allocations(void **state) {
    (void)state;
    for (int i = 0; i < 20000; i++) {
        bitset *b = bitset_create();
        bitset_free(b, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_aligned_bitset),
        cmocka_unit_test(leak_aligned_bitset_every_third),
        cmocka_unit_test(clean_aligned_alloc),
        cmocka_unit_test(leak_aligned_alloc),
        cmocka_unit_test(clean_realloc_growth),
        cmocka_unit_test(leak_realloc_growth),
        cmocka_unit_test(clean_big_blocks),
        cmocka_unit_test(leak_big_block),
        cmocka_unit_test(clean_cxx_exception),
        cmocka_unit_test(leak_cxx_exception),
        cmocka_unit_test(clean_many_allocations),
        cmocka_unit_test(clean_cxx_inlined_method),
        cmocka_unit_test(leak_cxx_inlined_method),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
