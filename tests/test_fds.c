/* fd tracking (src/fds.c). For every wrapper family an fd is opened inside a
 * scope by a noipa function; the diff of a snapshot against the test's
 * baseline must list it with its target and with a stack whose first frame is
 * that function, and closing it must take it out of the diff. Also covered:
 * errno on failure and success paths, argument forwarding (open's mode,
 * fcntl's int and pointer arguments), fds that no wrapper saw, attributions
 * left by an old scope or dropped by lc__fds_reset, forgetting on every close
 * path, and the diff itself.
 *
 * fds.h's functions are hidden in the shared library, so this test links the
 * static one: the wrappers then live in this executable, which interposes them
 * exactly as libleakcheck.so does. Every check looks at specific fds, never at
 * a count: symbolizing opens ELF files (libdw), which shows up in later
 * snapshots. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

#include "fds.h"
#include "internal.h"

/* glibc's fortify entry points (declared only under _FORTIFY_SOURCE). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

/* An opener must be a frame of its own: noipa keeps it out of line and
 * not cloned (its symbol keeps its name), and storing the result in a volatile
 * after the call keeps the call from becoming a tail jump. */
#define OPENER static __attribute__((noipa))
static volatile int keep_int;
static void *volatile keep_ptr;
#define RET_INT(expr)                                                                    \
    do {                                                                                 \
        int r_ = (expr);                                                                 \
        keep_int = r_;                                                                   \
        return r_;                                                                       \
    } while (0)
#define RET_PTR(type, expr)                                                              \
    do {                                                                                 \
        type r_ = (expr);                                                                \
        keep_ptr = r_;                                                                   \
        return r_;                                                                       \
    } while (0)

static char dir[128];       /* a fresh directory, canonical (as /proc shows it) */
static char data[PATH_MAX];  /* dir/data, an existing file */
static char other[PATH_MAX]; /* dir/other, another one */
static struct lc_fdset base; /* the test's baseline */

static const char *in_dir(const char *name) {
    static char buf[4][PATH_MAX];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, PATH_MAX, "%s/%s", dir, name);
    return b;
}

/* Opens without any wrapper seeing it. */
static int raw_open(const char *path, int flags) {
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

/* ---- checks ---- */

/* What the diff against the baseline lists for fd; .fd is -1 when nothing. */
static struct lc_fd_entry added_entry(int fd) {
    struct lc_fdset now;
    assert_int_equal(lc__fds_snapshot(&now), 0);
    struct lc_fd_entry *add;
    size_t n = lc__fds_added(&base, &now, &add);
    struct lc_fd_entry r = {.fd = -1};
    for (size_t i = 0; i < n; i++)
        if (add[i].fd == fd)
            r = add[i];
    lc__xfree(add);
    lc__fdset_free(&now);
    return r;
}

static const char *top_function(uint32_t stack) {
    lc_frame f[64];
    int n = lc_stack_symbolize(stack, f, 64);
    return n > 0 ? f[0].function : NULL;
}

enum { EXACT, PREFIX, SUFFIX };

static int target_matches(const char *t, const char *want, int how) {
    size_t a = strlen(t), b = strlen(want);
    switch (how) {
    case PREFIX: return strncmp(t, want, b) == 0;
    case SUFFIX: return a >= b && strcmp(t + a - b, want) == 0;
    default: return strcmp(t, want) == 0;
    }
}

/* fd must be in the diff with a matching target and, when fn is set, a stack
 * whose innermost frame is fn (0 when fn is NULL). Returns the target. */
static const char *expect_fd(int fd, const char *want, int how, const char *fn) {
    if (fd < 0)
        fail_msg("the call failed: %s", strerror(errno));
    struct lc_fd_entry e = added_entry(fd);
    if (e.fd != fd)
        fail_msg("fd %d is not in the diff", fd);
    assert_non_null(e.target);
    if (!target_matches(e.target, want, how))
        fail_msg("fd %d: target '%s', wanted '%s' (%s)", fd, e.target, want,
                 how == EXACT ? "exact" : how == PREFIX ? "prefix" : "suffix");
    if (!fn) {
        if (e.stack != 0)
            fail_msg("fd %d: stack %u, wanted none (innermost %s)", fd, e.stack,
                     top_function(e.stack));
        return e.target;
    }
    if (e.stack == 0)
        fail_msg("fd %d (%s): no stack, wanted one from %s", fd, e.target, fn);
    const char *top = top_function(e.stack);
    if (!top || strcmp(top, fn) != 0)
        fail_msg("fd %d (%s): innermost frame %s, wanted %s", fd, e.target,
                 top ? top : "(unknown)", fn);
    return e.target;
}

/* After a close: fd is no longer in the diff with that target (libdw may have
 * reused the number for an ELF file meanwhile). */
static void expect_gone(int fd, const char *target) {
    struct lc_fd_entry e = added_entry(fd);
    if (e.fd == fd && strcmp(e.target, target) == 0)
        fail_msg("fd %d (%s) is still in the diff after its close", fd, target);
}

static void expect_closed(int fd, const char *target) {
    assert_int_equal(close(fd), 0);
    expect_gone(fd, target);
}

static uint32_t stack_of(int fd) {
    struct lc_fd_entry e = added_entry(fd);
    if (e.fd != fd)
        fail_msg("fd %d is not in the diff", fd);
    return e.stack;
}

/* ---- fixtures ---- */

OPENER int warm_pipe(int fds[2]) { RET_INT(pipe(fds)); }

static int group_setup(void **state) {
    (void)state;
    char tmpl[] = "/tmp/lc_fds_XXXXXX", real[PATH_MAX];
    if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof dir)
        return -1;
    strcpy(dir, real);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(i ? other : data, "w");
        if (!f)
            return -1;
        fputs("leakcheck\n", f);
        fclose(f);
    }
    /* Warm the symbolizer once (libdw opens the modules' ELF files then) and
     * libunwind (its first trace opens a pipe). */
    lc_scope_config cfg = {.stacks = 1, .depth = 16};
    if (lc_scope_begin(&cfg))
        return -1;
    int p[2];
    if (warm_pipe(p))
        return -1;
    struct lc_fdset s;
    int rc = lc__fds_snapshot(&s);
    for (size_t i = 0; rc == 0 && i < s.n; i++)
        if (s.fds[i].fd == p[0] && s.fds[i].stack)
            top_function(s.fds[i].stack);
    lc__fdset_free(&s);
    close(p[0]);
    close(p[1]);
    lc_scope_end();
    return rc;
}

