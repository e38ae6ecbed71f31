/* Unit test of the profile builder (src/pprof.c, pprof_gzip.c): Go's scaling
 * of sampled values (none for exact ones), inlined frames as lines of one
 * location, deduplication, build-ids in hex, gzip round trip, damaged input,
 * and no allocation through the tracked heap while building, encoding and
 * compressing inside a scope. Hidden functions: the static library. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../testutil.h"
#include "leakcheck/version.h"
#include "pprof.h"
#include "profile.pb-c.h"

static Lcpb__Profile *round_trip(struct lc_pprof *p) {
    size_t n = 0, zn = 0, un = 0;
    unsigned char *raw = lc__pprof_encode(p, &n);
    assert_non_null(raw);
    unsigned char *gz = lc__gzip(raw, n, &zn);
    assert_non_null(gz);
    assert_int_equal(gz[0], 0x1f);
    assert_int_equal(gz[1], 0x8b);
    unsigned char *back = lc__gunzip(gz, zn, 1 << 20, &un);
    assert_non_null(back);
    assert_int_equal(un, n);
    assert_memory_equal(back, raw, n);
    Lcpb__Profile *d = lc__pprof_decode(back, un);
    assert_non_null(d);
    free(raw); /* lc__xmalloc is glibc's allocator */
    free(gz);
    free(back);
    return d;
}

static const char *s(const Lcpb__Profile *d, int64_t i) { return d->strings[i]; }

static void sampled_values_scale_as_go(void **state) {
    (void)state;
    struct lc_pprof *p = lc__pprof_new(524288);
    lc_frame f = {.address = 0x1000, .function = "make", .file = "a.c", .line = 3};
    int64_t v[LC_PP_NVALUES] = {1, 1024, 1, 1024};
    assert_int_equal(lc__pprof_sample(p, &f, 1, v, "t", NULL), 0);
    assert_int_equal(lc__pprof_sample_exact(p, &f, 1, v, "t", NULL), 0);
    Lcpb__Profile *d = round_trip(p);
    double scale = 1.0 / (1.0 - exp(-1024.0 / 524288.0));
    assert_int_equal(d->n_sample, 2);
    assert_int_equal(d->sample[0]->value[0], (int64_t)(scale + 0.5));
    assert_int_equal(d->sample[0]->value[3], (int64_t)(1024 * scale + 0.5));
    assert_int_equal(d->sample[1]->value[3], 1024); /* exact: never scaled */
    assert_int_equal(d->period, 524288);
    assert_string_equal(s(d, d->period_type->type), "space");
    assert_string_equal(s(d, d->period_type->unit), "bytes");
    const char *types[] = {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"};
    for (int i = 0; i < 4; i++)
        assert_string_equal(s(d, d->sample_type[i]->type), types[i]);
    assert_string_equal(s(d, d->default_sample_type), "inuse_space");
    assert_int_equal(d->n_comment, 1);
    assert_string_equal(s(d, d->comment[0]), "leakcheck " LEAKCHECK_VERSION_STRING " heap profile");
    lc__pprof_decoded_free(d);
    lc__pprof_free(p);
}

static void inlined_frames_are_lines_of_one_location(void **state) {
    (void)state;
    struct lc_pprof *p = lc__pprof_new(0);
    const unsigned char id[] = {0xde, 0xad, 0x01};
    assert_int_equal(lc__pprof_mapping(p, "/bin/x", id, sizeof id, 0x1000, 0x2000, 0), 0);
    lc_frame fr[] = {
        {.address = 0x1100, .function = "helper", .file = "x.c", .line = 5, .module = "/bin/x",
         .inlined = 1},
        {.address = 0x1100, .function = "caller", .file = "x.c", .line = 9, .module = "/bin/x"},
        {.address = 0x1200, .function = "main", .file = "x.c", .line = 20, .module = "/bin/x"},
    };
    int64_t v[LC_PP_NVALUES] = {1, 8, 1, 8};
    assert_int_equal(lc__pprof_sample(p, fr, 3, v, "one", "definite"), 0);
    assert_int_equal(lc__pprof_sample(p, fr, 3, v, "two", NULL), 0);
    Lcpb__Profile *d = round_trip(p);
    assert_int_equal(d->n_location, 2); /* shared by both samples */
    assert_int_equal(d->n_function, 3);
    assert_int_equal(d->sample[0]->n_location_id, 2);
    const Lcpb__Location *l = d->location[d->sample[0]->location_id[0] - 1];
    assert_int_equal(l->n_line, 2);
    assert_int_equal(l->address, 0x1100);
    assert_string_equal(s(d, d->function[l->line[0]->function_id - 1]->name), "helper");
    assert_int_equal(l->line[0]->line, 5);
    assert_string_equal(s(d, d->function[l->line[1]->function_id - 1]->name), "caller");
    assert_int_equal(d->n_mapping, 1);
    assert_int_equal(l->mapping_id, 1);
    assert_string_equal(s(d, d->mapping[0]->build_id), "dead01");
    assert_string_equal(s(d, d->mapping[0]->filename), "/bin/x");
    assert_int_equal(d->sample[0]->n_label, 2);
    assert_string_equal(s(d, d->sample[0]->label[0]->key), "test");
    assert_string_equal(s(d, d->sample[0]->label[0]->str), "one");
    assert_string_equal(s(d, d->sample[0]->label[1]->str), "definite");
    assert_int_equal(d->sample[1]->n_label, 1);
    lc__pprof_decoded_free(d);
    lc__pprof_free(p);
}

static void damaged_input_is_refused(void **state) {
    (void)state;
    size_t n = 0;
    const unsigned char junk[] = "\x1f\x8b\x08garbage";
    assert_null(lc__gunzip(junk, sizeof junk, 1 << 20, &n));
    const unsigned char text[] = "not a profile at all";
    assert_null(lc__gunzip(text, sizeof text, 1 << 20, &n));
}

static void building_allocates_nothing_tracked(void **state) {
    (void)state;
    lc_scope_config cfg = {.stacks = 0};
    assert_int_equal(lc_scope_begin(&cfg), 0);
    struct lc_pprof *p = lc__pprof_new(0);
    lc_frame f = {.address = 0x10, .function = "f", .file = "f.c", .line = 1, .module = "/m"};
    int64_t v[LC_PP_NVALUES] = {1, 2, 3, 4};
    for (int i = 0; i < 200; i++) {
        f.address += 16;
        f.line++;
        lc__pprof_sample(p, &f, 1, v, "t", NULL);
    }
    size_t n = 0, zn = 0;
    unsigned char *raw = lc__pprof_encode(p, &n);
    unsigned char *gz = raw ? lc__gzip(raw, n, &zn) : NULL;
    Lcpb__Profile *d = raw ? lc__pprof_decode(raw, n) : NULL;
    lc__pprof_decoded_free(d);
    lc__pprof_free(p);
    lc_counters c, seen;
    lc_scope_counters(&c, LEAKCHECK_ALL);
    void *volatile planted = malloc(24); /* the twin: the scope does observe this thread */
    free(planted);
    lc_scope_counters(&seen, LEAKCHECK_ALL);
    lc_scope_end();
    assert_non_null(gz);
    assert_int_equal(c.allocs, 0);
    assert_int_equal(seen.allocs, 1);
    free(raw);
    free(gz);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sampled_values_scale_as_go),
        cmocka_unit_test(inlined_frames_are_lines_of_one_location),
        cmocka_unit_test(damaged_input_is_refused),
        cmocka_unit_test(building_allocates_nothing_tracked),
    };
    return cmocka_run_group_tests_name("pprof_unit", tests, NULL, NULL);
}
