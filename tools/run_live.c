/* run_live.c (tool): leakcheck run while the program runs, and `leakcheck
 * snapshot PID`. Checks the live options before anything runs, turns each
 * snapshot record (DIR/snap.PID.NS.rec, src/run_live.c) into a profile with the
 * pprof writer while waiting for the program, prints the exit record's series. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/internal.h"
#include "../src/options.h"
#include "../src/report.h"
#include "../src/run_live.h"
#include "run.h"
#include "tool.h"

/* ---- before the run ---- */

static int refuse(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "leakcheck: run: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "; nothing was run\n");
    return LC_RUN_EXIT_USAGE;
}

int lc_run_live_check(const struct lc_options_values *o) {
    char err[512], name[32];
    uint64_t bytes;
    if (lc__live_parse_size(o->sample, &bytes, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return LC_RUN_EXIT_USAGE;
    }
    if (!o->snapshot_signal || !*o->snapshot_signal)
        return 0;
    int sig;
    if (lc__live_parse_signal(o->snapshot_signal, (int)o->stack_signal, &sig, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return LC_RUN_EXIT_USAGE;
    }
    lc__live_signal_name(sig, name, sizeof name);
    /* what the program inherits through exec: an ignored disposition and the mask */
    struct sigaction sa;
    sigset_t mask;
    if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
        return refuse("%s is ignored in this environment (SIG_IGN is inherited%s), so the "
                      "program would never see it", name, ": nohup, a service manager?");
    if (sigprocmask(SIG_BLOCK, NULL, &mask) == 0 && sigismember(&mask, sig))
        return refuse("%s is blocked in this environment (the signal mask is inherited%s), "
                      "so the program would never see it", name, "");
    return 0;
}

int lc_run_live_watching(const struct lc_options_values *o) {
    return (o->snapshot_signal && *o->snapshot_signal) || o->snapshot_every;
}

/* ---- snapshots into profiles ---- */

int lc_run_live_file(const char *name) {
    return !strncmp(name, "snap.", 5) || !strncmp(name, "tmp.", 4);
}

/* The profile path: %n the snapshot's number; %p, %e and %% are left for the
 * pprof writer (lc_pprof_write_records), which expands them for the record's
 * process. */
static void expand_n(const char *pattern, unsigned long n, char *out, size_t len) {
    size_t o = 0;
    for (const char *s = pattern; *s && o + 1 < len; s++) {
        char tmp[32] = {s[0], 0};
        if (s[0] == '%' && s[1] == 'n') {
            snprintf(tmp, sizeof tmp, "%lu", n);
            s++;
        } else if (s[0] == '%' && s[1]) {
            tmp[1] = *++s; /* another escape, kept whole */
            tmp[2] = 0;
        }
        size_t t = strlen(tmp);
        if (o + t >= len)
            break;
        memcpy(out + o, tmp, t);
        o += t;
    }
    out[o] = 0;
}

/* A whole file (read to its end: /proc files show a size of 0). */
static char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    for (;;) {
        if (*len + 1 >= cap) {
            char *g = realloc(buf, cap = cap ? cap * 2 : (size_t)st.st_size + 4096);
            if (!g)
                break;
            buf = g;
        }
        ssize_t r = read(fd, buf + *len, cap - *len - 1);
        if (r <= 0)
            break;
        *len += (size_t)r;
    }
    if (buf)
        buf[*len] = 0;
    close(fd);
    return buf;
}

static unsigned long nsnapshots;

static void convert_one(const char *dir, const char *name) {
    char path[PATH_MAX + 256], err[PATH_MAX + 512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    char *text = slurp(path, &len);
    unlink(path);
    struct rr_proc *procs = NULL;
    long n = text ? lc_run_records_parse(text, len, &procs, err, sizeof err) : 0;
    if (n != 1 || !procs[0].complete || !procs[0].snapshot) {
        fprintf(stderr, "leakcheck: run: a snapshot record (%s) was damaged; no profile\n",
                name);
    } else {
        const struct rr_proc *p = &procs[0];
        char pattern[PATH_MAX], out[PATH_MAX];
        uint64_t blocks = 0, bytes = 0;
        for (size_t i = 0; i < p->nsites; i++) {
            blocks += p->sites[i].blocks;
            bytes += p->sites[i].bytes;
        }
        expand_n(lc__opts()->snapshot_pprof, ++nsnapshots, pattern, sizeof pattern);
        lc__expand_path_for(pattern, out, sizeof out, p->pid, p->prog ? p->prog : "prog");
        if (lc_pprof_write_records(p, 1, pattern, err, sizeof err) != 0)
            fprintf(stderr, "%s\n", err);
        else
            fprintf(stderr, "leakcheck: %s (pid %d): snapshot %lu at %.3f s: %llu blocks, "
                    "%llu bytes live -> %s\n", p->prog ? p->prog : "?", p->pid, nsnapshots,
                    (double)p->snap_t_ms / 1000.0, (unsigned long long)blocks,
                    (unsigned long long)bytes, out);
    }
    if (n > 0)
        lc_run_records_free(procs, (size_t)n);
    free(text);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every complete snapshot record in dir, oldest first (names sort by time
 * within a process). */
static void convert_pending(const char *dir) {
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, "snap.", 5) || l < 4 || strcmp(e->d_name + l - 4, ".rec"))
            continue;
        if (n == cap) {
            char **g = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
            if (!g)
                break;
            names = g;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        convert_one(dir, names[i]);
        free(names[i]);
    }
    free(names);
}

void lc_run_live_drain(const char *dir) { convert_pending(dir); }

static pid_t forward_to;
static int forward_sig;

/* The snapshot signal sent to the tool instead of the program: passed on. */
static void forward(int sig) {
    (void)sig;
    int saved = errno;
    if (forward_to > 0)
        kill(forward_to, forward_sig);
    errno = saved;
}

static void forward_snapshot_signal(pid_t pid) {
    const struct lc_options_values *o = lc__opts();
    char err[512];
    if (!o->snapshot_signal || !*o->snapshot_signal ||
        lc__live_parse_signal(o->snapshot_signal, (int)o->stack_signal, &forward_sig, err,
                              sizeof err))
        return;
    forward_to = pid;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward;
    sa.sa_flags = SA_RESTART;
    sigaction(forward_sig, &sa, NULL);
}

int lc_run_live_wait(pid_t pid, const char *dir, int *status) {
    forward_snapshot_signal(pid);
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (ino >= 0 && inotify_add_watch(ino, dir, IN_MOVED_TO) < 0) {
        close(ino);
        ino = -1;
    }
    int rc = 0;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            rc = -1;
            break;
        }
        struct pollfd pf[2] = {{.fd = pfd, .events = POLLIN}, {.fd = ino, .events = POLLIN}};
        /* without a pidfd or inotify (old kernels), look again every 100 ms */
        poll(pf, 2, pfd >= 0 && ino >= 0 ? -1 : 100);
        char ev[4096];
        while (ino >= 0 && read(ino, ev, sizeof ev) > 0)
            ;
        convert_pending(dir);
    }
    forward_to = 0;
    if (pfd >= 0)
        close(pfd);
    if (ino >= 0)
        close(ino);
    convert_pending(dir);
    return rc;
}

