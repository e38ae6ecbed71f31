/* results.h: the data model between the harness (engine.c, bench.c, session.c) and
 * the report writers (report_json.c, report_junit.c, console). The harness
 * fills these structures; writers only read them. Not on the hook path.
 *
 * Memory: everything reachable from an lc_run is owned by the run and
 * allocated with lc__xmalloc (glibc's allocator, never tracked). Strings are
 * either interned (lc__intern) or owned; writers never free anything. */
#ifndef LC_RESULTS_H
#define LC_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "leakcheck/core.h"

enum lc_verdict {
    LC_VERDICT_CLEAN = 0,
    LC_VERDICT_LEAK,
    LC_VERDICT_FAILED,  /* the body failed an assertion (cmocka) */
    LC_VERDICT_CRASHED, /* the body crashed (signal) */
    LC_VERDICT_SKIPPED,
};
/* "clean", "leak", "failed", "crashed", "skipped" */
const char *lc__verdict_name(int verdict);

enum lc_finding_kind {
    LC_FINDING_MEMORY = 0,
    LC_FINDING_THREAD,
    LC_FINDING_FD,
    LC_FINDING_MAPPING,
    LC_FINDING_PROCESS
};
/* "memory", "thread", "fd", "mapping", "process" */
const char *lc__finding_kind_name(int kind);

/* One iteration's snapshot, taken at its end. */
struct lc_snapshot {
    uint64_t allocs, frees, bytes_allocated; /* during this iteration */
    uint64_t live_blocks, live_bytes;        /* at its end, since the test began */
    uint64_t peak_bytes;                     /* peak live bytes during it */
    uint32_t threads;                        /* threads alive at its end */
    uint32_t fds;                            /* open fds at its end */
    uint32_t processes;                      /* child processes at its end */
};

struct lc_finding {
    int kind;                  /* enum lc_finding_kind */
    /* per measured iteration: blocks / bytes (memory), threads, fds that this
     * finding added in that iteration; length ngrowth */
    unsigned ngrowth;
    int64_t *growth_blocks;
    int64_t *growth_bytes;     /* memory only; NULL otherwise */
    uint64_t blocks, bytes;    /* memory: live at the end of the test */
    /* the allocation / creation / opening stack, innermost first */
    lc_frame *stack;
    int nstack;
    /* threads */
    const char *thread_name;   /* from /proc/self/task/TID/comm */
    int thread_tid;
    const char *thread_state;  /* "running", "exited-unjoined" */
    lc_frame *current_stack;   /* where a live thread is now */
    int ncurrent;
    /* fds */
    int fd;
    const char *fd_target;     /* readlink of /proc/self/fd/N */
    /* mappings (blocks, bytes: how many mappings of this stack are live and
     * their bytes; growth_blocks/growth_bytes: per iteration) */
    uint64_t map_addr, map_len; /* the first of them */
    const char *map_prot;      /* "rw-p": protection, then p(rivate) or s(hared) */
    const char *map_file;      /* the file mapped; NULL: anonymous */
    int map_shm;               /* a System V segment (shmat) */
    /* child processes */
    int proc_pid;
    const char *proc_command;  /* /proc/PID/stat's comm */
    const char *proc_state;    /* "zombie" (exited, never waited for), "running", ... */
    /* one line: "+1 block/iter, 32 B  record_new (config.c:88)" */
    const char *summary;
    /* leakcheck run: "definite", "indirect", "possible", "reachable" (memory) */
    const char *leak_kind;
    int informational;         /* listed, but does not fail the test */
};

struct lc_suppression_hit {
    const char *rule;          /* "leak:_IO_file_doallocate" */
    const char *why;           /* the rule's comment, or the file name it came from */
    unsigned long hits;
};

