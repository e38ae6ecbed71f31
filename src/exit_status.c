/* exit_status.c: the process's exit status, corrected: main's result and
 * exit()'s status pass through here (__libc_start_main and exit interposed),
 * so a main that drops cmocka's result still fails when leakcheck failed a
 * test, and LEAKCHECK_CMOCKA on a program that ran no group fails (unless
 * LEAKCHECK_ALLOW_NO_GROUP; the line names its arguments). Calls the
 * session and program_info.c. Not on the hook path. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmocka_glue.h"
#include "console.h"
#include "internal.h"
#include "options.h"
#include "program_info.h"
#include "session.h"

/* LEAKCHECK_CMOCKA reaches every program of the test's process tree (a
 * wrapper such as timeout or env before it, a shell or helper it starts):
 * only a program built as a test (one that links cmocka or leakcheck, or has
 * cmocka's runner linked in) fails for never running a group. */
static int is_test_program(void) {
    lc__guard_enter();
    int test = lc__program_is_test();
    lc__guard_leave();
    return test;
}

/* The program's exit status, corrected: a main that drops cmocka's result
 * (calls the group runner and returns 0) still fails when leakcheck failed a
 * test; LEAKCHECK_CMOCKA=1 on a program whose group runner leakcheck never saw
 * (not a cmocka suite, or cmocka linked statically) fails with one line. */
static void legacy_line(const char *option, const char *prog, const char *what) {
    fflush(stdout);
    fprintf(stderr,
            "leakcheck: %s, but %s ran its tests through cmocka's deprecated "
            "run_tests() (UnitTest arrays, _run_tests), which leakcheck does not judge: %s "
            "(register them with cmocka_unit_test and run them with cmocka_run_group_tests to "
            "judge them)\n",
            option, prog, what);
}

static int main_argc;
static char **main_argv;

/* "" or " with its arguments (-g nomatch: ...)": a runner that selects tests
 * by argument (simdzone's generated one: -g GROUP -t TEST) runs no group for
 * a selection that matches none. */
static void arguments(char *out, size_t size) {
    out[0] = 0;
    if (main_argc < 2 || !main_argv)
        return;
    size_t len = 0;
    for (int i = 1; i < main_argc && main_argv[i] && len + 64 < size; i++) {
        int w = snprintf(out + len, size - len, "%s%.60s", i > 1 ? " " : " with its arguments (",
                         main_argv[i]);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len + 48 < size)
        snprintf(out + len, size - len, ": a test selection that matches no group?)");
    else
        out[0] = 0; /* too long to quote */
}

/* The one line for LEAKCHECK_CMOCKA=1 on a test program that ran no group.
 * A program that links libcmocka.so and has no runner of its own would have
 * reached the interposed one had it run a group: its main runs no cmocka test
 * (a build that links cmocka into every test binary, as CRoaring's examples,
 * a test skipped at build time, a selection matching no group), and the
 * advice for a static cmocka, link libcmocka.so, would mislead. */
static void no_group_line(const char *prog) {
    struct lc_program_info pi = {0};
    lc__guard_enter();
    lc__program_info(&pi);
    lc__guard_leave();
    fflush(stdout);
    char args[320];
    arguments(args, sizeof args);
    if (pi.read && pi.needs_cmocka && !pi.defines_runner)
        fprintf(stderr,
                "leakcheck: LEAKCHECK_CMOCKA=1, but %s never ran a cmocka group: it links "
                "libcmocka.so, but its main runs no cmocka test%s, so none was judged (check a "
                "program with a main of its own under `leakcheck run -- %s`, run it without "
                "LEAKCHECK_CMOCKA, or let it pass with LEAKCHECK_ALLOW_NO_GROUP=1)\n",
                prog, args, prog);
    else
        fprintf(stderr,
                "leakcheck: LEAKCHECK_CMOCKA=1, but %s never ran a cmocka group through "
                "libcmocka.so: it is not a cmocka suite, or its cmocka is linked statically "
                "(link the test with libcmocka.so, e.g. cmocka::cmocka or pkg-config cmocka, "
                "to judge its tests)\n",
                prog);
}

/* leakcheck run --cmocka on a test program that ran no group: the check at
 * exit judged it, but no test was judged one by one; said, not failed. */
