/* console.c: the console text of tests and benchmarks: the stream and prefix
 * that keep cmocka's machine-readable output intact, the one line per test or
 * benchmark, stack lines and the summary at exit. Calls only stdio and the
 * options; report time, never on the hook path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "console.h"
#include "frames.h"
#include "internal.h"
#include "options.h"
#include "report.h"
#include "symtab.h"
#include "xml.h"

int lc__use_color(void) {
    int c = lc__opts()->color; /* auto|always|never */
    return c == 1 || (c == 0 && isatty(STDOUT_FILENO));
}

/* Where leakcheck's own console lines go so they never corrupt cmocka's
 * machine-readable output: standard output normally, as "# " comments inside
 * TAP, standard error with SUBUNIT or XML on standard output. */
FILE *lc__console(const char **prefix) {
    const char *o = getenv("CMOCKA_MESSAGE_OUTPUT");
    *prefix = "";
    if (!o || !*o || strcasestr(o, "stdout") || strcasestr(o, "standard"))
        return lc__console_kept(stdout);
    if (strcasestr(o, "tap")) {
        *prefix = "# ";
        return lc__console_kept(stdout);
    }
    return lc__console_kept(stderr);
}

/* "+1", "+472", "+4194304" for whole numbers, "+0.5" otherwise: growth per
 * iteration reads best without exponents. */
const char *lc__rate(char *buf, size_t len, double v) {
    if (v == (double)(long long)v)
        snprintf(buf, len, "%+lld", (long long)v);
    else
        snprintf(buf, len, "%+.1f", v);
    return buf;
}

/* Strings from tests (names, messages) are printed with control characters
 * (ANSI escapes, newlines, carriage returns) as \xNN, so a test name cannot
 * forge console lines or drive the terminal; the reports keep the exact bytes
 * (they escape by their own rules). */
void lc__console_put(FILE *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

void lc__buf_put_console(struct lc_buf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            lc__buf_printf(b, "\\x%02x", *p);
        else
            lc__buf_putc(b, (char)*p);
    }
}

void lc__console_test(const struct lc_test_result *r) {
    static const char *const tags[] = {"  CLEAN ", "  LEAK  ", " FAILED ", " CRASHED",
                                       " SKIPPED"};
    static const char *const colors[] = {"\033[32m", "\033[31m", "\033[31m", "\033[31m",
                                         "\033[33m"};
    const char *prefix;
    FILE *out = lc__console(&prefix);
    int color = lc__use_color() && !*prefix && out == stdout;
    int known = r->verdict >= 0 && r->verdict <= LC_VERDICT_SKIPPED;
    const char *tag = known ? tags[r->verdict] : "  ???   ";
    if (r->verdict == LC_VERDICT_FAILED && r->failure_type &&
        (strcmp(r->failure_type, "setup") == 0 || strcmp(r->failure_type, "teardown") == 0))
        tag = "  ERROR "; /* a fixture failed: cmocka's word */
    fprintf(out, "%s%s[%s]%s ", prefix, color && known ? colors[r->verdict] : "", tag,
            color ? "\033[0m" : "");
    lc__console_put(out, r->name); /* names and messages may hold any bytes */
    fputs(": ", out);
    lc__console_put(out, r->message);
    fputc('\n', out);
    /* the details of a failure follow in cmocka's own failure message */
    fflush(out);
}

void lc__console_bench(const struct lc_bench_result *b) {
    const char *prefix;
    FILE *out = lc__console(&prefix);
    int color = lc__use_color() && !*prefix && out == stdout;
    char a[64], f[64], y[64];
    lc__bl_num(b->allocs_per_op, a, sizeof a);
    lc__bl_num(b->frees_per_op, f, sizeof f);
    lc__bl_num(b->bytes_per_op, y, sizeof y);
    fprintf(out, "%s%s[%s]%s ", prefix, color ? (b->failed ? "\033[31m" : "\033[32m") : "",
            b->failed ? " FAILED " : "  BENCH ", color ? "\033[0m" : "");
    lc__console_put(out, b->name);
    fputs(": ", out);
    if (b->n)
        fprintf(out,
                "%llu ops  %.1f ns/op  %s B/op  %s allocs/op  %s frees/op  peak %llu B  net "
                "%+lld blocks, %+lld B%s\n",
                (unsigned long long)b->n, b->ns_per_op, y, a, f,
                (unsigned long long)b->peak_bytes, (long long)b->net_blocks,
                (long long)b->net_bytes,
                b->data_dependent ? "  (data-dependent: mean)" : "");
    else
        fprintf(out, "%s\n", b->message ? b->message : "");
    if (b->n && b->message)
        fprintf(out, "%s    %s\n", prefix, b->message);
    fflush(out);
}

