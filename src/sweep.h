/* sweep.h: the allocation-failure sweep (issue 12). After a test's verdict,
 * a recording run notes every allocation call of the test with its stack
 * (sweep_hook.c on the hook path, sweep_site.c turns the log into sites);
 * then per site a forked child runs the test with that call failing
 * (sweep_child.c) and sweep.c turns what the children report into findings.
 * Only sweep_hook.c's two entry points run on the hook path. */
#ifndef LC_SWEEP_H
#define LC_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "results.h"

/* Modes (bits): transient fails the call alone; persistent fails it and
 * every later allocation of the test. */
#define LC_SWEEP_TRANSIENT 1
#define LC_SWEEP_PERSISTENT 2

/* ---- sweep_hook.c: hook path ---- */
/* Read on the tracked path only: nonzero while a recording or a failing run
 * is going on (in the parent while recording, in a child while failing). */
extern int lc__sweep_on;
static inline int lc__sweeping(void) { return __atomic_load_n(&lc__sweep_on, __ATOMIC_RELAXED); }
/* An attributed allocation call with stack sid (guard up, inside on_alloc):
 * records it, or returns 1 when this call is to fail (the caller releases the
 * block and returns NULL with errno = ENOMEM). */
int lc__sweep_call(uint32_t sid);
/* realloc(p, n) with p != NULL, before glibc sees it (guard down): 1 when
 * this call is to fail (p stays valid). Counts the call itself, so the
 * allocation record realloc then makes is not counted again until
 * lc__sweep_realloc_done. */
int lc__sweep_realloc(void);
void lc__sweep_realloc_done(void);

/* Control (not hook path). */
void lc__sweep_record_begin(void);
/* Ends recording; *n gets the number of calls seen, *lost how many did not
 * fit the log. Returns the log (valid until the next recording). */
const uint32_t *lc__sweep_record_end(size_t *n, size_t *lost);
/* In a child: fail the first call with stack `site` (persistent: and every
 * later one). */
void lc__sweep_fail_begin(uint32_t site, int persistent);
/* After the failing run: whether the site's call was reached and failed,
 * the index among the run's calls where it was, and how many calls ran. */
void lc__sweep_fail_end(int *fired, size_t *index, size_t *calls);

/* ---- sweep_site.c: sites from recorded calls ---- */
struct lc_sweep_site {
    uint32_t stack;   /* depot id */
    size_t first;     /* index of its first call in the recording */
    size_t calls;     /* calls with this stack */
};
/* Distinct stacks of log[0..n) in order of first call, one site per distinct
 * symbolized top (function, file:line) and caller chain; *nsites set. */