/* ---- the time series on the console ---- */

static const char *human(uint64_t b, char *buf, size_t len) {
    if (b >= 10u << 20)
        snprintf(buf, len, "%.1f MiB", (double)b / 1048576.0);
    else if (b >= 10u << 10)
        snprintf(buf, len, "%.1f KiB", (double)b / 1024.0);
    else
        snprintf(buf, len, "%llu B", (unsigned long long)b);
    return buf;
}

void lc_run_live_print_series(FILE *out, const struct rr_proc *p) {
    if (!p->nseries)
        return;
    static const char *const bars[] = {"_", ".", "-", "=", "#"};
    uint64_t max_bytes = 0, max_blocks = 0, max_threads = 0, max_fds = 0;
    for (size_t i = 0; i < p->nseries; i++) {
        const struct lc_run_point *s = &p->series[i];
        max_bytes = s->live_bytes > max_bytes ? s->live_bytes : max_bytes;
        max_blocks = s->live_blocks > max_blocks ? s->live_blocks : max_blocks;
        max_threads = s->threads > max_threads ? s->threads : max_threads;
        max_fds = s->fds > max_fds ? s->fds : max_fds;
    }
    const struct lc_run_point *last = &p->series[p->nseries - 1];
    char a[32], b[32], c[32], spark[64] = "";
    size_t width = p->nseries < 40 ? p->nseries : 40;
    for (size_t k = 0; k < width; k++) { /* live bytes, one mark per slice of time */
        const struct lc_run_point *s = &p->series[k * p->nseries / width];
        size_t level = max_bytes ? (size_t)(s->live_bytes * 4 / max_bytes) : 0;
        strcat(spark, bars[level]);
    }
    fprintf(out, "leakcheck: %s (pid %d): over %.1f s (%zu point%s): live %s at most, %s at "
            "exit (peak %s), %llu blocks at most; threads at most %llu, fds at most %llu; "
            "live bytes [%s]\n", p->prog ? p->prog : "?", p->pid, (double)last->t_ms / 1000.0,
            p->nseries, p->nseries == 1 ? "" : "s", human(max_bytes, a, sizeof a),
            human(last->live_bytes, b, sizeof b),
            human(last->peak_bytes, c, sizeof c), (unsigned long long)max_blocks,
            (unsigned long long)max_threads, (unsigned long long)max_fds, spark);
}