static void run_no_group_line(const char *prog) {
    char args[320];
    arguments(args, sizeof args);
    fflush(stdout);
    fprintf(stderr,
            "leakcheck: run --cmocka, but %s never ran a cmocka group%s: no test was judged "
            "one by one, the check at exit still is\n",
            prog, args);
}

static int exit_status(int status) {
    static int done;
    if (done || getpid() != lc__st.owner_pid)
        return status;
    if (lc__opts()->run_mode) { /* the exit check judges the process; say what it is not */
        done = 1;
        if (lc__opts()->cmocka && !lc__session_run()->cmocka.groups && lc__cmocka_legacy_runs())
            legacy_line("run --cmocka", program_invocation_short_name,
                        "its tests were not judged one by one, the check at exit still is");
        else if (lc__opts()->cmocka && !lc__session_run()->cmocka.groups && is_test_program())
            run_no_group_line(program_invocation_short_name);
        return status;
    }
    done = 1;
    const struct lc_options_values *o = lc__opts();
    const char *prog = program_invocation_short_name;
    if (o->cmocka && !lc__session_run()->cmocka.groups && lc__cmocka_legacy_runs()) {
        legacy_line("LEAKCHECK_CMOCKA=1", prog, "none of its tests was judged");
        return status ? status : 2;
    }
    if (o->cmocka && !lc__session_run()->cmocka.groups && is_test_program()) {
        no_group_line(prog);
        return status || o->allow_no_group ? status : 2;
    }
    unsigned failed = lc__session_failures();
    int code = status;
    const char *prefix;
    FILE *out = lc__console(&prefix);
    if (status == 0 && failed && o->exit_code) {
        fprintf(out,
                "%s[leakcheck] %u test%s failed by leakcheck but %s exited 0 (its main drops "
                "cmocka's result): exit status %ld (LEAKCHECK_EXIT_CODE=0 keeps 0)\n",
                prefix, failed, failed == 1 ? "" : "s", prog, o->exit_code);
        fflush(out);
        code = (int)o->exit_code;
    }
    lc__session_finish(); /* the last report writes now, so that their outcome counts */
    unsigned bad = lc__session_reports_failed();
    if (code == 0 && bad && o->exit_code) {
        fprintf(out, "%s[leakcheck] %u report%s could not be written (said above): exit status "
                "%ld (LEAKCHECK_EXIT_CODE=0 keeps 0)\n", prefix, bad, bad == 1 ? "" : "s",
                o->exit_code);
        fflush(out);
        code = (int)o->exit_code;
    }
    return code;
}

uintptr_t lc__exit_frame;

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

__attribute__((noinline)) static int main_wrapper(int argc, char **argv, char **envp) {
    main_argc = argc;
    main_argv = argv;
    int status = real_main(argc, argv, envp);
    /* main has returned: everything below this frame is dead from here on */
    lc__exit_frame = (uintptr_t)__builtin_frame_address(0);
    return exit_status(status);
}

typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                        void (*)(void), void *);

/* Interposed so that main's return value passes through exit_status. */
__attribute__((visibility("default"))) int
__libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                  void (*fini)(void), void (*rtld_fini)(void), void *stack_end) {
    start_fn real = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main;
    return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

typedef void (*exit_fn)(int) __attribute__((noreturn));

/* A main that ends with exit(0) instead of returning. The caller's
 * callee-saved registers hold the program's own live pointers (busybox calls
 * exit(applet_main(...)) with sort's line array in rbx): __builtin_unwind_init
 * saves them all in this frame, above `below`, so the scan at exit reads them
 * as roots (memcheck does too) while the exit path's deeper frames stay out. */
__attribute__((visibility("default"))) void exit(int status) {
    static exit_fn real;
    __builtin_unwind_init();
    volatile char below = 0;
    if (!lc__exit_frame)
        lc__exit_frame = (uintptr_t)&below;
    if (!real)
        real = (exit_fn)dlsym(RTLD_NEXT, "exit");
    if (getpid() == lc__st.owner_pid)
        lc__session_note_exit(status); /* from a test body: reported as such */
    real(exit_status(status));
}