struct lc_sweep_site *lc__sweep_sites(const uint32_t *log, size_t n, size_t *nsites);
/* 1 when two recordings saw different allocation patterns (sequences). */
int lc__sweep_differs(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* ---- sweep_child.c: one failing run in a forked child ---- */
/* What a run left behind by stack (clean run: the reference). */
struct lc_sweep_left {
    uint32_t stack;
    uint64_t blocks, bytes;
};
struct lc_sweep_ref {
    struct lc_sweep_left *left; /* blocks the clean run left, by stack */
    size_t nleft;
    int fds;                    /* open fds after the clean run */
    int threads;                /* unfinished threads after the clean run */
};
/* The reference of a clean run that just ended in scope generation gen
 * (guard up, scope still open): what it left by stack, its fds beyond
 * `before` and its unfinished threads. */
struct lc_fdset;
void lc__sweep_ref_take(uint32_t gen, const struct lc_fdset *before, unsigned checks,
                        struct lc_sweep_ref *ref);
/* The outcome of a failing run, as the parent decoded it. */
struct lc_sweep_group {
    uint64_t blocks, bytes;
    int held; /* the test held these when an assertion ended it (sweep_held.c) */
    int npcs;
    uintptr_t pcs[64];
};
/* An fd a failing run left open (beyond those open before it), with the
 * stack that opened it (npcs 0: no wrapper saw the call). */
struct lc_sweep_fd {
    int fd, npcs;
    uintptr_t pcs[64];
    char target[128];
};
struct lc_sweep_outcome {
    int status;        /* 0 finished, 1 crashed, 2 hung (killed), 3 no report */
    int signal;        /* crashed: the signal */
    int fired;         /* the site's call was reached and failed */
    uint64_t index;    /* where it was among the calls */
    int test_failed;   /* the test reported the error (assertion) */
    int fds, threads;  /* left after the run, beyond the clean run's */
    char fd_targets[256];
    int fds_added;     /* left after the run, the clean run's included */
    size_t nopen;      /* the first of those, with their opening stacks */
    struct lc_sweep_fd *open;
    size_t ngroups;    /* memory left behind, by stack */
    struct lc_sweep_group *groups;
    int ncrash;
    uintptr_t crash[64]; /* the crash stack, innermost first */
};
/* How the engine runs the test once (setup, body, teardown) inside the open
 * scope: 0 passed, 1 failed (an assertion, a fixture). */
typedef int (*lc_sweep_run_fn)(void *arg);
/* Forks a child that runs the test with the site failing and reports back;
 * waits at most timeout_ms. Returns 0 and fills *out, or -1 (fork failed). */
int lc__sweep_child(lc_sweep_run_fn run, void *arg, uint32_t site,
                    int persistent, const struct lc_sweep_ref *ref, unsigned checks,
                    long timeout_ms, struct lc_sweep_outcome *out);
void lc__sweep_outcome_free(struct lc_sweep_outcome *o);

/* ---- sweep_held.c: what the test held when an assertion ended it ---- */
/* In the child, before the run: the next cmocka failure is noted. */
void lc__sweep_held_arm(void);
/* At a cmocka failure, called from _fail with the callee-saved registers
 * as _fail found them (LC_SWEEP_REGS: the test's variables may live there):
 * the blocks reachable now are remembered. Frames below the caller's are
 * leakcheck's and no roots; the caller's frame (with regs) is. */
void lc__sweep_held_note(const uintptr_t *regs);
#if defined(__x86_64__)
#define LC_SWEEP_REGS(r)                                                                  \
    __asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t"      \
                     "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"         \
                     : : "r"(r) : "memory")
#else
#define LC_SWEEP_REGS(r)                                                                  \
    do {                                                                                  \
        for (int lc_i_ = 0; lc_i_ < 6; lc_i_++)                                           \
            (r)[lc_i_] = 0;                                                               \
    } while (0)
#endif
/* 1 when the block (ptr, stack) was reachable at that failure. */
int lc__sweep_held(uintptr_t ptr, uint32_t stack);
/* The child's attributed live blocks as lc_reach_block records into b
 * (sweep_child.c). */
struct lc_buf;
void lc__sweep_collect_lost(struct lc_buf *b);

/* ---- sweep_findings.c: an outcome in words ---- */
struct lc_rules;
struct lc_sweep_judge {
    struct lc_rules *rules;    /* the test's expect rules and suppressions (may be NULL) */
    struct lc_test_result *res;
    struct lc_sweep_result *r; /* res->fail_sweep, where findings go */
    lc_frame *site;            /* the failing allocation's stack, symbolized */
    int nsite;
    const char *mode;          /* "transient", "persistent" */
    long timeout_ms;           /* what a hang was stopped after */
    uint64_t test_owned;       /* blocks the test body itself allocated, not counted */
    uint64_t test_fds;         /* fds the test itself opened, not counted (as test_owned) */
    int strict;                /* LEAKCHECK_FAIL_SWEEP_STRICT: unchecked ones are findings */
    const char *test_code;     /* LEAKCHECK_FAIL_SWEEP_TEST_CODE */
};
/* Adds what one failing run showed to j->r. Returns 1, 0 when the run never
 * reached its site, -1 when it ended the process (exit) before reporting. */
int lc__sweep_judge(struct lc_sweep_judge *j, const struct lc_sweep_outcome *o);
/* A depot stack (stack != 0) or raw pcs, symbolized, leakcheck's own frames
 * cut; lc__xmalloc'd, NULL (*n = 0) when empty. */
lc_frame *lc__sweep_symbolize(const uintptr_t *pcs, int npcs, uint32_t stack, int *n);

/* ---- sweep_blame.c: the code under test's, or the test's ---- */
/* 1 when a frame is the C or C++ runtime's (libc, libstdc++, libgcc_s, ld.so). */
int lc__sweep_runtime_frame(const lc_frame *f);
/* 1 when stack st (a crash's, a lost block's; innermost first, the test
 * function b->test outermost: else, as for fixtures, 1) goes through the call by which the test reached the
 * failing allocation's stack site, or when that cannot be told; 0 when it
 * is the test's own code or another call the test made (after the failing
 * call returned: the test did not check its result). */
struct lc_sweep_blame {
    const char *test;      /* the test function's name (NAME or NAME_lc_body) */
    const char *test_code; /* LEAKCHECK_FAIL_SWEEP_TEST_CODE: a glob of the tests' files */
};
int lc__sweep_in_call(const struct lc_sweep_blame *b, const lc_frame *site, int nsite,
                      const lc_frame *st, int nst);

/* ---- sweep.c: the engine phase ---- */
struct lc_sweep_test {
    lc_sweep_run_fn run;
    void *arg;
    int modes;              /* LC_SWEEP_* bits, 0: off */
    long max_sites;
    unsigned checks;        /* LEAKCHECK_CHECK_* */
    const char *skip;       /* set: skip the sweep with this reason */
    struct lc_rules *rules; /* the test's expect rules and suppressions */
    int strict;             /* LEAKCHECK_FAIL_SWEEP_STRICT */
    const char *test_code;  /* LEAKCHECK_FAIL_SWEEP_TEST_CODE */
};
/* Runs the sweep of a test already judged (its scope closed) and stores it
 * in res->fail_sweep; a finding fails a clean test (failure_type
 * "fail-sweep"). */
void lc__sweep_test(const struct lc_sweep_test *t, struct lc_test_result *res);

#endif
