/* The report writers on synthetic results: XML escaping unit by unit, then a
 * whole lc_run full of hostile strings (quotes, &, <, >, control characters,
 * "]]>", non-ASCII and malformed UTF-8, a 1 MiB name) written as JSON and
 * JUnit into the directory given as argv[1]. check_reports.py then validates
 * those files against the JSON schema, tests/junit.xsd and a real JUnit
 * consumer (junit2json from npm); tests/CMakeLists.txt chains them as a ctest
 * fixture. The hostile strings here are repeated in check_reports.py, which
 * asserts that each one comes back exactly. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "../src/junit.h"
#include "../src/report.h"
#include "../src/xml.h"

static const char *outdir = ".";

/* ---- escaping, one rule at a time ---- */

static char *escaped(const char *s, enum lc_xml_mode mode) {
    static struct lc_buf b;
    lc__buf_free(&b);
    lc__buf_init(&b, realloc, free);
    lc__xml_escape(&b, s, mode);
    assert_false(b.failed);
    return b.data ? b.data : (char *)"";
}

static void t_escape_entities(void **state) {
    (void)state;
    const char *s = "a&b<c>d\"e'f";
    assert_string_equal(escaped(s, LC_XML_TEXT), "a&amp;b&lt;c&gt;d\"e'f");
    assert_string_equal(escaped(s, LC_XML_ATTR), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
    /* "]]>" can never end anything, since '>' is always escaped */
    assert_string_equal(escaped("x]]>y", LC_XML_TEXT), "x]]&gt;y");
    /* '/' stays as it is: &sol; is not an XML entity */
    assert_string_equal(escaped("a/b", LC_XML_ATTR), "a/b");
}

static void t_escape_whitespace(void **state) {
    (void)state;
    assert_string_equal(escaped("a\tb\nc\rd", LC_XML_TEXT), "a\tb\nc&#13;d");
    assert_string_equal(escaped("a\tb\nc\rd", LC_XML_ATTR), "a&#9;b&#10;c&#13;d");
    assert_string_equal(escaped("\n\tone\r\n two \n", LC_XML_ATTR_LINE), "one  two ");
    assert_string_equal(escaped("a\n\n\nb", LC_XML_ATTR_LINE), "a b");
}

static void t_escape_invalid(void **state) {
    (void)state;
    /* C0 controls other than tab/newline/CR are not XML 1.0 characters */
    assert_string_equal(escaped("a\x01" "b\x1b[0m", LC_XML_TEXT), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD[0m");
    /* malformed UTF-8: a stray continuation byte, an overlong '/', a
     * surrogate, a truncated sequence; one U+FFFD per bad byte */
    assert_string_equal(escaped("\x80", LC_XML_TEXT), "\xEF\xBF\xBD");
    assert_string_equal(escaped("\xC0\xAF", LC_XML_TEXT), "\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(escaped("\xED\xA0\x80", LC_XML_TEXT),
                        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(escaped("ok\xE2\x82", LC_XML_TEXT), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
    /* U+FFFE is well-formed UTF-8 but not an XML character */
    assert_string_equal(escaped("\xEF\xBF\xBE", LC_XML_TEXT), "\xEF\xBF\xBD");
    /* valid non-ASCII passes through untouched */
    assert_string_equal(escaped("ü名🙂", LC_XML_ATTR), "ü名🙂");
    assert_true(lc__utf8_valid("ü名🙂"));
    assert_false(lc__utf8_valid("a\xff"));
}

static void t_buffer_never_truncates(void **state) {
    (void)state;
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = "<&>\""[i % 4];
    big[n] = 0;
    struct lc_buf b;
    lc__buf_init(&b, realloc, free);
    lc__xml_escape(&b, big, LC_XML_ATTR);
    assert_false(b.failed);
    /* each of the four characters grows into its entity: 4+5+4+6 per 4 bytes */
    assert_int_equal(b.len, n / 4 * 19);
    assert_int_equal(strlen(b.data), b.len);
    lc__buf_printf(&b, "%s", big);
    assert_int_equal(b.len, n / 4 * 19 + n);
    lc__buf_free(&b);
    free(big);
}

static void t_names(void **state) {
    (void)state;
    for (int v = LC_VERDICT_CLEAN; v <= LC_VERDICT_SKIPPED; v++)
        assert_int_equal(lc__verdict_parse(lc__verdict_name(v)), v);
    for (int k = LC_FINDING_MEMORY; k <= LC_FINDING_FD; k++)
        assert_int_equal(lc__finding_kind_parse(lc__finding_kind_name(k)), k);
    assert_string_equal(lc__verdict_name(LC_VERDICT_LEAK), "leak");
    assert_int_equal(lc__verdict_parse("LEAK"), -1);
    assert_string_equal(lc__verdict_name(99), "unknown");
}

/* ---- a synthetic run ---- */

static lc_frame frames[] = {
    {0x401234, "record_new", "examples/\"quoted\" <dir>/a&b.c", 23, "/usr/bin/t&t", 1},
    {0x401300, "load_records", "examples/leaky_program.c", 35, "/usr/bin/t&t", 0},
    {0x7f0000001000, NULL, NULL, 0, NULL, 0},
};
static int64_t growth_blocks[] = {1, 1, 1, 1, 1};
static int64_t growth_bytes[] = {32, 32, 32, 32, 32};
static int64_t growth_one[] = {1, 0, 0, 0, 0};

static struct lc_finding findings[] = {
    {.kind = LC_FINDING_MEMORY, .ngrowth = 5, .growth_blocks = growth_blocks,
     .growth_bytes = growth_bytes, .blocks = 5, .bytes = 160, .stack = frames, .nstack = 3,
     .summary = "+1 block/iter, 32 B  record_new (a&b.c:23) <]]>"},
    {.kind = LC_FINDING_THREAD, .ngrowth = 5, .growth_blocks = growth_one, .stack = frames,
     .nstack = 2, .thread_name = "worker \"7\"", .thread_tid = 4242, .thread_state = "running",
     .current_stack = frames + 1, .ncurrent = 1,
     .summary = "thread 'worker \"7\"' left running"},
    {.kind = LC_FINDING_FD, .ngrowth = 5, .growth_blocks = growth_one, .fd = 7,
     .fd_target = "/tmp/a <b> & 'c'", .summary = "fd 7 -> /tmp/a <b> & 'c'"},
};

static struct lc_suppression_hit sups[] = {
    {"leak:_IO_file_doallocate", "stdio buffers live as long as the stream", 2},
};

/* The strings below are repeated in check_reports.py. */
#define GROUP1 "grp \"quoted\" & <angle> 'apos'"
#define GROUP2 "second/group"
static struct lc_snapshot series[8];
static struct lc_test_result tests[] = {
    {.name = "leaks_]]>_cdata & \"q\" <x>", .group = GROUP1, .file = "tests/t&t.c",
     .line = 12, .verdict = LC_VERDICT_LEAK, .duration = 0.125, .warmup = 2, .measured = 5,
     .extended = 1, .nseries = 8, .series = series, .nfindings = 3, .findings = findings,
     .nsuppressed = 1, .suppressed = sups,
     .message = "+1\x01 block,\t+32 B per iteration\n(5 of 5 measured) \x1b[31mred\x1b[0m",
     .details = "  +1 block/iter, 32 B   record_new (a&b.c:23)\n"
                "    <- load_records ]]> end\r\n  CDATA]]>again & 'x'"},
    {.name = "ünïcödé_名前_🙂", .group = GROUP1, .file = "tests/t.c", .line = 40,
     .verdict = LC_VERDICT_FAILED, .duration = 0.001,
     .message = "assert_int_equal(a, b): 1 != 2 <\"fail\">",
     .details = "tests/t.c:41: error: Failure!"},
    {.name = "crashes", .group = GROUP2, .file = "tests/t.c", .line = 50,
     .verdict = LC_VERDICT_CRASHED, .message = "SIGSEGV (11) in the body"},
    {.name = "skipped_one", .group = GROUP2, .verdict = LC_VERDICT_SKIPPED,
     .message = "needs a network"},
    {.name = "bad\xff\xfe utf8", .group = GROUP2, .file = NULL, .verdict = LC_VERDICT_CLEAN,
     .duration = 0.5, .warmup = 1, .measured = 2, .nseries = 3, .series = series},
};

static struct lc_bench_result benches[] = {
    {.name = "bench_parse", .group = GROUP1, .file = "bench/b.c", .line = 7, .n = 1000,
     .allocs_per_op = 3, .frees_per_op = 3, .bytes_per_op = 96.5, .peak_bytes = 4096,
     .net_blocks = 0, .net_bytes = 0, .ns_per_op = 250.0},
    {.name = "bench <over> budget", .group = GROUP2, .file = "bench/b.c", .line = 20,
     .n = 10, .allocs_per_op = 5, .frees_per_op = 4, .bytes_per_op = 160,
     .peak_bytes = 1600, .net_blocks = 10, .net_bytes = 320, .ns_per_op = 1e3,
     .data_dependent = 1, .failed = 1,
     .message = "allocs/op 5 > budget 4 & \"baseline\" 3"},
};

static struct lc_run run = {
    .binary = "report_fixture", .ntests = 5, .tests = tests, .nbenchmarks = 2,
    .benchmarks = benches,
};

static void fill_series(void) {
    for (unsigned i = 0; i < 8; i++)
        series[i] = (struct lc_snapshot){.allocs = 10, .frees = 9, .bytes_allocated = 320,
                                         .live_blocks = i + 1, .live_bytes = 32 * (i + 1),
                                         .peak_bytes = 64 * (i + 1), .threads = 1 + (i > 2),
                                         .fds = 3 + (i > 2)};
}

static char *path_in(const char *name) {
    static char buf[8][4096];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 4096, "%s/%s", outdir, name);
    return p;
}

static void t_write_reports(void **state) {
    (void)state;
    char err[512] = "";
    fill_series();
    /* the checkers read these files; a stale copy must not pass for a new one */
    unlink(path_in("report.json"));
    unlink(path_in("report.xml"));
    assert_int_equal(lc__report_write_json(&run, path_in("report.json"), err, sizeof err), 0);
    assert_int_equal(lc__report_write_junit(&run, path_in("report.xml"), err, sizeof err), 0);
    /* an empty run is a valid document too */
    struct lc_run empty = {.binary = "empty"};
    assert_int_equal(lc__report_write_json(&empty, path_in("empty.json"), err, sizeof err), 0);
    assert_int_equal(lc__report_write_junit(&empty, path_in("empty.xml"), err, sizeof err), 0);
}

static void t_placeholders(void **state) {
    (void)state;
    char err[512], want[4096];
    assert_int_equal(lc__report_write_junit(&run, path_in("r-%e-%p%%.xml"), err, sizeof err),
                     0);
    snprintf(want, sizeof want, "%s/r-%s-%d%%.xml", outdir, program_invocation_short_name,
             (int)getpid());
    struct stat st;
    assert_int_equal(stat(want, &st), 0);
    assert_true(st.st_size > 100);
    unlink(want);
    /* nothing but the reports is left in the directory: no temp files */
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q '\\.tmp\\.'", outdir);
    assert_int_not_equal(system(cmd), 0);
}

static void t_unwritable(void **state) {
    (void)state;
    char err[512] = "";
    fill_series();
    assert_int_equal(lc__report_write_junit(&run, "/nonexistent-dir/r.xml", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "cannot write report '/nonexistent-dir/r.xml'"));
    assert_null(strchr(err, '\n'));
    err[0] = 0;
    assert_int_equal(lc__report_write_json(&run, "/nonexistent-dir/r.json", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "cannot write report '/nonexistent-dir/r.json'"));
    assert_non_null(strstr(err, strerror(ENOENT)));
}

static void t_json_document(void **state) {
    (void)state;
    fill_series();
    lc__json_enter();
    json_t *doc = lc__json_run(&run);
    assert_non_null(doc);
    /* top-level keys in the documented order */
    const char *order[] = {"schema", "tool", "host", "options", "tests", "benchmarks"};
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val) {
        assert_true(i < 6);
        assert_string_equal(key, order[i++]);
    }
    assert_int_equal(i, 6);
    json_t *tests_j = json_object_get(doc, "tests");
    assert_int_equal(json_array_size(tests_j), 5);
    /* malformed UTF-8 is repaired, not dropped: the key is still there */
    const char *bad = json_string_value(json_object_get(json_array_get(tests_j, 4), "name"));
    assert_non_null(bad);
    assert_string_equal(bad, "bad\xEF\xBF\xBD\xEF\xBF\xBD utf8");
    /* the series carries its phase */
    json_t *s0 = json_array_get(json_object_get(json_array_get(tests_j, 0), "series"), 7);
    assert_string_equal(json_string_value(json_object_get(s0, "phase")), "extended");
    json_t *opts = json_object_get(doc, "options");
    assert_non_null(json_object_get(opts, "LEAKCHECK_JUNIT"));
    json_decref(doc);
    lc__json_leave();
}

int main(int argc, char **argv) {
    if (argc > 1)
        outdir = argv[1];
    const struct CMUnitTest t[] = {
        cmocka_unit_test(t_escape_entities),   cmocka_unit_test(t_escape_whitespace),
        cmocka_unit_test(t_escape_invalid),    cmocka_unit_test(t_buffer_never_truncates),
        cmocka_unit_test(t_names),             cmocka_unit_test(t_write_reports),
        cmocka_unit_test(t_placeholders),      cmocka_unit_test(t_unwritable),
        cmocka_unit_test(t_json_document),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