static int group_teardown(void **state) {
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int begin(void **state) {
    (void)state;
    lc_scope_config cfg = {.stacks = 1, .depth = 16};
    if (lc_scope_begin(&cfg))
        return -1;
    return lc__fds_snapshot(&base);
}

static int end(void **state) {
    (void)state;
    lc__fdset_free(&base);
    lc_scope_end();
    return 0;
}

/* No scope: only the baseline. */
static int begin_unscoped(void **state) {
    (void)state;
    return lc__fds_snapshot(&base);
}

static int end_unscoped(void **state) {
    (void)state;
    lc__fdset_free(&base);
    return 0;
}

/* ---- the open family ---- */

OPENER int by_open(const char *p, int flags) { RET_INT(open(p, flags)); }
OPENER int by_open_mode(const char *p, int flags, mode_t m) {
    RET_INT(open(p, flags, m));
}
OPENER int by_open64(const char *p, int flags, mode_t m) { RET_INT(open64(p, flags, m)); }
OPENER int by_openat(int d, const char *p, int flags, mode_t m) {
    RET_INT(openat(d, p, flags, m));
}
OPENER int by_openat64(int d, const char *p, int flags, mode_t m) {
    RET_INT(openat64(d, p, flags, m));
}
OPENER int by_open_2(const char *p) { RET_INT(__open_2(p, O_RDONLY)); }
OPENER int by_open64_2(const char *p) { RET_INT(__open64_2(p, O_RDONLY)); }
OPENER int by_openat_2(int d, const char *p) { RET_INT(__openat_2(d, p, O_RDONLY)); }
OPENER int by_openat64_2(int d, const char *p) { RET_INT(__openat64_2(d, p, O_RDONLY)); }
OPENER int by_creat(const char *p, mode_t m) { RET_INT(creat(p, m)); }
OPENER int by_creat64(const char *p, mode_t m) { RET_INT(creat64(p, m)); }

static void t_open_family(void **state) {
    (void)state;
    int d = raw_open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(d >= 0);
    int fd = by_open(data, O_RDONLY);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_open"));
    fd = by_open64(data, O_RDONLY, 0);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_open64"));
    fd = by_openat(AT_FDCWD, data, O_RDONLY, 0);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_openat"));
    fd = by_openat(d, "data", O_RDONLY, 0);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_openat"));
    fd = by_openat64(d, "data", O_RDONLY, 0);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_openat64"));
    fd = by_open_2(data);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_open_2"));
    fd = by_open64_2(data);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_open64_2"));
    fd = by_openat_2(d, "data");
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_openat_2"));
    fd = by_openat64_2(d, "data");
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_openat64_2"));
    fd = by_creat(in_dir("c1"), 0600);
    expect_closed(fd, expect_fd(fd, in_dir("c1"), EXACT, "by_creat"));
    fd = by_creat64(in_dir("c2"), 0600);
    expect_closed(fd, expect_fd(fd, in_dir("c2"), EXACT, "by_creat64"));
    close(d);
}

static unsigned mode_of(int fd) {
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    return st.st_mode & 07777;
}

/* The mode argument reaches the kernel when O_CREAT or O_TMPFILE asks for it. */
static void t_open_mode(void **state) {
    (void)state;
    mode_t old = umask(022);
    int d = raw_open(dir, O_RDONLY | O_DIRECTORY);
    int fd = by_open_mode(in_dir("m1"), O_CREAT | O_WRONLY, 0640);
    assert_int_equal(mode_of(fd), 0640);
    expect_closed(fd, expect_fd(fd, in_dir("m1"), EXACT, "by_open_mode"));
    fd = by_open64(in_dir("m2"), O_CREAT | O_WRONLY | O_EXCL, 0604);
    assert_int_equal(mode_of(fd), 0604);
    close(fd);
    fd = by_openat(d, "m3", O_CREAT | O_WRONLY, 0611);
    assert_int_equal(mode_of(fd), 0611);
    close(fd);
    fd = by_openat64(d, "m4", O_CREAT | O_WRONLY, 0444);
    assert_int_equal(mode_of(fd), 0444);
    close(fd);
    fd = by_creat(in_dir("m5"), 0640);
    assert_int_equal(mode_of(fd), 0640);
    close(fd);
    /* O_TMPFILE: an unnamed file in dir, mode from the third argument */
    fd = by_open_mode(dir, O_TMPFILE | O_RDWR, 0600);
    if (fd >= 0) {
        assert_int_equal(mode_of(fd), 0600);
        char want[PATH_MAX + 8];
        snprintf(want, sizeof want, "%s/#", dir);
        expect_closed(fd, expect_fd(fd, want, PREFIX, "by_open_mode"));
    } else {
        assert_int_equal(errno, EOPNOTSUPP); /* a file system without O_TMPFILE */
    }
    close(d);
    umask(old);
}

/* ---- sockets and pipes ---- */

OPENER int by_socket(int domain, int type) { RET_INT(socket(domain, type, 0)); }
OPENER int by_socketpair(int sv[2]) { RET_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)); }
OPENER int by_accept(int s) { RET_INT(accept(s, NULL, NULL)); }
OPENER int by_accept4(int s) {
    struct sockaddr_un peer;
    socklen_t len = sizeof peer;
    RET_INT(accept4(s, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC));
}
OPENER int by_pipe(int p[2]) { RET_INT(pipe(p)); }
OPENER int by_pipe2(int p[2]) { RET_INT(pipe2(p, O_CLOEXEC)); }

