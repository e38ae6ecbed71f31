/* run.c (tool): `leakcheck run [options] -- CMD [ARGS]`. Validates every
 * option and the program before anything runs, makes a private directory
 * (mkdtemp under TMPDIR, mode 0700) for the records, preloads libleakcheck,
 * waits, and turns the records that arrived (run_record.c) into reports and
 * an exit status (run_report.c), then removes the directory. */
#include <dirent.h>
#include <elf.h>
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
#include <time.h>
#include <unistd.h>

#include "../src/handoff.h"
#include "../src/options.h"
#include "../src/report.h"
#include "run.h"
#include "tool.h"

#ifndef LC_REL_LIBDIR
#define LC_REL_LIBDIR "../lib"
#endif
#define LC_LIBNAME "libleakcheck.so"

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
        char path[PATH_MAX], real[PATH_MAX];
        snprintf(path, sizeof path, "%s%s/%s", dir, cands[i], LC_LIBNAME);
        if (access(path, R_OK) == 0 && realpath(path, real)) {
            snprintf(out, len, "%s", real);
            return 0;
        }
    }
    return -1;
}

/* 1 when s is one of the '|'-separated choices. */
static int is_choice(const char *choices, const char *s) {
    size_t n = strlen(s);
    for (const char *p = choices; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* Flags become LEAKCHECK_* variables, validated by the shared table. Returns
 * the index of the command, or -1 after one line on stderr. */
static int parse_flags(int argc, char **argv) {
    char err[512];
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1;
        if (strncmp(a, "--", 2) != 0)
            return i; /* the command starts here */
        char name[128];
        const char *val = NULL, *eq = strchr(a + 2, '=');
        size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        snprintf(name, sizeof name, "%.*s", (int)nlen, a + 2);
        const struct lc_option_desc *d = lc__option_find(name);
        if (!d || strncmp(d->help, "internal:", 9) == 0) {
            fprintf(stderr, "leakcheck: unknown option '--%s' (see leakcheck --help)\n", name);
            return -1;
        }
        if (eq)
            val = eq + 1;
        else if (d->type == LC_OPT_BOOL)
            val = "1";
        else if (d->type == LC_OPT_ENUM && strncmp(d->choices, "0|1|", 4) == 0 &&
                 (i + 1 >= argc || !is_choice(d->choices, argv[i + 1])))
            val = "1"; /* --fail-sweep alone; --fail-sweep=persistent picks a mode */
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            fprintf(stderr, "leakcheck: option '--%s' needs a value\n", name);
            return -1;
        }
        struct lc_options_values tmp;
        if (lc__option_set(d, val, &tmp, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        setenv(d->env, val, 1);
    }
    return i;
}

/* A dynamically linked ELF program has a PT_INTERP; LD_PRELOAD reaches
 * nothing else. Scripts (#!) and unreadable files are left to exec. */
static int is_static_elf(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    Elf64_Ehdr eh;
    int is_static = 0;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh &&
        memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
        eh.e_phentsize == sizeof(Elf64_Phdr) && eh.e_phnum > 0 && eh.e_phnum < 256) {
        is_static = 1;
        for (int i = 0; i < eh.e_phnum; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) !=
                    (ssize_t)sizeof ph ||
                ph.p_type == PT_INTERP) {
                is_static = 0;
                break;
            }
        }
    }
    close(fd);
    return is_static;
}

/* Finds cmd as execvp would and checks that it can be traced. Returns 0, or an
 * exit status after one line naming the problem; nothing has run. */
