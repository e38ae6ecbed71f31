/* run_live.h: `leakcheck run`'s traced process while it runs: snapshots by
 * signal or period, the memory time series, the sampling rate. run_live.c owns
 * the helper thread, run_live_signal.c the snapshot signal, run_live_series.c
 * the time series ring, run_live_parse.c the option values (also compiled into
 * the tool, which validates them before anything runs). Not on the hook path. */
#ifndef LC_RUN_LIVE_H
#define LC_RUN_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "xml.h"

/* ---- run_live_parse.c (library and tool) ---- */
/* "SIGUSR2", "USR2" or a number; signals the kernel, glibc or leakcheck itself
 * needs are refused. 0 and *sig set, or -1 with one line in err. */
int lc__live_parse_signal(const char *s, int stack_signal, int *sig, char *err, size_t len);
/* "512KiB", "1MiB", "1GiB", "4096" (bytes), "0" (off). 0, or -1 with one line. */
int lc__live_parse_size(const char *s, uint64_t *out, char *err, size_t len);
/* The signal's name without "SIG" ("USR2"), or its number as text. */
const char *lc__live_signal_name(int sig, char *buf, size_t len);

/* ---- run_live.c (library) ---- */
/* From lc__run_start before the process scope begins: --sample's mean
 * (sample.c); 0, or -1 when sampling was asked for and cannot be set up. */
int lc__live_sample_configure(void);
/* From lc__run_start, after the process scope began: installs the snapshot
 * signal and starts the helper thread when a live option asks for one. */
void lc__live_start(void);
/* From the final check: stops and joins the helper (never starts anything). */
void lc__live_stop(void);
/* The helper's tid (0 when none ran) and its stack, which the exit check
 * neither lists nor scans. */
int lc__live_helper_tid(void);
int lc__live_helper_stack(uintptr_t range[2]);
/* Wakes the helper to write a snapshot; async-signal-safe (a byte to a pipe). */
void lc__live_wake(void);
/* The "sampling BYTES" line when sampling is on. */
void lc__live_put_sampling(struct lc_buf *out);

/* ---- run_live_signal.c (library) ---- */
/* Installs the snapshot handler for sig; -1 after one line on stderr when the
 * program already handles or ignores it. */
int lc__live_signal_install(int sig);
/* 1 while snapshots by signal are on (the program has not taken the signal). */
int lc__live_signal_active(void);

/* ---- run_live_series.c (library) ---- */
/* Prepares a ring for one point per interval_ms; 0 or -1 (no memory). */
int lc__series_init(unsigned interval_ms);
/* Appends one point: counters, threads (minus skip_tid), fds, at t_ms; once
 * the ring was thinned out only every stride-th call, unless force. */
void lc__series_sample(uint64_t t_ms, int skip_tid, int force);
/* "series T_MS ALLOCS FREES LIVE_BLOCKS LIVE_BYTES PEAK THREADS FDS" lines. */
void lc__series_put(struct lc_buf *out);

#endif