static int connect_to(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int c = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    assert_true(c >= 0);
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof a), 0);
    return c;
}

static void t_sockets(void **state) {
    (void)state;
    int s = by_socket(AF_UNIX, SOCK_STREAM);
    const char *t = expect_fd(s, "socket:[", PREFIX, "by_socket");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", in_dir("sock"));
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 4), 0);

    int c1 = connect_to(in_dir("sock"));
    int fd = by_accept(s);
    expect_closed(fd, expect_fd(fd, "socket:[", PREFIX, "by_accept"));
    int c2 = connect_to(in_dir("sock"));
    fd = by_accept4(s);
    assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
    expect_closed(fd, expect_fd(fd, "socket:[", PREFIX, "by_accept4"));
    close(c1);
    close(c2);
    expect_closed(s, t);

    int sv[2];
    assert_int_equal(by_socketpair(sv), 0);
    const char *t0 = expect_fd(sv[0], "socket:[", PREFIX, "by_socketpair");
    const char *t1 = expect_fd(sv[1], "socket:[", PREFIX, "by_socketpair");
    assert_int_equal(stack_of(sv[0]), stack_of(sv[1]));
    expect_closed(sv[0], t0);
    expect_closed(sv[1], t1);
}

static void t_pipes(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(by_pipe(p), 0);
    const char *t0 = expect_fd(p[0], "pipe:[", PREFIX, "by_pipe");
    const char *t1 = expect_fd(p[1], "pipe:[", PREFIX, "by_pipe");
    assert_ptr_equal(t0, t1); /* one pipe, one interned target */
    expect_closed(p[0], t0);
    expect_closed(p[1], t1);
    assert_int_equal(by_pipe2(p), 0);
    assert_int_equal(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    t0 = expect_fd(p[0], "pipe:[", PREFIX, "by_pipe2");
    t1 = expect_fd(p[1], "pipe:[", PREFIX, "by_pipe2");
    expect_closed(p[0], t0);
    expect_closed(p[1], t1);
}

/* ---- dup family and fcntl ---- */

OPENER int by_dup(int fd) { RET_INT(dup(fd)); }
OPENER int by_dup2(int fd, int to) { RET_INT(dup2(fd, to)); }
OPENER int by_dup2_again(int fd, int to) { RET_INT(dup2(fd, to)); }
OPENER int by_dup3(int fd, int to, int flags) { RET_INT(dup3(fd, to, flags)); }
OPENER int by_fcntl_dupfd(int fd, int cmd, int min) { RET_INT(fcntl(fd, cmd, min)); }
OPENER int by_fcntl64_dupfd(int fd, int cmd, int min) { RET_INT(fcntl64(fd, cmd, min)); }

static void t_dup(void **state) {
    (void)state;
    int src = raw_open(data, O_RDONLY); /* no wrapper saw it */
    assert_true(src >= 0);
    expect_fd(src, data, EXACT, NULL);
    int fd = by_dup(src);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_dup"));

    fd = by_dup2(src, 100);
    assert_int_equal(fd, 100);
    expect_fd(fd, data, EXACT, "by_dup2");
    /* onto an attributed number: the new call's stack replaces the old one */
    assert_int_equal(by_dup2_again(src, 100), 100);
    expect_fd(fd, data, EXACT, "by_dup2_again");
    /* dup2(fd, fd) creates nothing: the fd keeps its stack */
    assert_int_equal(by_dup2(100, 100), 100);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_dup2_again"));

    fd = by_dup3(src, 101, O_CLOEXEC);
    assert_int_equal(fd, 101);
    assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_dup3"));

    fd = by_fcntl_dupfd(src, F_DUPFD, 200);
    assert_true(fd >= 200);
    assert_int_equal(fcntl(fd, F_GETFD), 0);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_fcntl_dupfd"));
    fd = by_fcntl_dupfd(src, F_DUPFD_CLOEXEC, 300);
    assert_true(fd >= 300);
    assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_fcntl_dupfd"));
    fd = by_fcntl64_dupfd(src, F_DUPFD, 400);
    assert_true(fd >= 400);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_fcntl64_dupfd"));
    close(src);
}

/* fcntl forwards its third argument as the command takes it: nothing, an int
 * or a pointer (the kernel writes through the pointers). */
static void t_fcntl_arguments(void **state) {
    (void)state;
    int fd = open(data, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
    assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
    assert_int_equal(fcntl64(fd, F_SETFD, 0), 0);
    assert_int_equal(fcntl64(fd, F_GETFD), 0);
    assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);

    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
    assert_int_equal(fcntl(fd, F_SETLK, &lk), 0);
    /* the lock holder is this process: F_GETLK answers F_UNLCK */
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
    assert_int_equal(fcntl(fd, F_GETLK, &probe), 0);
    assert_int_equal(probe.l_type, F_UNLCK);
    /* an OFD lock on another open file description conflicts with ours */
    int second = open(data, O_RDWR);
    struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
    assert_int_equal(fcntl64(second, F_OFD_GETLK, &ofd), 0);
    assert_int_equal(ofd.l_type, F_WRLCK);
    close(second);
    struct f_owner_ex own = {.type = F_OWNER_PID, .pid = getpid()};
    assert_int_equal(fcntl(fd, F_SETOWN_EX, &own), 0);
    struct f_owner_ex got = {.type = -1, .pid = 0};
    assert_int_equal(fcntl64(fd, F_GETOWN_EX, &got), 0);
    assert_int_equal(got.type, F_OWNER_PID);
    assert_int_equal(got.pid, getpid());
    close(fd);

    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_true(fcntl(p[0], F_SETPIPE_SZ, 1 << 17) >= 1 << 17);
    assert_true(fcntl(p[0], F_GETPIPE_SZ) >= 1 << 17);
    close(p[0]);
    close(p[1]);

    int m = memfd_create("lc_seals", MFD_ALLOW_SEALING);
    assert_true(m >= 0);
    assert_int_equal(fcntl(m, F_ADD_SEALS, F_SEAL_GROW), 0);
    assert_true(fcntl(m, F_GET_SEALS) & F_SEAL_GROW);
    close(m);
}

/* ---- stdio streams ---- */

OPENER FILE *by_fopen(const char *p, const char *m) { RET_PTR(FILE *, fopen(p, m)); }
OPENER FILE *by_fopen64(const char *p, const char *m) { RET_PTR(FILE *, fopen64(p, m)); }
OPENER FILE *by_fdopen(int fd) { RET_PTR(FILE *, fdopen(fd, "r")); }
OPENER FILE *by_freopen(const char *p, FILE *f) { RET_PTR(FILE *, freopen(p, "r", f)); }
OPENER FILE *by_freopen64(const char *p, FILE *f) {
    RET_PTR(FILE *, freopen64(p, "r", f));
}
OPENER FILE *by_tmpfile(void) { RET_PTR(FILE *, tmpfile()); }
OPENER FILE *by_tmpfile64(void) { RET_PTR(FILE *, tmpfile64()); }
OPENER FILE *by_popen(const char *cmd) { RET_PTR(FILE *, popen(cmd, "r")); }

static void expect_fclosed(FILE *f, const char *target) {
    int fd = fileno(f);
    assert_int_equal(fclose(f), 0);
    expect_gone(fd, target);
}

static void t_streams(void **state) {
    (void)state;
    FILE *f = by_fopen(data, "r");
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fileno(f), data, EXACT, "by_fopen"));
    f = by_fopen64(data, "r");
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fileno(f), data, EXACT, "by_fopen64"));

    /* freopen: the new fd belongs to the freopen call, the old one is gone */
    f = by_fopen(data, "r");
    int before = fileno(f);
    const char *old = expect_fd(before, data, EXACT, "by_fopen");
    f = by_freopen(other, f);
    assert_non_null(f);
    expect_fd(fileno(f), other, EXACT, "by_freopen");
    expect_gone(before, old);
    f = by_freopen64(data, f);
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fileno(f), data, EXACT, "by_freopen64"));

    f = by_tmpfile();
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fileno(f), " (deleted)", SUFFIX, "by_tmpfile"));
    f = by_tmpfile64();
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fileno(f), " (deleted)", SUFFIX, "by_tmpfile64"));

    f = by_popen("exit 0");
    assert_non_null(f);
    int fd = fileno(f);
    const char *t = expect_fd(fd, "pipe:[", PREFIX, "by_popen");
    assert_int_equal(pclose(f), 0);
    expect_gone(fd, t);
}