static int resolve_program(const char *cmd, char *out, size_t len) {
    struct stat st;
    int found = 0;
    if (strchr(cmd, '/')) {
        snprintf(out, len, "%s", cmd);
        found = stat(out, &st) == 0;
    } else {
        const char *path = getenv("PATH");
        char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
        for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
             dir = strtok_r(NULL, ":", &save)) {
            snprintf(out, len, "%s/%s", *dir ? dir : ".", cmd);
            found = stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0;
        }
        free(copy);
    }
    if (!found) {
        fprintf(stderr, "leakcheck: run: '%s': no such program%s\n", cmd,
                strchr(cmd, '/') ? "" : " on PATH");
        return LC_RUN_EXIT_NOTFOUND;
    }
    if (!S_ISREG(st.st_mode) || access(out, X_OK) != 0) {
        fprintf(stderr, "leakcheck: run: '%s' is not an executable file\n", cmd);
        return LC_RUN_EXIT_NOEXEC;
    }
    if (st.st_mode & (S_ISUID | S_ISGID)) {
        fprintf(stderr, "leakcheck: run: '%s' is set-user-ID or set-group-ID: the loader "
                "ignores LD_PRELOAD there, so it cannot be checked; nothing was run\n", cmd);
        return LC_RUN_EXIT_USAGE;
    }
    if (is_static_elf(out)) {
        fprintf(stderr, "leakcheck: run: '%s' is statically linked: LD_PRELOAD cannot reach "
                "its malloc; link it dynamically (or with LeakCheck::leakcheck_static and "
                "LEAKCHECK_TEST); nothing was run\n", cmd);
        return LC_RUN_EXIT_USAGE;
    }
    return 0;
}

/* The records' directory: only we can enter it, and its name is random. */
static int records_dir(char *out, size_t len) {
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(out, len, "%s/leakcheck-run-XXXXXX", dir);
    return mkdtemp(out) ? 0 : -1;
}

/* Every record file of the directory, concatenated and removed. */
static char *records_take(const char *dir, size_t *len) {
    char *all = NULL;
    size_t n = 0;
    *len = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!strncmp(e->d_name, LC_HANDOFF_UNCHECKED, sizeof LC_HANDOFF_UNCHECKED - 1) ||
            !strncmp(e->d_name, LC_HANDOFF_STARTED, sizeof LC_HANDOFF_STARTED - 1))
            continue; /* no record: read by unchecked_reason, lc_run_unreported */
        if (lc_run_live_file(e->d_name)) { /* a snapshot's: converted already */
            unlink(path);
            continue;
        }
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            char *grown = realloc(all, n + (size_t)st.st_size + 2);
            if (grown) {
                all = grown;
                ssize_t r;
                size_t got = 0;
                while (got < (size_t)st.st_size &&
                       (r = read(fd, all + n + got, (size_t)st.st_size - got)) > 0)
                    got += (size_t)r;
                n += got;
                if (n && all[n - 1] != '\n')
                    all[n++] = '\n'; /* a cut-short record stays cut short */
                all[n] = 0;
            }
        }
        if (fd >= 0)
            close(fd);
        unlink(path);
    }
    if (d)
        closedir(d);
    *len = n;
    return all;
}

/* The directory and what is left in it (markers, reasons nobody read). */
static void records_remove(const char *dir) {
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[PATH_MAX + 256];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The fds the program starts with (ours without FD_CLOEXEC), as "0,1,2". */
static void inherited_fds(char *out, size_t len) {
    size_t o = 0;
    out[0] = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
            continue;
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || (fl & FD_CLOEXEC) || o + 16 > len)
            continue;
        o += (size_t)snprintf(out + o, len - o, "%s%d", o ? "," : "", fd);
    }
    closedir(d);
}

/* lib first, unless the program links a sanitizer runtime: that one must come
 * first (it says so and exits otherwise), and libleakcheck uses its hooks. */
