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
 * `run` validates every option (flags and LEAKCHECK_* variables) before it
 * starts anything, preloads libleakcheck into CMD, waits for it and turns the
 * library's one-line summary into the exit status: CMD's own non-zero status
 * wins; otherwise a leak gives --exit-code (default 1). */
#define _GNU_SOURCE
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
            "       leakcheck compare OLD.json NEW.json [--tolerance PERCENT] "
            "[--format text|markdown]\n"
            "       leakcheck baseline update BASELINE.json REPORT.json... [--prune]\n"
            "       leakcheck options [--markdown]\n"
            "       leakcheck --help | --version\n"
            "\n"
            "run: runs CMD with libleakcheck preloaded. The whole process is one scope;\n"
            "at exit every allocation still live is reported with its symbolized stack\n"
            "(one-time allocations of glibc and libunwind are suppressed). Exit status:\n"
            "CMD's own when it failed, else --exit-code when something leaked, else 0.\n"
            "\n"
            "report: prints a summary of JSON reports (per test: verdict, growth per\n"
            "iteration, top finding) and with --junit merges them into one JUnit XML\n"
            "file. A missing, cut-short or foreign file: one line naming it, exit 2.\n"
            "\n"
            "compare: a table per benchmark and test of two reports or baselines (old,\n"
            "new, delta, %%); exit 1 when a count grew beyond --tolerance (default 0:\n"
            "counts are exact). baseline update: sets the baseline's entries from the\n"
            "reports (--prune drops the others), written atomically.\n"
            "\n"
            "Options (flag for `run`, or the environment variable):\n");
    lc__options_print(out, 0);
}

/* The library next to the tool (build tree) or in the install tree. */
static int find_library(char *out, size_t len) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    char *dir = dirname(exe);
    const char *cands[] = {"", "/" LC_REL_LIBDIR, "/../lib"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s%s/%s", dir, cands[i], LC_LIBNAME);
        char real[PATH_MAX];
        if (access(path, R_OK) == 0 && realpath(path, real)) {
            snprintf(out, len, "%s", real);
            return 0;
        }
    }
    return -1;
}

static int cmd_run(int argc, char **argv) {
    int i = 0;
    char err[512];
    /* flags become environment variables, validated by the shared table */
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strncmp(a, "--", 2) != 0)
            break; /* the command starts here */
        char name[128];
        const char *val = NULL, *eq = strchr(a + 2, '=');
        size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nlen >= sizeof name)
            nlen = sizeof name - 1;
        memcpy(name, a + 2, nlen);
        name[nlen] = 0;
        const struct lc_option_desc *d = lc__option_find(name);
        if (!d || strncmp(d->help, "internal:", 9) == 0) {
            fprintf(stderr, "leakcheck: unknown option '--%s' (see leakcheck --help)\n", name);
            return 2;
        }
        if (eq)
            val = eq + 1;
        else if (d->type == LC_OPT_BOOL)
            val = "1";
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            fprintf(stderr, "leakcheck: option '--%s' needs a value\n", name);
            return 2;
        }
        struct lc_options_values tmp;
        if (lc__option_set(d, val, &tmp, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        setenv(d->env, val, 1);
    }
    if (i >= argc) {
        fprintf(stderr, "leakcheck: run: no command given (usage: leakcheck run [options] -- "
                        "CMD [ARGS])\n");
        return 2;
    }
    struct lc_options_values opts;
    if (lc__options_from_env(&opts, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    char lib[PATH_MAX];
    if (find_library(lib, sizeof lib)) {
        fprintf(stderr, "leakcheck: cannot find %s next to the leakcheck tool or in %s\n",
                LC_LIBNAME, LC_REL_LIBDIR);
        return 2;
    }
    char result[] = "/tmp/leakcheck-run-XXXXXX";
    int rfd = mkstemp(result);
    if (rfd < 0) {
        fprintf(stderr, "leakcheck: cannot create a temporary file: %s\n", strerror(errno));
        return 2;
    }
    close(rfd);
    const char *old = getenv("LD_PRELOAD");
    char *preload;
    if (old && *old) {
        if (asprintf(&preload, "%s:%s", lib, old) < 0)
            return 2;
    } else {
        preload = strdup(lib);
    }
    setenv("LD_PRELOAD", preload, 1);
    setenv("LEAKCHECK_RUN_MODE", "1", 1);
    setenv("LEAKCHECK_RUN_RESULT", result, 1);
    free(preload);

    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "leakcheck: fork: %s\n", strerror(errno));
        unlink(result);
        return 2;
    }
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "leakcheck: cannot run '%s': %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    /* the child owns the terminal's signals; wait through them */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    FILE *f = fopen(result, "r");
    unsigned long sites = 0, blocks = 0;
    unsigned long long bytes = 0;
    int have = f && fscanf(f, "leaks %lu %lu %llu", &sites, &blocks, &bytes) == 3;
    if (f)
        fclose(f);
    unlink(result);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "leakcheck: %s was killed by signal %d (%s); no leak report\n",
                argv[i], WTERMSIG(status), strsignal(WTERMSIG(status)));
        return 128 + WTERMSIG(status);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    if (!have && code != 127)
        fprintf(stderr,
                "leakcheck: %s wrote no leak report (it left through _exit, exec'd another "
                "program, or could not load %s)\n",
                argv[i], LC_LIBNAME);
    if (code != 0)
        return code;
    return have && sites ? (int)opts.exit_code : 0;
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
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "report") == 0)
        return lc_cmd_report(argc - 2, argv + 2);
    if (strcmp(argv[1], "compare") == 0)
        return lc_cmd_compare(argc - 2, argv + 2);
    if (strcmp(argv[1], "baseline") == 0)
        return lc_cmd_baseline(argc - 2, argv + 2);
    if (strcmp(argv[1], "options") == 0) {
        lc__options_print(stdout, argc > 2 && strcmp(argv[2], "--markdown") == 0);
        return 0;
    }
    fprintf(stderr, "leakcheck: unknown command '%s' (see leakcheck --help)\n", argv[1]);
    return 2;
}