OPENER int by_open_for_fdopen(const char *p) { RET_INT(open(p, O_RDONLY)); }

/* fdopen adopts an fd: one no wrapper saw gets fdopen's stack, one already
 * attributed keeps the stack that opened it. */
static void t_fdopen(void **state) {
    (void)state;
    int fd = raw_open(data, O_RDONLY);
    expect_fd(fd, data, EXACT, NULL);
    FILE *f = by_fdopen(fd);
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fd, data, EXACT, "by_fdopen"));

    fd = by_open_for_fdopen(data);
    f = by_fdopen(fd);
    assert_non_null(f);
    expect_fclosed(f, expect_fd(fd, data, EXACT, "by_open_for_fdopen"));
}

/* ---- directories ---- */

OPENER DIR *by_opendir(const char *p) { RET_PTR(DIR *, opendir(p)); }
OPENER DIR *by_fdopendir(int fd) { RET_PTR(DIR *, fdopendir(fd)); }

static void expect_closedir(DIR *d, const char *target) {
    int fd = dirfd(d);
    assert_int_equal(closedir(d), 0);
    expect_gone(fd, target);
}

static void t_dirs(void **state) {
    (void)state;
    DIR *d = by_opendir(dir);
    assert_non_null(d);
    expect_closedir(d, expect_fd(dirfd(d), dir, EXACT, "by_opendir"));

    int fd = raw_open(dir, O_RDONLY | O_DIRECTORY);
    d = by_fdopendir(fd);
    assert_non_null(d);
    expect_closedir(d, expect_fd(fd, dir, EXACT, "by_fdopendir"));

    fd = by_open(dir, O_RDONLY | O_DIRECTORY);
    d = by_fdopendir(fd);
    assert_non_null(d);
    expect_closedir(d, expect_fd(fd, dir, EXACT, "by_open"));
}

