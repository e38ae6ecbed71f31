/* children.c: the process's child processes (children.h): counted and listed
 * from /proc/self/task/TID/children through raw syscalls (reach_proc.c's
 * readers: no stdio, no opendir), and the stack that started each one, kept
 * per pid by the fork wrapper (hooks.c) and the posix_spawn wrappers here.
 * lc__children_note and the wrappers are on the hook path: no lock, no
 * allocation; the rest is report time. */
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "children.h"
#include "internal.h"
#include "reach_impl.h"

#define LC_EXPORT __attribute__((visibility("default")))

/* ---- attribution: pid -> (generation, stack), one slot per pid % SLOTS ---- */

#define SLOTS 4096u
static struct {
    uint64_t pid_stack; /* pid << 32 | depot id; 0 when empty */
    uint32_t gen;       /* the scope's generation when it started */
} slots[SLOTS];

LC_HOOK_TEXT void lc__children_note(pid_t pid) {
    struct lc_tls *t = &lc__tls;
    if (pid <= 0 || t->guard || !__atomic_load_n(&lc__st.tracking, __ATOMIC_RELAXED))
        return;
    int saved = errno;
    t->guard++;
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    uint32_t sid = lc__st.stacks_allowed ? lc__stack_capture(lc__st.depth) : 0;
    unsigned i = (unsigned)pid % SLOTS;
    __atomic_store_n(&slots[i].gen, gen, __ATOMIC_RELAXED);
    __atomic_store_n(&slots[i].pid_stack, (uint64_t)(uint32_t)pid << 32 | sid, __ATOMIC_RELEASE);
    t->guard--;
    errno = saved;
}

/* The stack that started pid in this scope, 0 when none did. */
static uint32_t stack_of(pid_t pid) {
    unsigned i = (unsigned)pid % SLOTS;
    uint64_t e = __atomic_load_n(&slots[i].pid_stack, __ATOMIC_ACQUIRE);
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    if ((pid_t)(e >> 32) != pid || __atomic_load_n(&slots[i].gen, __ATOMIC_RELAXED) != gen)
        return 0;
    return (uint32_t)e;
}

/* ---- the wrappers: posix_spawn and posix_spawnp (fork's is in hooks.c) ---- */

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

LC_HOOK_TEXT static int spawn_via(const char *name, void **slot, pid_t *pid, const char *path,
                                  const posix_spawn_file_actions_t *fa,
                                  const posix_spawnattr_t *attr, char *const argv[],
                                  char *const envp[]) {
    spawn_fn f = (spawn_fn)__atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!f) {
        f = (spawn_fn)dlsym(RTLD_NEXT, name);
        if (!f)
            return ENOSYS;
        __atomic_store_n(slot, (void *)f, __ATOMIC_RELEASE);
    }
    pid_t mine;
    int rc = f(pid ? pid : &mine, path, fa, attr, argv, envp);
    if (rc == 0)
        lc__children_note(pid ? *pid : mine);
    return rc;
}

static void *real_spawn, *real_spawnp;

LC_EXPORT LC_HOOK_TEXT int posix_spawn(pid_t *pid, const char *path,
                                       const posix_spawn_file_actions_t *fa,
                                       const posix_spawnattr_t *attr, char *const argv[],
                                       char *const envp[]) {
    return spawn_via("posix_spawn", &real_spawn, pid, path, fa, attr, argv, envp);
}

LC_EXPORT LC_HOOK_TEXT int posix_spawnp(pid_t *pid, const char *file,
                                        const posix_spawn_file_actions_t *fa,
                                        const posix_spawnattr_t *attr, char *const argv[],
                                        char *const envp[]) {
    return spawn_via("posix_spawnp", &real_spawnp, pid, file, fa, attr, argv, envp);
}

/* ---- /proc ---- */

/* Adds the pids in one thread's children file to v (up to cap); returns how
 * many it holds, or -1 when it cannot be read. */
static long task_children(int tid, pid_t *v, size_t cap, size_t *n) {
    char path[64], buf[4096];
    lc__proc_path(path, "/proc/self/task/", tid, "/children");
    long len = lc__proc_read(path, buf, sizeof buf);
    if (len < 0)
        return -1;
    long found = 0;
    for (const char *c = buf; *c;) {
        long pid = 0;
        for (; *c >= '0' && *c <= '9'; c++)
            pid = pid * 10 + (*c - '0');
        if (pid > 0) {
            if (*n < cap)
                v[*n] = (pid_t)pid;
            (*n)++;
            found++;
        }
        while (*c && (*c < '0' || *c > '9'))
            c++;
    }
    return found;
}