static int set_preload(const char *lib, const char *program) {
    const char *old = getenv("LD_PRELOAD");
    char san[256], *preload;
    int first = lc_run_sanitizer_needed(program, san, sizeof san) == 0;
    if (asprintf(&preload, "%s%s%s%s%s", first ? san : "", first ? ":" : "", lib,
                 old && *old ? ":" : "", old && *old ? old : "") < 0)
        return -1;
    setenv("LD_PRELOAD", preload, 1);
    free(preload);
    return 0;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Starts the program and waits for it. Returns its wait status, or -1. */
static int run_child(const char *path, char **argv, const char *dir, pid_t *child) {
    char fds[4096];
    setenv("LEAKCHECK_RUN_MODE", "1", 1);
    setenv("LEAKCHECK_RUN_DIR", dir, 1);
    /* GLib before 2.76 carves slices from its own slabs: every slice a malloc,
     * as under memcheck, unless the user chose a G_SLICE */
    if (!getenv("G_SLICE"))
        setenv("G_SLICE", "always-malloc", 1);
    inherited_fds(fds, sizeof fds);
    setenv("LEAKCHECK_RUN_FDS", fds, 1);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "leakcheck: run: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        char me[16];
        snprintf(me, sizeof me, "%d", (int)getpid());
        setenv("LEAKCHECK_RUN_PID", me, 1);
        execv(path, argv);
        fprintf(stderr, "leakcheck: run: cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(LC_RUN_EXIT_NOEXEC);
    }
    *child = pid;
    /* the child owns the terminal's signals; wait through them */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    int status;
    if (lc_run_live_watching(lc__opts()))
        return lc_run_live_wait(pid, dir, &status) == 0 ? status : -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

/* The line the traced process left saying why it keeps no record
 * (src/run.c), printable characters only; 0 when there is none. */
static int unchecked_reason(const char *dir, pid_t pid, char *out, size_t len) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/" LC_HANDOFF_UNCHECKED "%d", dir, (int)pid);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, out, len - 1);
    close(fd);
    unlink(path);
    if (n <= 0)
        return 0;
    out[n] = 0;
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return 1;
}

/* The exit status when the main record is missing or cut short. */
static int no_report(const struct run_outcome *o, const struct rr_proc *partial, int allow,
                     const char *why) {
    if (why && !o->signaled && !partial)
        fprintf(stderr, "leakcheck: run: %s exited (status %d) without a leak report: %s\n",
                o->cmd, o->code, strncmp(why, "leakcheck: ", 11) ? why : why + 11);
    else if (o->signaled)
        fprintf(stderr, "leakcheck: run: %s was killed by signal %d (%s) before its exit "
                "handlers ran; no leak report\n", o->cmd, o->code, strsignal(o->code));
    else if (partial)
        fprintf(stderr, "leakcheck: run: %s (pid %d): the leak report was cut short after "
                "%s; nothing is judged\n", o->cmd, partial->pid, partial->last);
    else
        fprintf(stderr, "leakcheck: run: %s exited (status %d) without a leak report: it "
                "exec'd a program that did not load %s (static, setuid, or a cleared "
                "environment), changed user, lost its leakcheck environment, or could not "
                "write its record\n", o->cmd,
                o->code, LC_LIBNAME);
    if (o->signaled)
        return 128 + o->code;
    return o->code || allow ? o->code : LC_RUN_EXIT_NO_REPORT;
}

/* Records in, exit status out: the program's own failure wins, then a missing
 * main record, then leaks. */
static int conclude(const char *dir, pid_t main_pid, const struct run_outcome *o,
                    const struct lc_options_values *opts) {
    size_t len;
    char *text = records_take(dir, &len), err[512];
    struct rr_proc *procs = NULL;
    long n = text ? lc_run_records_parse(text, len, &procs, err, sizeof err) : 0;
    if (n < 0) {
        fprintf(stderr, "%s\n", err);
        free(text);
        records_remove(dir);
        return LC_RUN_EXIT_NO_REPORT;
    }
    int *pids = calloc((size_t)n + 1, sizeof *pids); /* every record that arrived */
    for (long i = 0; pids && i < n; i++)
        pids[i] = procs[i].pid;
    /* the traced process first; complete records only */
    struct rr_proc *main_rec = NULL, *partial = NULL;
    size_t nok = 0;
    for (long i = 0; i < n; i++) {
        if (procs[i].complete && procs[i].pid == main_pid && !main_rec) {
            struct rr_proc tmp = procs[0];
            procs[0] = procs[i];
            procs[i] = tmp;
            main_rec = &procs[0];
        } else if (!procs[i].complete && procs[i].pid == main_pid) {
            partial = &procs[i];
        }
    }
    for (long i = 0; i < n; i++)
        if (procs[i].complete)
            procs[nok++] = procs[i];
        else if (procs[i].pid != main_pid)
            fprintf(stderr, "leakcheck: run: the report of pid %d was cut short after %s\n",
                    procs[i].pid, procs[i].last);
    int status;
    if (!main_rec) {
        char why[512];
        int said = unchecked_reason(dir, main_pid, why, sizeof why);
        status = no_report(o, partial, opts->allow_no_report, said ? why : NULL);
        if (nok)
            lc_run_report(procs, nok, o); /* followed children's reports still count */
    } else {
        int judged = lc_run_report(procs, nok, o);
        lc_run_live_print_series(stderr, main_rec);
        status = o->signaled                              ? 128 + o->code
                 : o->code                                ? o->code
                 : judged & 1                             ? (int)opts->exit_code
                 : judged & 2 && !opts->allow_no_report ? LC_RUN_EXIT_NO_REPORT
                                                          : 0;
        if (status == 0 && (judged & 4) && opts->exit_code) {
            fprintf(stderr, "leakcheck: run: a report could not be written (said above): exit "
                    "status %ld (--exit-code=0 keeps 0)\n", opts->exit_code);
            status = (int)opts->exit_code;
        }
    }
    if (pids)
        lc_run_unreported(dir, pids, (size_t)n, main_pid);
    free(pids);
    records_remove(dir);
    lc_run_records_free(procs, (size_t)n);
    free(text);
    return status;
}

int lc_cmd_run(int argc, char **argv) {
    int i = parse_flags(argc, argv);
    if (i < 0)
        return LC_RUN_EXIT_USAGE;
    if (i >= argc) {
        fprintf(stderr, "leakcheck: run: no command given (usage: leakcheck run [options] -- "
                        "CMD [ARGS])\n");
        return LC_RUN_EXIT_USAGE;
    }
    static struct lc_options_values opts;
    char err[1024], lib[PATH_MAX], path[PATH_MAX];
    if (lc__options_from_env(&opts, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return LC_RUN_EXIT_USAGE;
    }
    lc_tool_set_options(&opts);
    if (lc__suppressions_load(opts.suppressions, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return LC_RUN_EXIT_USAGE;
    }
    int rc = lc_run_live_check(&opts);
    if (rc)
        return rc;
    rc = resolve_program(argv[i], path, sizeof path);
    if (rc)
        return rc;
    if (find_library(lib, sizeof lib)) {
        fprintf(stderr, "leakcheck: cannot find %s next to the leakcheck tool or in %s\n",
                LC_LIBNAME, LC_REL_LIBDIR);
        return LC_RUN_EXIT_USAGE;
    }
    char alloc[4096];
    if (lc_run_foreign_allocator(alloc, sizeof alloc)) {
        fprintf(stderr, "leakcheck: run: %s in LD_PRELOAD replaces malloc; leakcheck run tracks "
                "glibc's malloc only, so nothing was run (drop it from LD_PRELOAD)\n", alloc);
        return LC_RUN_EXIT_USAGE;
    }
    char dir[PATH_MAX];
    if (records_dir(dir, sizeof dir) != 0 || set_preload(lib, path) != 0) {
        fprintf(stderr, "leakcheck: run: cannot create a private directory in %s: %s\n",
                getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                strerror(errno));
        return LC_RUN_EXIT_USAGE;
    }
    /* the reports are this tool's to write: the program never sees their paths */
    lc_run_tests_prepare();
    unsetenv("LEAKCHECK_JSON");
    unsetenv("LEAKCHECK_JUNIT");
    unsetenv("LEAKCHECK_PPROF");
    lc_run_tests_child_env(); /* its own tests' reports go to a directory of ours */
    double t0 = now_seconds();
    pid_t main_pid = 0;
    int status = run_child(path, argv + i, dir, &main_pid);
    if (status < 0) {
        free(records_take(dir, &(size_t){0}));
        records_remove(dir);
        return LC_RUN_EXIT_USAGE;
    }
    struct run_outcome o = {.cmd = argv[i], .signaled = WIFSIGNALED(status),
                            .code = WIFSIGNALED(status) ? WTERMSIG(status)
                                                        : WEXITSTATUS(status),
                            .seconds = now_seconds() - t0};
    rc = conclude(dir, main_pid, &o, &opts);
    int failed = lc_run_tests_merge();
    if (rc == 0 && failed) { /* a program that drops cmocka's result hides no test */
        fprintf(stderr, "leakcheck: run: %s exited 0, but %d of its tests failed\n", argv[i],
                failed);
        rc = (int)opts.exit_code;
    }
    return rc;
}