/* ---- temporary files ---- */

OPENER int by_mkstemp(char *t) { RET_INT(mkstemp(t)); }
OPENER int by_mkstemp64(char *t) { RET_INT(mkstemp64(t)); }
OPENER int by_mkostemp(char *t) { RET_INT(mkostemp(t, O_CLOEXEC)); }
OPENER int by_mkostemp64(char *t) { RET_INT(mkostemp64(t, O_CLOEXEC)); }
OPENER int by_mkstemps(char *t) { RET_INT(mkstemps(t, 4)); }
OPENER int by_mkstemps64(char *t) { RET_INT(mkstemps64(t, 4)); }
OPENER int by_mkostemps(char *t) { RET_INT(mkostemps(t, 4, O_CLOEXEC)); }
OPENER int by_mkostemps64(char *t) { RET_INT(mkostemps64(t, 4, O_CLOEXEC)); }

static void t_mkstemp(void **state) {
    (void)state;
    static const struct {
        int (*fn)(char *);
        const char *name;
        int suffix;
    } cases[] = {
        {by_mkstemp, "by_mkstemp", 0},     {by_mkstemp64, "by_mkstemp64", 0},
        {by_mkostemp, "by_mkostemp", 0},   {by_mkostemp64, "by_mkostemp64", 0},
        {by_mkstemps, "by_mkstemps", 1},   {by_mkstemps64, "by_mkstemps64", 1},
        {by_mkostemps, "by_mkostemps", 1}, {by_mkostemps64, "by_mkostemps64", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char t[PATH_MAX];
        snprintf(t, sizeof t, "%s/tmpXXXXXX%s", dir, cases[i].suffix ? ".txt" : "");
        int fd = cases[i].fn(t);
        expect_closed(fd, expect_fd(fd, t, EXACT, cases[i].name));
        unlink(t);
    }
}

/* ---- anonymous-inode fds ---- */

OPENER int by_eventfd(void) { RET_INT(eventfd(0, EFD_CLOEXEC)); }
OPENER int by_epoll_create(void) { RET_INT(epoll_create(4)); }
OPENER int by_epoll_create1(void) { RET_INT(epoll_create1(EPOLL_CLOEXEC)); }
OPENER int by_timerfd(void) { RET_INT(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)); }
OPENER int by_signalfd(int fd, const sigset_t *m) {
    RET_INT(signalfd(fd, m, SFD_CLOEXEC));
}
OPENER int by_signalfd_update(int fd, const sigset_t *m) { RET_INT(signalfd(fd, m, 0)); }
OPENER int by_inotify_init(void) { RET_INT(inotify_init()); }
OPENER int by_inotify_init1(void) { RET_INT(inotify_init1(IN_CLOEXEC)); }
OPENER int by_memfd(void) { RET_INT(memfd_create("lc_memfd", MFD_CLOEXEC)); }

static void t_anon(void **state) {
    (void)state;
    int fd = by_eventfd();
    expect_closed(fd, expect_fd(fd, "anon_inode:[eventfd]", EXACT, "by_eventfd"));
    fd = by_epoll_create();
    expect_closed(fd, expect_fd(fd, "anon_inode:[eventpoll]", EXACT, "by_epoll_create"));
    fd = by_epoll_create1();
    expect_closed(fd, expect_fd(fd, "anon_inode:[eventpoll]", EXACT, "by_epoll_create1"));
    fd = by_timerfd();
    expect_closed(fd, expect_fd(fd, "anon_inode:[timerfd]", EXACT, "by_timerfd"));

    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    fd = by_signalfd(-1, &m);
    expect_fd(fd, "anon_inode:[signalfd]", EXACT, "by_signalfd");
    /* changing the mask of an existing signalfd creates nothing */
    sigaddset(&m, SIGUSR2);
    assert_int_equal(by_signalfd_update(fd, &m), fd);
    expect_closed(fd, expect_fd(fd, "anon_inode:[signalfd]", EXACT, "by_signalfd"));

    fd = by_inotify_init();
    expect_closed(fd, expect_fd(fd, "anon_inode:inotify", EXACT, "by_inotify_init"));
    fd = by_inotify_init1();
    expect_closed(fd, expect_fd(fd, "anon_inode:inotify", EXACT, "by_inotify_init1"));
    fd = by_memfd();
    expect_closed(fd, expect_fd(fd, "/memfd:lc_memfd (deleted)", EXACT, "by_memfd"));
}