/* Every child's pid into v (up to cap); *total is how many there are. -1
 * when /proc/self/task cannot be listed. */
static int list_pids(pid_t *v, size_t cap, size_t *total) {
    int tids[512];
    size_t nt = 0;
    *total = 0;
    if (lc__proc_tids(tids, sizeof tids / sizeof tids[0], &nt) != 0)
        return -1;
    for (size_t i = 0; i < nt && i < sizeof tids / sizeof tids[0]; i++)
        task_children(tids[i], v, cap, total);
    return 0;
}

/* 0 when the process has no child at all: one system call (a thread may
 * wait for its siblings' children; WNOWAIT reaps nothing), so that a test
 * that starts none never lists /proc. */
static int has_children(void) {
    siginfo_t si;
    int saved = errno;
    int none = waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) != 0 &&
               errno == ECHILD;
    errno = saved;
    return !none;
}

uint32_t lc__children_count(void) {
    size_t total = 0;
    if (!has_children())
        return 0;
    return list_pids(NULL, 0, &total) == 0 ? (uint32_t)total : 0;
}

int lc__children_observable(char *err, size_t errlen) {
    char path[64], buf[64];
    lc__proc_path(path, "/proc/self/task/", lc__gettid(), "/children");
    if (lc__proc_read(path, buf, sizeof buf) >= 0)
        return 1;
    int why = errno;
    snprintf(err, errlen, "leakcheck: cannot observe this test: %s is unreadable (%s); "
             "LEAKCHECK_CHECKS without 'processes' judges the rest", path,
             why == ENOENT ? "a kernel without CONFIG_PROC_CHILDREN?"
             : why == EMFILE || why == ENFILE ? "no fd free: the process is at its open-file "
                                                "limit, ulimit -n; an earlier test's fds?"
                                              : strerror(why));
    return 0;
}

/* State and command from /proc/PID/stat: "PID (comm) S ...". */
static void describe(struct lc_child *c) {
    char path[64], buf[512];
    lc__proc_path(path, "/proc/", c->pid, "/stat");
    c->state = '?';
    c->comm = NULL;
    if (lc__proc_read(path, buf, sizeof buf) <= 0)
        return;
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return;
    *close = 0;
    c->comm = lc__intern(open + 1);
    if (close[1] == ' ' && close[2])
        c->state = close[2];
}

static int cmp_child(const void *a, const void *b) {
    pid_t x = ((const struct lc_child *)a)->pid, y = ((const struct lc_child *)b)->pid;
    return (x > y) - (x < y);
}

int lc__children_snapshot(struct lc_childset *out) {
    static pid_t pids[LC_CHILDREN_MAX]; /* report time: one caller at a time */
    size_t total = 0;
    memset(out, 0, sizeof *out);
    if (!has_children() || list_pids(pids, LC_CHILDREN_MAX, &total) != 0)
        return 0; /* nothing to list: judged from the counts */
    size_t n = total < LC_CHILDREN_MAX ? total : LC_CHILDREN_MAX;
    out->c = lc__xmalloc((n ? n : 1) * sizeof *out->c);
    if (!out->c)
        return LEAKCHECK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        out->c[i] = (struct lc_child){.pid = pids[i], .stack = stack_of(pids[i])};
        describe(&out->c[i]);
    }
    qsort(out->c, n, sizeof *out->c, cmp_child);
    out->n = n;
    out->total = total;
    return 0;
}

void lc__childset_free(struct lc_childset *s) {
    lc__xfree(s->c);
    memset(s, 0, sizeof *s);
}

size_t lc__children_added(const struct lc_childset *base, const struct lc_childset *now,
                          struct lc_child **out) {
    *out = lc__xmalloc((now->n ? now->n : 1) * sizeof **out);
    size_t k = 0, j = 0;
    for (size_t i = 0; *out && i < now->n; i++) {
        while (j < base->n && base->c[j].pid < now->c[i].pid)
            j++;
        if (j < base->n && base->c[j].pid == now->c[i].pid)
            continue;
        (*out)[k++] = now->c[i];
    }
    return k;
}
