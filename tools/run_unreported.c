/* run_unreported.c (tool): the followed processes that began tracking
 * ("started.PID", written by src/run.c) but left no record: killed by a
 * signal before their exit handlers ran (seq or sort in a pipeline whose
 * reader quit: SIGPIPE), still running when CMD ended (a daemon), or one
 * whose tracker could not start ("unchecked.PID" says why). Each gets one
 * line on stderr, so that no process goes unmentioned. Not on any hook path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/handoff.h"
#include "run.h"

/* The file dir/NAME's first line, printable characters only, into out
 * (empty when there is none); the file is removed. */
static void take_line(const char *dir, const char *name, char *out, size_t len) {
    char path[PATH_MAX + 256];
    out[0] = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, out, len - 1);
        out[n > 0 ? n : 0] = 0;
        close(fd);
    }
    unlink(path);
    out[strcspn(out, "\n")] = 0;
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
}

static int has_record(const int *pids, size_t n, int pid) {
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return 1;
    return 0;
}

static void say_unreported(const char *dir, int pid, const char *prog) {
    char name[64], why[512];
    snprintf(name, sizeof name, LC_HANDOFF_UNCHECKED "%d", pid);
    take_line(dir, name, why, sizeof why);
    if (why[0]) { /* the process said why it keeps no record */
        fprintf(stderr, "%s\n", why);
        return;
    }
    int alive = kill(pid, 0) == 0 || errno == EPERM;
    fprintf(stderr, "leakcheck: run: %s (pid %d), followed, left no leak report: %s; not "
            "checked\n", prog[0] ? prog : "a process", pid,
            alive ? "it was still running when the command ended"
                  : "it was killed by a signal before its exit handlers ran (SIGPIPE, "
                    "when a pipeline's reader quits early), or exec'd a program that did not "
                    "load libleakcheck.so");
}

void lc_run_unreported(const char *dir, const int *pids, size_t n, int main_pid) {
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, LC_HANDOFF_STARTED, sizeof LC_HANDOFF_STARTED - 1))
            continue;
        int pid = atoi(e->d_name + sizeof LC_HANDOFF_STARTED - 1);
        char prog[256];
        take_line(dir, e->d_name, prog, sizeof prog);
        if (pid > 0 && pid != main_pid && !has_record(pids, n, pid))
            say_unreported(dir, pid, prog);
    }
    closedir(d);
}