/* ---- errno ---- */

#define EXPECT_FAIL(call, bad, err)                                                      \
    do {                                                                                 \
        errno = 0;                                                                       \
        assert_true((call) == (bad));                                                    \
        assert_int_equal(errno, (err));                                                  \
    } while (0)

static void t_errno_failure(void **state) {
    (void)state;
    const char *missing = in_dir("missing/x");
    int p[2], fd;
    EXPECT_FAIL(open(missing, O_RDONLY), -1, ENOENT);
    EXPECT_FAIL(open64(missing, O_RDONLY), -1, ENOENT);
    EXPECT_FAIL(openat(AT_FDCWD, missing, O_RDONLY), -1, ENOENT);
    EXPECT_FAIL(openat64(-1, "relative", O_RDONLY), -1, EBADF);
    EXPECT_FAIL(__open_2(missing, O_RDONLY), -1, ENOENT);
    EXPECT_FAIL(creat(missing, 0600), -1, ENOENT);
    EXPECT_FAIL(creat64(missing, 0600), -1, ENOENT);
    EXPECT_FAIL(fopen(missing, "r"), NULL, ENOENT);
    EXPECT_FAIL(fopen64(missing, "r"), NULL, ENOENT);
    EXPECT_FAIL(fdopen(-1, "r"), NULL, EBADF);
    EXPECT_FAIL(opendir(missing), NULL, ENOENT);
    EXPECT_FAIL(fdopendir(-1), NULL, EBADF);
    EXPECT_FAIL(socket(-1, SOCK_STREAM, 0), -1, EAFNOSUPPORT);
    EXPECT_FAIL(accept(-1, NULL, NULL), -1, EBADF);
    EXPECT_FAIL(accept4(-1, NULL, NULL, 0), -1, EBADF);
    EXPECT_FAIL(pipe2(p, -1), -1, EINVAL);
    EXPECT_FAIL(dup(-1), -1, EBADF);
    EXPECT_FAIL(dup2(-1, 5), -1, EBADF);
    fd = open(data, O_RDONLY);
    EXPECT_FAIL(dup3(fd, fd, 0), -1, EINVAL);
    EXPECT_FAIL(fcntl(-1, F_DUPFD, 0), -1, EBADF);
    EXPECT_FAIL(fcntl(fd, F_DUPFD, -1), -1, EINVAL);
    EXPECT_FAIL(fcntl64(-1, F_GETFD), -1, EBADF);
    close(fd);
    char bad[] = "no-template";
    EXPECT_FAIL(mkstemp(bad), -1, EINVAL);
    EXPECT_FAIL(mkostemps(bad, 0, 0), -1, EINVAL);
    EXPECT_FAIL(memfd_create("x", ~0u), -1, EINVAL);
    EXPECT_FAIL(eventfd(0, -1), -1, EINVAL);
    EXPECT_FAIL(epoll_create(0), -1, EINVAL);
    EXPECT_FAIL(timerfd_create(-1, 0), -1, EINVAL);
    EXPECT_FAIL(inotify_init1(-1), -1, EINVAL);
    EXPECT_FAIL(popen("true", "x"), NULL, EINVAL);
    EXPECT_FAIL(close(-1), -1, EBADF);
    EXPECT_FAIL(close_range(5, 4, 0), -1, EINVAL);
}

/* Bookkeeping (stack capture included) leaves errno as the real call did: a
 * successful system call leaves it alone. */
#define EXPECT_KEEPS(call)                                                               \
    do {                                                                                 \
        errno = 4242;                                                                    \
        (void)(call);                                                                    \
        assert_int_equal(errno, 4242);                                                   \
    } while (0)

static void t_errno_success(void **state) {
    (void)state;
    int p[2], fd;
    EXPECT_KEEPS(fd = open(data, O_RDONLY));
    EXPECT_KEEPS(close(fd));
    EXPECT_KEEPS(fd = openat64(AT_FDCWD, data, O_RDONLY));
    EXPECT_KEEPS(close(fd));
    int rc;
    EXPECT_KEEPS(rc = pipe(p));
    assert_int_equal(rc, 0);
    EXPECT_KEEPS(close(p[0]));
    EXPECT_KEEPS(close(p[1]));
    EXPECT_KEEPS(fd = socket(AF_UNIX, SOCK_DGRAM, 0));
    int d;
    EXPECT_KEEPS(d = dup(fd));
    EXPECT_KEEPS(close(d));
    EXPECT_KEEPS(d = fcntl(fd, F_DUPFD_CLOEXEC, 50));
    EXPECT_KEEPS(close(d));
    EXPECT_KEEPS(close(fd));
    EXPECT_KEEPS(fd = eventfd(0, 0));
    EXPECT_KEEPS(close(fd));
    EXPECT_KEEPS(fd = memfd_create("lc", 0));
    EXPECT_KEEPS(close(fd));
    FILE *f;
    EXPECT_KEEPS(f = fopen(data, "r"));
    EXPECT_KEEPS(fclose(f));
    DIR *dd;
    EXPECT_KEEPS(dd = opendir(dir));
    EXPECT_KEEPS(closedir(dd));
}

