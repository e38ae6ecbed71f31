/* leakcheck: the command-line tool.
 *
 *   leakcheck run [options] -- CMD [ARGS]   run CMD with leak tracking preloaded
 *   leakcheck report FILE.json... [--format text|markdown] [--junit OUT.xml]
 *                                           summarize JSON reports, merge to JUnit
 *   leakcheck compare OLD.json NEW.json [--tolerance PCT] [--format text|markdown]
 *                                           allocation counts per benchmark and test,
 *                                           exit 1 on a regression
 *   leakcheck baseline update BASELINE.json REPORT.json... [--prune]
 *                                           write a baseline from reports
 *   leakcheck options [--markdown]          the options table
 *   leakcheck --help | --version
 *
 * `run` (tools/run.c) validates every option and the program before it starts
 * anything, preloads libleakcheck into CMD, and makes every report from the raw
 * record CMD hands back at exit; the exit status is documented in run.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/options.h"
#include "leakcheck/version.h"

#ifndef LC_REL_LIBDIR
#define LC_REL_LIBDIR "../lib"
#endif
#define LC_LIBNAME "libleakcheck.so"

#include "tool.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: leakcheck run [options] -- CMD [ARGS...]\n"
            "       leakcheck report FILE.json... [--format text|markdown] [--junit OUT.xml]\n"
            "                [--pprof OUT.pb.gz] [--html OUT.html [--baseline BASELINE.json]]\n"
            "       leakcheck diff OLD.pb.gz NEW.pb.gz\n"
            "       leakcheck compare OLD.json NEW.json [--tolerance PERCENT] "
            "[--format text|markdown]\n"
            "       leakcheck baseline update BASELINE.json REPORT.json... [--prune]\n"
            "       leakcheck options [--markdown]\n"
            "       leakcheck snapshot PID\n"
            "       leakcheck --help | --version\n"
            "\n"
            "run: runs CMD with libleakcheck preloaded. At exit, after every destructor,\n"
            "the blocks still live are classified by a reachability scan (definitely,\n"
            "indirectly, possibly lost, still reachable) and the fds opened since\n"
            "start-up are listed; this tool symbolizes them and writes the reports.\n"
            "Exit status: CMD's own when it failed (128+N when killed by signal N);\n"
            "else --exit-code when a --leak-kinds block or an fd (--track-fds) is left,\n"
            "or a report asked for could not be written;\n"
            "else 0. 125: no report arrived, or no memory for the exit scan;\n"
            "126/127: CMD not executable / not found;\n"
            "2: a bad option, a setuid or static CMD, or a replacement malloc in\n"
            "LD_PRELOAD (nothing run).\n"
            "\n"
            "report: prints a summary of JSON reports (per test: verdict, growth per\n"
            "iteration, top finding) and with --junit merges them into one JUnit XML\n"
            "file, with --pprof into one heap profile (pprof format, a test label per\n"
            "test). A missing, cut-short or foreign file: one line naming it, exit 2.\n"
            "--html OUT.html writes one self-contained page of them (verdict table with\n"
            "filters, plots, stacks, flame graph; --baseline B.json adds deltas).\n"
            "\n"
            "diff: what grew between two heap profiles, site by site, growth first\n"
            "(as go tool pprof -base shows it). A file that is not a profile: exit 2.\n"
            "\n"
            "compare: a table per benchmark and test of two reports or baselines (old,\n"
            "new, delta, %%); exit 1 when a count grew beyond --tolerance (default 0:\n"
            "counts are exact). baseline update: sets the baseline's entries from the\n"
            "reports (--prune drops the others), written atomically.\n"
            "\n"
            "snapshot: asks a program that `leakcheck run --snapshot-signal=SIG` started\n"
            "for a heap profile of what is live now (sends it SIG); not a traced\n"
            "process, or one started without the option: one line, exit 2.\n"
            "\n"
            "Options (flag for `run`, or the environment variable):\n");
    lc__options_print(out, 0);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("leakcheck %s\n", LEAKCHECK_VERSION_STRING);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return lc_cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "report") == 0)
        return lc_cmd_report(argc - 2, argv + 2);
    if (strcmp(argv[1], "diff") == 0)
        return lc_cmd_diff(argc - 2, argv + 2);
    if (strcmp(argv[1], "compare") == 0)
        return lc_cmd_compare(argc - 2, argv + 2);
    if (strcmp(argv[1], "baseline") == 0)
        return lc_cmd_baseline(argc - 2, argv + 2);
    if (strcmp(argv[1], "snapshot") == 0)
        return lc_cmd_snapshot(argc - 2, argv + 2);
    if (strcmp(argv[1], "options") == 0) {
        lc__options_print(stdout, argc > 2 && strcmp(argv[2], "--markdown") == 0);
        return 0;
    }
    fprintf(stderr, "leakcheck: unknown command '%s' (see leakcheck --help)\n", argv[1]);
    return 2;
}
