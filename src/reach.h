/* reach.h: the conservative reachability scan (reach.c): classifies live
 * blocks as definitely, indirectly or possibly lost, or reachable, from the
 * process's roots (module data, thread stacks and registers, TLS). Used by
 * the engine to judge a test that cannot be repeated (single-run mode). Not on
 * the hook path. */
#ifndef LC_REACH_H
#define LC_REACH_H

#include <stddef.h>
#include <stdint.h>

enum lc_reach_kind { LC_REACH_DEFINITE = 0, LC_REACH_INDIRECT, LC_REACH_POSSIBLE, LC_REACH_REACHABLE };
const char *lc__reach_kind_name(int kind);
struct lc_reach_block { uintptr_t ptr; uint64_t size; uint32_t stack; uint32_t user; int kind; };
struct lc_reach_opts { const uintptr_t (*exclude)[2]; size_t nexclude; const uintptr_t *needles;
    size_t nneedles; int *needle_found; const uintptr_t (*needle_ignore)[2]; size_t nneedle_ignore;
    unsigned stop_timeout_ms; };
struct lc_reach_stats { uint64_t root_bytes, heap_bytes_scanned; unsigned threads, threads_unstopped; double seconds; };
int lc__reach_classify(struct lc_reach_block *blocks, size_t n, const struct lc_reach_opts *o,
                       struct lc_reach_stats *st);

#endif
