/* pprof.h: heap profiles in pprof's format (gzip'd profile.proto, what `go
 * tool pprof` reads), built sample by sample from symbolized frames: pprof.c
 * (builder, protobuf-c), pprof_gzip.c (zlib, the file), pprof_results.c (a
 * struct lc_run's samples); library and tool share them. Memory from
 * lc__xmalloc only (guard up in the library); never on the hook path. */
#ifndef LC_PPROF_H
#define LC_PPROF_H

#include <stddef.h>
#include <stdint.h>

#include "leakcheck/core.h"

struct lc_run;
struct lc_pprof;

/* The four values of every sample, in Go's heap-profile order. */
enum { LC_PP_ALLOC_OBJECTS, LC_PP_ALLOC_SPACE, LC_PP_INUSE_OBJECTS, LC_PP_INUSE_SPACE, LC_PP_NVALUES };

/* A new, empty profile. sample_rate 0: the values are exact (period 1);
 * otherwise allocations were sampled once per sample_rate bytes on average
 * and every sample is scaled as Go scales its heap profiles: by
 * 1 / (1 - exp(-avg / rate)), avg being the sample's bytes per object. NULL
 * when out of memory. */
struct lc_pprof *lc__pprof_new(uint64_t sample_rate);
void lc__pprof_free(struct lc_pprof *p);

/* Declares a mapped file: frames whose module is path are placed in it. Its
 * build-id (raw bytes, NULL when unknown) is written in hex. [lo, hi) and
 * offset may be 0 when unknown. Returns 0, or -1 when out of memory. A frame
 * whose module was never declared gets a mapping of its own, without
 * build-id. */
int lc__pprof_mapping(struct lc_pprof *p, const char *path, const unsigned char *build_id,
                      size_t build_id_len, uint64_t lo, uint64_t hi, uint64_t offset);

/* Adds one sample: frames[0..n) innermost first, as lc__symtab_resolve and
 * the reports give them (an inlined frame joins the next non-inlined one in
 * one location, as one more line); values[LC_PP_NVALUES] before scaling;
 * labels test and kind (NULL: left out). Returns 0, or -1 when out of
 * memory. */
int lc__pprof_sample(struct lc_pprof *p, const lc_frame *frames, int n, const int64_t *values,
                     const char *test, const char *kind);
/* The same for values that are exact whatever the sampling rate (counters
 * kept for every allocation): never scaled. */
int lc__pprof_sample_exact(struct lc_pprof *p, const lc_frame *frames, int n,
                           const int64_t *values, const char *test, const char *kind);
/* What lc__pprof_sample adds for values (scaled in place when sampled). */
void lc__pprof_scale(const struct lc_pprof *p, int64_t *values);

/* A comment line shown by `go tool pprof -comments`. */
int lc__pprof_comment(struct lc_pprof *p, const char *text);

/* Encodes the profile (protobuf-c). Returns the bytes in lc__xmalloc'd
 * memory, or NULL when out of memory. */
unsigned char *lc__pprof_encode(struct lc_pprof *p, size_t *len);

/* Encodes, compresses and writes the profile to path (no %-expansion) the
 * way reports are written (safe_write.c). Returns 0, or -1 with one line
 * "leakcheck: cannot write pprof profile 'PATH': REASON" in err. */
int lc__pprof_write(struct lc_pprof *p, const char *path, char *err, size_t errlen);

/* Parses profile.proto bytes (not gzip'd) into protobuf-c's structures
 * (profile.pb-c.h, generated), allocating through lc__xmalloc; NULL when the
 * bytes are no such message. Free with lc__pprof_decoded_free. */
struct Lcpb__Profile;
struct Lcpb__Profile *lc__pprof_decode(const unsigned char *data, size_t len);
void lc__pprof_decoded_free(struct Lcpb__Profile *p);

/* gzip (RFC 1952) of in[0..n) in lc__xmalloc'd memory, zlib allocating
 * through lc__xmalloc too; NULL when out of memory (pprof_gzip.c). */
unsigned char *lc__gzip(const unsigned char *in, size_t n, size_t *outlen);
/* The inverse, for reading profiles back: NULL when in is not gzip (or
 * zlib) data or out of memory; *outlen bounded by limit. */
unsigned char *lc__gunzip(const unsigned char *in, size_t n, size_t limit, size_t *outlen);

/* The pseudo-function of the allocations counted without a stack: blocks
 * freed before the end (no stack is kept for them), and blocks allocated
 * while stacks were off. */
#define LC_PPROF_NO_STACK "[no stack kept]"

/* The samples of a run (pprof_results.c), one `test` label per test: for
 * each memory finding its blocks and bytes live at the test's end (inuse)
 * and the same as allocated (alloc); the rest of the test's allocations
 * (its series' totals minus the findings) in one sample at LC_PPROF_NO_STACK.
 * Returns 0, or -1 when out of memory. */
int lc__pprof_add_run(struct lc_pprof *p, const struct lc_run *run);

/* Library only (pprof_session.c): the profile of run, with the live process's
 * modules and build-ids, written to path (%e, %p expanded). Returns 0, or -1
 * with one line in err. Guard up. */
int lc__pprof_write_run(const struct lc_run *run, const char *path, char *err, size_t errlen);

#endif