void lc__console_summary(const struct lc_run *run) {
    size_t n[5] = {0};
    for (size_t i = 0; i < run->ntests; i++)
        if (run->tests[i].verdict >= 0 && run->tests[i].verdict <= LC_VERDICT_SKIPPED)
            n[run->tests[i].verdict]++;
    const char *prefix;
    FILE *out = lc__console(&prefix);
    if (run->ntests)
        fprintf(out, "%s[leakcheck] %zu test%s: %zu clean, %zu leak, %zu failed, %zu crashed, "
                "%zu skipped\n",
                prefix, run->ntests, run->ntests == 1 ? "" : "s", n[0], n[1], n[2], n[3], n[4]);
    if (run->nbenchmarks) {
        size_t failed = 0;
        for (size_t i = 0; i < run->nbenchmarks; i++)
            failed += run->benchmarks[i].failed != 0;
        fprintf(out, "%s[leakcheck] %zu benchmark%s: %zu ok, %zu failed\n", prefix,
                run->nbenchmarks, run->nbenchmarks == 1 ? "" : "s", run->nbenchmarks - failed,
                failed);
    }
    const struct lc_cmocka_counts *c = &run->cmocka;
    if (c->groups) {
        fprintf(out, "%s[leakcheck] cmocka ran %zu test%s in %u group%s; leakcheck judged %zu",
                prefix, c->ran, c->ran == 1 ? "" : "s", c->groups, c->groups == 1 ? "" : "s",
                c->judged);
        if (c->nunjudged) {
            fprintf(out, "; not judged (plain cmocka tests; LEAKCHECK_CMOCKA=1 judges them):");
            for (size_t i = 0; i < c->nunjudged; i++)
                fprintf(out, "%s %s", i ? "," : "", c->unjudged[i]);
        }
        fputc('\n', out);
    }
    fflush(out);
}

/* Frames inside the C and C++ runtimes (and leakcheck's wrappers) between the
 * allocating call and the code that made it; also the C++ library's code
 * inlined from its headers, and sanitizer runtimes (frames.c). */
static int runtime_frame(const lc_frame *f) {
    if (lc__cxx_library_frame(f) || lc__sanitizer_frame(f))
        return 1;
    const char *m = f->module ? strrchr(f->module, '/') : NULL;
    m = m ? m + 1 : f->module;
    return lc__symtab_runtime_module(f->module) ||
           (m && strncmp(m, "libleakcheck.so", strlen("libleakcheck.so")) == 0);
}

/* The last `parts` components of path ("unittests/asn1.c" for 2). */
static const char *path_tail(const char *path, int parts) {
    const char *p = path + strlen(path);
    while (p > path && parts > 0)
        if (*--p == '/' && --parts == 0)
            return p + 1;
    return path;
}

/* A frame's file as shown: its base name, or as many trailing components as
 * tell it apart from another file of the same name in the line (OpenSC's
 * unit test asn1.c #includes libopensc/asn1.c: "asn1.c:1106 <- asn1.c:590"
 * named two files alike). */
static const char *shown_file(const lc_frame *f, const lc_frame *all, const int *keep, int nk) {
    int parts = 1;
    for (int again = 1; again && parts < 8;) {
        again = 0;
        const char *mine = path_tail(f->file, parts);
        for (int k = 0; k < nk && !again; k++) {
            const lc_frame *g = &all[keep[k]];
            if (g->file && strcmp(g->file, f->file) != 0 &&
                strcmp(path_tail(g->file, parts), mine) == 0)
                again = 1;
        }
        parts += again;
    }
    return path_tail(f->file, parts);
}

