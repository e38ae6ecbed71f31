/* console.h: leakcheck's console text for tests and benchmarks (console.c).
 * Report time only, never on the hook path. */
#ifndef LC_CONSOLE_H
#define LC_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results.h"

struct lc_buf;

/* The stream for leakcheck's console lines and the prefix each line takes:
 * standard output, "# " comments inside cmocka's TAP, standard error when
 * cmocka writes SUBUNIT or XML to standard output. */
FILE *lc__console(const char **prefix);
/* console_keep.c: copies of fd 1 and 2 taken before the first test (guard
 * up); lc__console_kept gives back stdout or stderr, or its copy once the
 * program closed or replaced that fd. */
void lc__console_keep(void);
FILE *lc__console_kept(FILE *f);
/* 1 when console lines may be coloured (LEAKCHECK_COLOR, a terminal). */
int lc__use_color(void);
/* Appends "fn (file:line) <- ... <- caller (file:line)": the innermost frame,
 * then the program's own frames (runtime frames in between show as "..."). */
void lc__stack_line(struct lc_buf *b, const lc_frame *f, int n, int max);
/* "+1", "+472" for whole numbers, "+0.5" otherwise, into buf. */
const char *lc__rate(char *buf, size_t len, double v);
/* growth_phrase.c: the growth of `blocks` blocks and `bytes` requested bytes over n judged
 * iterations, exactly: "+2 blocks, +56 B per iteration", "1 block every 3
 * iterations, +100 B in 3 iterations"; brief: "+1 block/iter, +32 B/iter". */
struct lc_buf;
void lc__growth_phrase(struct lc_buf *b, int64_t blocks, int64_t bytes, unsigned n, int brief);
/* Prints s with control characters as \xNN (NULL: nothing); the same into a
 * buffer. For names and messages that come from tests. */
void lc__console_put(FILE *out, const char *s);
void lc__buf_put_console(struct lc_buf *b, const char *s);
/* "[  LEAK  ] name: message": one line per finished test. */
void lc__console_test(const struct lc_test_result *r);
/* "[  BENCH ] name: figures" (and its message): one per benchmark. */
void lc__console_bench(const struct lc_bench_result *b);
/* The tests' and the benchmarks' summary lines at exit. */
void lc__console_summary(const struct lc_run *run);

#endif