/* ---- leakcheck snapshot PID ---- */

/* VAR's value in a NUL-separated environment block, or NULL. */
static const char *env_get(const char *env, size_t len, const char *var) {
    size_t vl = strlen(var);
    for (const char *s = env; s < env + len; s += strlen(s) + 1)
        if (!strncmp(s, var, vl) && s[vl] == '=')
            return s + vl + 1;
    return NULL;
}

/* 1 when pid catches sig (SigCgt in /proc/PID/status). */
static int catches(int pid, int sig) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "re");
    int yes = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "SigCgt:", 7)) {
            unsigned long long mask = strtoull(line + 7, NULL, 16);
            yes = (int)((mask >> (sig - 1)) & 1);
        }
    if (f)
        fclose(f);
    return yes;
}

int lc_cmd_snapshot(int argc, char **argv) {
    char *end, path[64];
    long pid = argc == 1 ? strtol(argv[0], &end, 10) : 0;
    if (argc != 1 || end == argv[0] || *end || pid <= 0 || pid > INT_MAX) {
        fprintf(stderr, "leakcheck: snapshot: %s (usage: leakcheck snapshot PID)\n",
                argc == 1 ? "not a process id" : "one PID expected");
        return 2;
    }
    snprintf(path, sizeof path, "/proc/%ld/environ", pid);
    size_t len;
    errno = 0;
    char *env = slurp(path, &len);
    if (!env || (!len && errno)) {
        fprintf(stderr, "leakcheck: snapshot: pid %ld: %s\n", pid,
                errno == ENOENT || errno == ESRCH ? "no such process"
                : errno ? strerror(errno) : "cannot read its environment");
        free(env);
        return 2;
    }
    const char *mode = env_get(env, len, "LEAKCHECK_RUN_MODE");
    const char *name = env_get(env, len, "LEAKCHECK_SNAPSHOT_SIGNAL");
    const char *stack = env_get(env, len, "LEAKCHECK_STACK_SIGNAL");
    int sig = 0, rc = 2;
    char err[512], sname[32];
    const char *run_pid = env_get(env, len, "LEAKCHECK_RUN_PID");
    const char *follow = env_get(env, len, "LEAKCHECK_FOLLOW_CHILDREN");
    int traced = run_pid && atol(run_pid) == pid;
    if (!traced && follow && strcmp(follow, "0") && strcmp(follow, "no") && strcmp(follow, "off") && strcmp(follow, "false"))
        traced = 1; /* a followed child is traced too */
    if (!mode || strcmp(mode, "1") || !env_get(env, len, "LEAKCHECK_RUN_DIR") || !traced)
        fprintf(stderr, "leakcheck: snapshot: pid %ld is not a program leakcheck run started "
                "(nothing sent)\n", pid);
    else if (!name || !*name)
        fprintf(stderr, "leakcheck: snapshot: pid %ld was started without --snapshot-signal "
                "(nothing sent)\n", pid);
    else if (lc__live_parse_signal(name, stack ? atoi(stack) : 23, &sig, err, sizeof err))
        fprintf(stderr, "%s\n", err);
    else if (!catches((int)pid, sig))
        fprintf(stderr, "leakcheck: snapshot: pid %ld does not catch %s now (nothing sent: it "
                "would end the program)\n", pid, lc__live_signal_name(sig, sname, sizeof sname));
    else if (kill((pid_t)pid, sig) != 0)
        fprintf(stderr, "leakcheck: snapshot: pid %ld: %s\n", pid, strerror(errno));
    else {
        const char *pat = env_get(env, len, "LEAKCHECK_SNAPSHOT_PPROF");
        fprintf(stderr, "leakcheck: snapshot: sent %s to pid %ld; its leakcheck run writes the "
                "profile (%s)\n", lc__live_signal_name(sig, sname, sizeof sname), pid,
                pat && *pat ? pat : "leakcheck-snapshot.%p.%n.pb.gz");
        rc = 0;
    }
    free(env);
    return rc;
}