/* The allocation-failure sweep of a test (sweep.c; the JSON's "fail_sweep"). */
struct lc_sweep_finding {
    const char *mode;          /* "transient", "persistent" */
    const char *kind;          /* "leak", "crash", "hang", "fds", "threads" */
    const char *message;       /* "when the allocation at parser.c:88 fails: ..." */
    lc_frame *site;            /* the failing allocation's stack */
    int nsite;
    size_t nstacks;            /* leak: the stacks of what leaked; crash: one */
    lc_frame **stacks;
    int *nstack;
    uint64_t blocks, bytes;
    const char *signal;        /* crash: "SIGSEGV"; else NULL */
};
struct lc_sweep_result {
    unsigned sites, swept, unswept, runs;
    const char *skipped;       /* why the sweep did not run; NULL: it ran */
    const char *note;          /* e.g. the allocation pattern differs between runs */
    size_t nfindings;
    struct lc_sweep_finding *findings;
    /* crashes after the failing call had returned to the test (in its own
     * code or another call): the test did not check the result; findings
     * only under LEAKCHECK_FAIL_SWEEP_STRICT (sweep_blame.c) */
    size_t nunchecked;
    struct lc_sweep_finding *unchecked;
};

struct lc_test_result {
    const char *name;          /* test function name */
    const char *group;         /* cmocka group name, or the binary's name */
    const char *file;          /* source file of the test */
    unsigned line;
    int verdict;               /* enum lc_verdict */
    double duration;           /* seconds, all iterations */
    unsigned warmup, measured, extended; /* iteration counts actually run */
    unsigned attribution;      /* of extended: the runs with stacks that found
                                * where a growth comes from (the rest ran while
                                * the counts were ambiguous) */
    size_t nseries;            /* warmup + measured + extended */
    struct lc_snapshot *series;
    size_t nfindings;
    struct lc_finding *findings;
    size_t nsuppressed;
    struct lc_suppression_hit *suppressed;
    const char *message;       /* one line: verdict and growth, or the failure */
    const char *failure_type;  /* verdict failed: "budget", "baseline"; NULL: an assertion */
    const char *details;       /* several lines: the top stacks; may be NULL */
    /* Not repeatable: the first run passed and iteration number
     * not_repeatable (1-based) failed, with cmocka's message; the verdict
     * then comes from the first run alone ("single run"). 0: repeatable. */
    unsigned not_repeatable;
    const char *not_repeatable_message;
    /* why the verdict was reached (the JSON's `reason`, see the schema):
     * no_growth, growth_stopped, turnover, steady_growth, growth_at_limit,
     * kept_growth, left_behind, no_site_grows, site_grows, expected, single_run, failed */
    const char *reason;
    /* LEAKCHECK_FAIL_SWEEP: NULL when the sweep was not asked for */
    struct lc_sweep_result *fail_sweep;
};

struct lc_bench_result {
    const char *name, *group, *file;
    unsigned line;
    uint64_t n;                /* ops measured */
    double allocs_per_op, frees_per_op, bytes_per_op;
    uint64_t peak_bytes;       /* peak live bytes during the measured run */
    int64_t net_blocks, net_bytes; /* live at the end minus at the start */
    double ns_per_op;          /* informational */
    int data_dependent;        /* allocations per op varied between runs */
    const char *message;       /* a failed budget or baseline, else NULL */
    int failed;
};

/* What cmocka ran against what leakcheck judged (cmocka_glue.c). */
struct lc_cmocka_counts {
    unsigned groups;           /* groups run through cmocka's runner; 0: none */
    size_t ran;                /* tests whose function cmocka called */
    size_t judged;             /* of those, the ones leakcheck judged */
    size_t nunjudged;
    const char **unjudged;     /* names of the others (interned) */
};

/* One point of `leakcheck run`'s memory time series (--stats-interval). */
struct lc_run_point {
    uint64_t t_ms, allocs, frees, live_blocks, live_bytes, peak_bytes, threads, fds;
};

struct lc_run {
    const char *binary;        /* program_invocation_short_name */
    int pid;                   /* leakcheck run: the traced process (0: this one) */
    const char *program;       /* leakcheck run: its executable (NULL: this one) */
    size_t ntests;
    struct lc_test_result *tests;
    size_t nbenchmarks;
    struct lc_bench_result *benchmarks;
    struct lc_cmocka_counts cmocka;
    /* leakcheck run (pid != 0): the JSON's top-level "series" and "sampling" */
    const struct lc_run_point *series;
    size_t nseries;
    uint64_t sampling_bytes;   /* --sample; 0: every allocation has its stack */
};

#endif