static void put_frame(struct lc_buf *b, const lc_frame *f, const char *file) {
    lc__buf_puts(b, f->function ? f->function : "??");
    if (file) {
        lc__buf_printf(b, " (%s:%u)", file, f->line);
    } else if (!f->function) {
        char where[512];
        lc__buf_printf(b, " (%s)", lc__frame_where(f, where, sizeof where));
    }
}

/* cmocka's test runner: libcmocka's frames, or its runner functions when
 * cmocka is compiled into the program. */
static int cmocka_runner_frame(const lc_frame *f) {
    const char *m = f->module ? strrchr(f->module, '/') : NULL;
    m = m ? m + 1 : f->module;
    if (m && strncmp(m, "libcmocka", strlen("libcmocka")) == 0)
        return 1;
    static const char *const runner[] = {"_cmocka_run_group_tests", "cmocka_run_one_tests",
                                         "cmocka_run_one_test_or_fixture", "_run_test",
                                         "_run_tests", "_run_group_tests"};
    for (size_t i = 0; f->function && i < sizeof runner / sizeof runner[0]; i++)
        if (strcmp(f->function, runner[i]) == 0)
            return 1;
    return 0;
}

/* Where a fixture's stack (cmocka called the setup, not a test body) enters
 * cmocka's runner: the first runner frame after program frame first whose
 * outer frames are the runner's, the runtime's, leakcheck's or main; n when
 * there is none. */
static int runner_cut(const lc_frame *f, int first, int n) {
    for (int i = first + 1; i < n; i++) {
        if (!cmocka_runner_frame(&f[i]))
            continue;
        int program_after = 0;
        for (int j = i + 1; j < n && !program_after; j++)
            program_after = !cmocka_runner_frame(&f[j]) && !lc__own_frame(&f[j]) &&
                            !runtime_frame(&f[j]) &&
                            !(f[j].function && strcmp(f[j].function, "main") == 0);
        if (!program_after)
            return i;
    }
    return n;
}

/* "function (file:line) <- caller (file:line) <- ... <- test_body (t.c:9)":
 * the innermost frame, the program's own frames (runtime frames between
 * them elided), and always the outermost one, the test body (or the fixture
 * cmocka's runner called: its frames and main's are cut): when more than
 * `max` remain, the middle is elided, never the test body. */
void lc__stack_line(struct lc_buf *b, const lc_frame *f, int n, int max) {
    int keep[LC_MAX_DEPTH * 2 + 1], gap[LC_MAX_DEPTH * 2 + 1], nk = 0, skipped = 0;
    for (int i = 0; i < n && nk < (int)(sizeof keep / sizeof keep[0]); i++) {
        if (lc__own_frame(&f[i]))
            continue;
        if (nk > 0 && !cmocka_runner_frame(&f[keep[nk - 1]]) && cmocka_runner_frame(&f[i]) &&
            runner_cut(f, keep[nk - 1], n) == i)
            break; /* a fixture's stack: the line ends at the fixture */
        if (nk > 0 && runtime_frame(&f[i]) && i + 1 < n) {
            skipped = 1;
            continue;
        }
        gap[nk] = skipped;
        keep[nk++] = i;
        skipped = 0;
    }
    if (max < 2)
        max = 2;
    for (int k = 0; k < nk; k++) {
        int elide = nk > max && k == max - 1; /* jump to the test body */
        if (elide)
            k = nk - 1;
        if (k > 0)
            lc__buf_puts(b, gap[k] || elide ? " <- ... <- " : " <- ");
        const lc_frame *fr = &f[keep[k]];
        put_frame(b, fr, fr->file ? shown_file(fr, f, keep, nk) : NULL);
    }
    if (nk == 0)
        lc__buf_puts(b, lc__st.stacks_allowed
                            ? "(no stack: allocated before stacks were captured)"
                            : "(no stack: LEAKCHECK_STACKS=0)");
}