/* ---- fds no wrapper attributed ---- */

OPENER int by_open_unscoped(const char *p) { RET_INT(open(p, O_RDONLY)); }

/* Without a scope nothing is attributed, yet every fd is listed. */
static void t_unscoped(void **state) {
    (void)state;
    assert_false(lc_scope_active());
    int fd = by_open_unscoped(data);
    const char *t = expect_fd(fd, data, EXACT, NULL);
    int p[2];
    assert_int_equal(pipe(p), 0);
    const char *t0 = expect_fd(p[0], "pipe:[", PREFIX, NULL);
    const char *t1 = expect_fd(p[1], "pipe:[", PREFIX, NULL);
    FILE *f = popen("exit 0", "r");
    assert_non_null(f);
    int pf = fileno(f);
    const char *tp = expect_fd(pf, "pipe:[", PREFIX, NULL);
    assert_int_equal(pclose(f), 0);
    expect_gone(pf, tp);
    expect_closed(fd, t);
    expect_closed(p[0], t0);
    expect_closed(p[1], t1);
}

/* An fd a raw system call opened inside a scope: listed, no stack. */
static void t_unwrapped(void **state) {
    (void)state;
    int fd = raw_open(data, O_RDONLY);
    expect_closed(fd, expect_fd(fd, data, EXACT, NULL));
}

OPENER int by_open_old_scope(const char *p) { RET_INT(open(p, O_RDONLY)); }
OPENER int by_open_new_scope(const char *p) { RET_INT(open(p, O_RDONLY)); }

/* A word left by an older scope is ignored; lc__fds_reset drops every word. */
static void t_stale_and_reset(void **state) {
    (void)state;
    int fd = by_open_old_scope(data);
    expect_fd(fd, data, EXACT, "by_open_old_scope");
    lc_scope_end();
    lc_scope_config cfg = {.stacks = 1, .depth = 16};
    assert_int_equal(lc_scope_begin(&cfg), 0);
    expect_fd(fd, data, EXACT, NULL); /* still open, from another scope */

    int fd2 = by_open_new_scope(data);
    expect_fd(fd2, data, EXACT, "by_open_new_scope");
    lc__fds_reset();
    expect_fd(fd2, data, EXACT, NULL);
    int fd3 = by_open_new_scope(data);
    expect_fd(fd3, data, EXACT, "by_open_new_scope");
    close(fd);
    close(fd2);
    close(fd3);
}

OPENER int by_open_count_only(const char *p) { RET_INT(open(p, O_RDONLY)); }

/* A count-only scope (allocation stacks off, as the harness measures) still
 * captures the stacks of fd opens, which are rare; only LEAKCHECK_STACKS=0
 * (stacks_allowed off) turns them off. */
static void t_stacks_off(void **state) {
    (void)state;
    lc_scope_set_stacks(0);
    int fd = by_open_count_only(data);
    expect_closed(fd, expect_fd(fd, data, EXACT, "by_open_count_only"));
    int saved = lc__st.stacks_allowed;
    lc__st.stacks_allowed = 0;
    fd = by_open_count_only(data);
    lc__st.stacks_allowed = saved;
    expect_closed(fd, expect_fd(fd, data, EXACT, NULL));
    lc_scope_set_stacks(1);
}

/* Every close path forgets the number before it is reused: an fd opened next
 * under the same number by a raw system call has no stack. */
OPENER int by_open_then_reuse(const char *p) { RET_INT(open(p, O_RDONLY)); }
OPENER FILE *by_fopen_then_reuse(const char *p) { RET_PTR(FILE *, fopen(p, "r")); }
OPENER DIR *by_opendir_then_reuse(const char *p) { RET_PTR(DIR *, opendir(p)); }
OPENER FILE *by_popen_then_reuse(void) { RET_PTR(FILE *, popen("exit 0", "r")); }

static void expect_reuse_unattributed(int fd) {
    int again = raw_open(data, O_RDONLY);
    assert_int_equal(again, fd);
    expect_fd(again, data, EXACT, NULL);
    close(again);
}

