/* run.h: `leakcheck run` in the tool: the records its traced processes hand
 * over (run_record.c parses them) and the reports made from them
 * (run_report.c symbolizes, judges and writes). The tool never links
 * libleakcheck. */
#ifndef LC_TOOL_RUN_H
#define LC_TOOL_RUN_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdint.h>

#include "../src/results.h"
#include "../src/symtab.h"

/* Exit statuses of `leakcheck run` besides the program's own (README). */
#define LC_RUN_EXIT_USAGE 2       /* bad option, program or preloaded allocator; nothing was run */
#define LC_RUN_EXIT_NO_REPORT 125 /* the program ran, but no complete record arrived */
#define LC_RUN_EXIT_NOEXEC 126    /* the program is not executable */
#define LC_RUN_EXIT_NOTFOUND 127  /* no such program */

struct rr_stack {
    uint32_t id, epoch;
    int n;
    uintptr_t *pcs;
};
struct rr_site {
    uint32_t stack;
    int kind, cls; /* enum lc_reach_kind; LEAKCHECK_ATTRIBUTED / LEAKCHECK_BACKGROUND */
    uint64_t blocks, bytes;
};
struct rr_fd {
    int fd;
    uint32_t stack;
    char *target;
};
struct rr_map {
    uint64_t start, len;
    int prot, flags, shm;
    uint32_t stack;
    char *file; /* NULL: anonymous */
};
struct rr_thread {
    int tid;
    char *name;
};

/* One traced process's record (handoff.h). Strings point into the text the
 * record was parsed from; arrays are malloc'd. */
struct rr_proc {
    int pid, ppid;
    char *prog, *exe;
    uint64_t counters[7]; /* allocs frees bytes_allocated bytes_freed live_blocks live_bytes peak */
    uintptr_t wrap_lo, wrap_hi;
    uintptr_t self_lo, self_hi; /* libleakcheck's own text in that process */
    struct lc_module *mods;
    size_t nmods;
    struct rr_stack *stacks; /* sorted by id once complete */
    size_t nstacks;
    struct rr_site *sites;
    size_t nsites;
    struct rr_fd *fds;
    size_t nfds;
    struct rr_thread *threads;
    size_t nthreads;
    struct rr_map *maps;
    size_t nmaps;
    struct rr_thread *dropped; /* threads whose handle is stored nowhere; name: the state */
    size_t ndropped;
    char **notes;
    size_t nnotes;
    uint64_t scan[5]; /* root bytes, heap bytes, threads, unstopped, microseconds */
    uint64_t sample_rate; /* "sampling BYTES" (optional): sites are sampled, 1 per BYTES on average; 0: exact */
    char *unscanned; /* "unscanned WHY" (optional): the scan at exit failed, sites have no kind */
    int complete;     /* the "end" line arrived */
    const char *last; /* the last item that arrived, for a partial record */
    /* live (run_live.c): a snapshot's number and time, the time series of
     * the exit record */
    int snapshot;
    uint64_t snap_seq, snap_t_ms;
    struct lc_run_point *series;
    size_t nseries;
};

/* Parses every record in text (modified in place). Returns the number of
 * records, or -1 with one line in err for text that is not a record at all. */
long lc_run_records_parse(char *text, size_t len, struct rr_proc **procs, char *err,
                          size_t errlen);
void lc_run_records_free(struct rr_proc *procs, size_t n);
/* 1, with the entry in name, when an LD_PRELOAD entry loaded in this process
 * defines its own malloc (run_preload.c); 0 otherwise. */
int lc_run_foreign_allocator(char *name, size_t len);
/* The soname of the sanitizer runtime (libasan.so.8...) the program at path
 * names in DT_NEEDED into out: 0; none or not an ELF file: -1. */
int lc_run_sanitizer_needed(const char *path, char *out, size_t len);
const struct rr_stack *lc_run_stack(const struct rr_proc *p, uint32_t id);

/* How the program ended, for the report and the exit status. */
struct run_outcome {
    const char *cmd;     /* the command as given */
    int signaled, code;  /* WIFSIGNALED: code is the signal; else the exit status */
    double seconds;
};

/* Symbolizes and judges every record, prints the console report on stderr,
 * writes the JSON and JUnit reports the options ask for; returns bit 1 when a
 * process failed (a --leak-kinds block, an fd), bit 2 when the memory of one
 * could not be judged (its reachability scan at exit failed), bit 4 when a
 * report (JSON, JUnit, pprof) could not be written, else 0. */
int lc_run_report(struct rr_proc *procs, size_t n, const struct run_outcome *o);

/* Heap profiles of records (pprof_record.c): the samples of what p had live
 * (at exit, or at a snapshot), one per site, labelled test (NULL: the
 * program's name) and kind (definite, indirect, possible, reachable); the
 * rest of its counters in one sample at LC_PPROF_NO_STACK. syms: the
 * record's symbol table (NULL: one of its own). Returns 0, or -1 when out of
 * memory. */
struct lc_pprof;
int lc_pprof_add_record(struct lc_pprof *pp, const struct rr_proc *p, struct lc_symtab *syms,
                        const char *test);
/* Writes the profile of procs[0..n) (one test label each: "process:PROG",
 * then "process:PROG[PID]" for followed children, as in the JSON) to path,
 * expanding %e and %p (procs[0]'s). The first record's sampling rate applies.
 * Returns 0, or -1 with one line in err. */
int lc_pprof_write_records(const struct rr_proc *procs, size_t n, const char *path, char *err,
                           size_t errlen);

/* ---- run_live.c: the traced process while it runs ---- */
struct lc_options_values;
/* Checks the live options before anything runs: 0, or an exit status after
 * one line (a reserved or inherited-ignored snapshot signal, a bad size). */
int lc_run_live_check(const struct lc_options_values *o);
/* 1 when the tool must watch for snapshots while the program runs. */
int lc_run_live_watching(const struct lc_options_values *o);
/* Waits for pid like waitpid(pid, &status, 0), turning each snapshot record
 * that arrives in dir into a profile meanwhile. Returns 0 or -1. */
int lc_run_live_wait(pid_t pid, const char *dir, int *status);
/* Turns the snapshot records still in dir into profiles (after the exit). */
void lc_run_live_drain(const char *dir);
/* 1 for a file name in the records' directory that is a snapshot's (or its
 * temporary file), which the exit records' reader leaves alone. */
int lc_run_live_file(const char *name);
/* The time series' console line for p (nothing when it has none). */
void lc_run_live_print_series(FILE *out, const struct rr_proc *p);

/* The followed processes of dir that began tracking but left no record
 * (pids[0..n): the records that arrived, complete or not): one line each on
 * stderr (run_unreported.c). */
void lc_run_unreported(const char *dir, const int *pids, size_t n, int main_pid);

/* The program's own per-test reports (run_tests_merge.c): _prepare reads
 * the user's LEAKCHECK_JSON and LEAKCHECK_JUNIT (before run.c unsets them)
 * and, for those or --cmocka, makes a private directory; _child_env points
 * the program's reports there; _merge, after the tool wrote its reports,
 * puts the program's tests before the process entry in both, removes the
 * directory and returns how many of the program's tests failed. */
void lc_run_tests_prepare(void);
void lc_run_tests_child_env(void);
int lc_run_tests_merge(void);

#endif