static void t_forget_on_close(void **state) {
    (void)state;
    int fd = by_open_then_reuse(other);
    expect_fd(fd, other, EXACT, "by_open_then_reuse");
    close(fd);
    expect_reuse_unattributed(fd);

    FILE *f = by_fopen_then_reuse(other);
    fd = fileno(f);
    expect_fd(fd, other, EXACT, "by_fopen_then_reuse");
    fclose(f);
    expect_reuse_unattributed(fd);

    DIR *d = by_opendir_then_reuse(dir);
    fd = dirfd(d);
    expect_fd(fd, dir, EXACT, "by_opendir_then_reuse");
    closedir(d);
    expect_reuse_unattributed(fd);

    f = by_popen_then_reuse();
    fd = fileno(f);
    expect_fd(fd, "pipe:[", PREFIX, "by_popen_then_reuse");
    pclose(f);
    expect_reuse_unattributed(fd);

    fd = by_open_then_reuse(other);
    expect_fd(fd, other, EXACT, "by_open_then_reuse");
    assert_int_equal(close_range((unsigned)fd, (unsigned)fd, 0), 0);
    expect_reuse_unattributed(fd);

    /* CLOSE_RANGE_CLOEXEC closes nothing: the fd keeps its stack */
    fd = by_open_then_reuse(other);
    assert_int_equal(close_range((unsigned)fd, (unsigned)fd, CLOSE_RANGE_CLOEXEC), 0);
    expect_fd(fd, other, EXACT, "by_open_then_reuse");
    close(fd);
}

/* ---- threads ---- */

OPENER int by_thread_pipe(int p[2]) { RET_INT(pipe(p)); }

static void *thread_body(void *arg) {
    by_thread_pipe(arg);
    return NULL;
}

static void t_thread(void **state) {
    (void)state;
    int p[2] = {-1, -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, thread_body, p), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    expect_closed(p[0], expect_fd(p[0], "pipe:[", PREFIX, "by_thread_pipe"));
    expect_closed(p[1], expect_fd(p[1], "pipe:[", PREFIX, "by_thread_pipe"));
}

/* ---- the snapshot and the diff ---- */

static void t_snapshot_shape(void **state) {
    (void)state;
    struct lc_fdset a, b;
    assert_int_equal(lc__fds_snapshot(&a), 0);
    assert_int_equal(lc__fds_snapshot(&b), 0);
    assert_true(a.n > 0);
    for (size_t i = 0; i < a.n; i++) {
        if (i)
            assert_true(a.fds[i - 1].fd < a.fds[i].fd);
        assert_non_null(a.fds[i].target);
        /* the listing's own directory fd is left out */
        assert_false(target_matches(a.fds[i].target, "/fd", SUFFIX) &&
                     target_matches(a.fds[i].target, "/proc/", PREFIX));
    }
    struct lc_fd_entry *add;
    assert_int_equal(lc__fds_added(&a, &b, &add), 0);
    assert_null(add);
    lc__fdset_free(&a);
    lc__fdset_free(&b);
    assert_null(a.fds);
    assert_int_equal(a.n, 0);
}

static void t_added(void **state) {
    (void)state;
    const char *ta = lc__intern("a"), *tb = lc__intern("b"), *tc = lc__intern("c");
    struct lc_fd_entry be[] = {{3, ta, 0}, {5, tb, 0}, {9, tc, 0}};
    struct lc_fd_entry ne[] = {{3, ta, 1}, {4, tc, 2}, {5, ta, 3}, {7, tb, 4}};
    struct lc_fdset bs = {3, be}, ns = {4, ne};
    struct lc_fd_entry *add;
    size_t n = lc__fds_added(&bs, &ns, &add);
    assert_int_equal(n, 3);
    assert_int_equal(add[0].fd, 4); /* new */
    assert_int_equal(add[1].fd, 5); /* same number, another target */
    assert_ptr_equal(add[1].target, ta);
    assert_int_equal(add[1].stack, 3);
    assert_int_equal(add[2].fd, 7); /* new; 9 closed is not "added" */
    lc__xfree(add);
    struct lc_fdset empty = {0, NULL};
    assert_int_equal(lc__fds_added(&bs, &empty, &add), 0);
    assert_null(add);
    assert_int_equal(lc__fds_added(&empty, &ns, &add), 4);
    lc__xfree(add);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_open_family, begin, end),
        cmocka_unit_test_setup_teardown(t_open_mode, begin, end),
        cmocka_unit_test_setup_teardown(t_sockets, begin, end),
        cmocka_unit_test_setup_teardown(t_pipes, begin, end),
        cmocka_unit_test_setup_teardown(t_dup, begin, end),
        cmocka_unit_test_setup_teardown(t_fcntl_arguments, begin, end),
        cmocka_unit_test_setup_teardown(t_streams, begin, end),
        cmocka_unit_test_setup_teardown(t_fdopen, begin, end),
        cmocka_unit_test_setup_teardown(t_dirs, begin, end),
        cmocka_unit_test_setup_teardown(t_mkstemp, begin, end),
        cmocka_unit_test_setup_teardown(t_anon, begin, end),
        cmocka_unit_test_setup_teardown(t_errno_failure, begin, end),
        cmocka_unit_test_setup_teardown(t_errno_success, begin, end),
        cmocka_unit_test_setup_teardown(t_unscoped, begin_unscoped, end_unscoped),
        cmocka_unit_test_setup_teardown(t_unwrapped, begin, end),
        cmocka_unit_test_setup_teardown(t_stale_and_reset, begin, end),
        cmocka_unit_test_setup_teardown(t_stacks_off, begin, end),
        cmocka_unit_test_setup_teardown(t_forget_on_close, begin, end),
        cmocka_unit_test_setup_teardown(t_thread, begin, end),
        cmocka_unit_test_setup_teardown(t_snapshot_shape, begin, end),
        cmocka_unit_test_setup_teardown(t_added, begin, end),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
