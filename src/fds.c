/* fds.c: file descriptor tracking. It owns two things: the snapshots of
 * /proc/self/fd and their diff (report time), and the attribution of each fd
 * to the stack that opened it (the wrappers below, on the hook path).
 *
 * /proc/self/fd is the ground truth: every fd is listed there whoever created
 * it, so a snapshot never misses one. The wrappers only add a stack. They are
 * needed for the stdio and dirent calls too, because glibc's fopen, opendir,
 * popen and tmpfile open their fd with an internal __open that an interposed
 * open never sees (FACTS.md, section 5). An fd no wrapper saw (a raw syscall,
 * a call not wrapped here, fds >= FD_SLOTS) is still listed, with stack 0.
 *
 * Attribution store: one 64-bit word per fd number below FD_SLOTS, in a lazily
 * reserved mapping: the scope generation (lc__st.gen) in the high half, the
 * depot stack id in the low half, 0 when empty. A word is written and cleared
 * with single relaxed atomic stores, so no lock is needed: two threads can only
 * race on one number when the program itself races on that fd. A snapshot uses
 * a word only when its generation is the current one, so entries left by an old
 * scope (an fd opened there and closed while no scope was tracking, then the
 * number reused) are ignored even if nobody called lc__fds_reset. For the same
 * reason a snapshot carries stacks only while the scope that opened the fds is
 * active: lc_scope_end moves the generation on.
 *
 * Hook-path rules the wrappers follow (the same as hooks.c, for the same
 * reasons):
 *  - Outside a scope a wrapper is the real call plus one predictable branch on
 *    lc__st.tracking (after the real function's pointer, resolved once).
 *  - No lock and no tracked allocation: the store is a mapping, written with
 *    atomic stores; the real functions are resolved with dlsym(RTLD_NEXT), which
 *    does not allocate when it succeeds on glibc 2.36 (and runs with the guard
 *    up in case it does).
 *  - No stdio, getenv or symbolization; the stack is captured as raw pcs.
 *  - While lc__tls.guard is up (leakcheck's own work: reports, libdw opening ELF
 *    files, libunwind's first pipe2) nothing is attributed; the guard is raised
 *    during the bookkeeping itself, because unw_backtrace may calloc.
 *  - errno is exactly what the real call left: the bookkeeping saves and
 *    restores it, and runs after the real call.
 *  - A number is forgotten before the real close gives it back to the kernel,
 *    so that another thread that gets the number next cannot lose its entry.
 *  - Every wrapper and helper that is on the stack while a stack is captured
 *    lives in the lc_hook_text section (LC_HOOK_TEXT), so captured stacks start
 *    at the caller of the wrapper.
 * Report-time functions (snapshot, diff, reset) allocate with lc__xmalloc and
 * run with the guard up. */

/* This file defines open and open64 side by side; with _FILE_OFFSET_BITS=64
 * glibc's headers make open an alias of open64 and the two would clash. Fortify
 * wrappers would turn open into an inline function, so they are turned off. */
#undef _FORTIFY_SOURCE
#if defined(_FILE_OFFSET_BITS) && _FILE_OFFSET_BITS == 64
#error "fds.c must be built without _FILE_OFFSET_BITS=64"
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <mqueue.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "children.h"
#include "fd_spare.h"
#include "fds.h"
#include "internal.h"
#include "sleep_resume.h"

#define LC_EXPORT __attribute__((visibility("default")))

/* glibc's fortify entry points, declared by <bits/fcntl2.h> only when
 * _FORTIFY_SOURCE is on; a fortified program calls them for open(path, flags)
 * with non-constant flags. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

/* ---- the attribution store ---- */

#define FD_SLOTS 65536u
#define FD_TAB_BYTES (FD_SLOTS * sizeof(uint64_t))

static uint64_t *fd_tab; /* reserved on first use, never unmapped */

static inline int tracking(void) {
    return __atomic_load_n(&lc__st.tracking, __ATOMIC_RELAXED);
}

/* The store, reserved by whichever thread needs it first; a loser of the race
 * unmaps its copy. mmap is a system call, not an allocation we track. */
static uint64_t *table(void) {
    uint64_t *t = __atomic_load_n(&fd_tab, __ATOMIC_ACQUIRE);
    if (LC_LIKELY(t))
        return t;
    uint64_t *mine = lc__reserve(FD_TAB_BYTES);
    if (!mine)
        return NULL;
    if (!__atomic_compare_exchange_n(&fd_tab, &t, mine, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        lc__munmap(mine, FD_TAB_BYTES);
        return t;
    }
    return mine;
}

/* 1 when the word describes an fd opened in the current scope generation. */
static inline int entry_valid(uint64_t e, uint32_t gen) {
    return e != 0 && (uint32_t)(e >> 32) == gen;
}

/* 1 when the word describes an fd opened in generation lo..hi: under
 * `leakcheck run` every generation since the process scope began is the
 * process's (a test's nested scope moves it on; the process scope tracks
 * throughout, so every close was seen). */
static inline int entry_since(uint64_t e, uint32_t lo, uint32_t hi) {
    uint32_t g = (uint32_t)(e >> 32);
    return e != 0 && lo != 0 && g >= lo && g <= hi;
}

static inline void mark_ours(int fd, int on);
static inline void forget(int fd) {
    if (fd >= 0 && (unsigned)fd < FD_SLOTS)
        mark_ours(fd, 0);
    uint64_t *t = __atomic_load_n(&fd_tab, __ATOMIC_ACQUIRE);
    if (t && fd >= 0 && (unsigned)fd < FD_SLOTS)
        __atomic_store_n(&t[fd], 0, __ATOMIC_RELAXED);
}

/* Records the calling stack for fd and for fd2 (the second end of a pipe or a
 * socketpair; -1 when none). Called only when tracking was seen on. */
/* fds leakcheck itself opened (libdw's ELF files, a /proc listing), with the
 * guard up; kept apart from the attributions, which every scope resets. */
static uint64_t ours[FD_SLOTS / 64];

static inline void mark_ours(int fd, int on) {
    uint64_t bit = 1ull << (fd & 63);
    if (on)
        __atomic_fetch_or(&ours[fd >> 6], bit, __ATOMIC_RELAXED);
    else if (__atomic_load_n(&ours[fd >> 6], __ATOMIC_RELAXED) & bit)
        __atomic_fetch_and(&ours[fd >> 6], ~bit, __ATOMIC_RELAXED);
}

/* Calls of the program's that failed for want of an fd (EMFILE, ENFILE):
 * a test that ran into the open-file limit (lc__fds_limit_hits). */
static uint64_t limit_hits;

LC_HOOK_TEXT static void note_failed(void) {
    if (!lc__tls.guard && (errno == EMFILE || errno == ENFILE))
        __atomic_fetch_add(&limit_hits, 1, __ATOMIC_RELAXED);
}

uint64_t lc__fds_limit_hits(void) { return __atomic_load_n(&limit_hits, __ATOMIC_RELAXED); }

/* Listings of /proc/self/fd that failed (lc__fds_snapshot, engine.c's count),
 * and the errno of the last: a test whose fds could not be read is not
 * judged on them (failsafe.c). */
static uint64_t unreadable;
static int unreadable_errno;

void lc__fds_note_unreadable(int err) {
    __atomic_store_n(&unreadable_errno, err, __ATOMIC_RELAXED);
    __atomic_add_fetch(&unreadable, 1, __ATOMIC_RELAXED);
}

uint64_t lc__fds_unreadable(int *err) {
    if (err)
        *err = __atomic_load_n(&unreadable_errno, __ATOMIC_RELAXED);
    return __atomic_load_n(&unreadable, __ATOMIC_RELAXED);
}

LC_HOOK_TEXT static void note_open(int fd, int fd2) {
    struct lc_tls *t = &lc__tls;
    int in1 = fd >= 0 && (unsigned)fd < FD_SLOTS;
    int in2 = fd2 >= 0 && (unsigned)fd2 < FD_SLOTS;
    if (!in1 && !in2)
        return;
    if (in1)
        mark_ours(fd, t->guard > 0);
    if (in2)
        mark_ours(fd2, t->guard > 0);
    if (t->guard)
        return;
    int saved = errno;
    t->guard++;
    uint64_t *tab = table();
    if (tab) {
        /* The generation is read before the capture: if the scope ends
         * meanwhile, the word carries the old generation and is ignored.
         * Opening an fd is rare next to malloc, so its stack is captured even
         * in a count-only scope (the harness measures with stacks off), unless
         * LEAKCHECK_STACKS turned stacks off altogether. */
        uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
        uint32_t sid = lc__st.stacks_allowed ? lc__stack_capture(lc__st.depth) : 0;
        uint64_t e = (uint64_t)gen << 32 | sid;
        if (in1)
            __atomic_store_n(&tab[fd], e, __ATOMIC_RELAXED);
        if (in2)
            __atomic_store_n(&tab[fd2], e, __ATOMIC_RELAXED);
    }
    t->guard--;
    errno = saved;
}

/* fdopen and fdopendir wrap an fd that already exists: the call that opened it
 * says more about a leak than the one that wrapped it, so an fd already
 * attributed in this scope keeps its stack; one no wrapper saw gets this one. */
LC_HOOK_TEXT static void note_adopt(int fd) {
    if (fd < 0 || (unsigned)fd >= FD_SLOTS)
        return;
    uint64_t *tab = __atomic_load_n(&fd_tab, __ATOMIC_ACQUIRE);
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    if (tab && entry_valid(__atomic_load_n(&tab[fd], __ATOMIC_RELAXED), gen))
        return;
    note_open(fd, -1);
}

/* The fd under a stream, without disturbing errno (fileno sets EBADF for a
 * stream that has none, such as fmemopen's). */
static inline int stream_fd(FILE *f) {
    int saved = errno;
    int fd = fileno_unlocked(f);
    errno = saved;
    return fd;
}

/* ---- real functions ---- */

static inline void *resolve(void **slot, const char *name) {
    void *f = __atomic_load_n(slot, __ATOMIC_RELAXED);
    return LC_LIKELY(f) ? f : lc__resolve_next(slot, name);
}

/* Declares `real`, the next definition of `name`; fails the call with ENOSYS
 * when the C library has none (an older glibc than the headers). */
#define REAL(name, fail)                                                                 \
    static void *real_slot_##name;                                                       \
    __typeof__(&name) real = (__typeof__(&name))resolve(&real_slot_##name, #name);       \
    if (LC_UNLIKELY(!real)) {                                                            \
        errno = ENOSYS;                                                                  \
        return fail;                                                                     \
    }

#define NOTE_FD(fd)                                                                      \
    do {                                                                                 \
        if (LC_UNLIKELY(tracking()) && (fd) >= 0)                                        \
            note_open((fd), -1);                                                         \
        else if (LC_UNLIKELY(tracking()))                                                \
            note_failed();                                                               \
    } while (0)

#define NOTE_STREAM(f)                                                                   \
    do {                                                                                 \
        if (LC_UNLIKELY(tracking()) && (f))                                              \
            note_open(stream_fd(f), -1);                                                 \
        else if (LC_UNLIKELY(tracking()))                                                \
            note_failed();                                                               \
    } while (0)

/* ---- open family ---- */

/* open's third argument exists only when the flags need a mode; reading it
 * otherwise would read whatever the caller left in that register. */
static inline int needs_mode(int flags) {
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

#define READ_MODE(last, flags)                                                           \
    mode_t mode = 0;                                                                     \
    if (needs_mode(flags)) {                                                             \
        va_list ap;                                                                      \
        va_start(ap, last);                                                              \
        mode = va_arg(ap, mode_t);                                                       \
        va_end(ap);                                                                      \
    }

LC_EXPORT LC_HOOK_TEXT int open(const char *path, int flags, ...) {
    READ_MODE(flags, flags);
    REAL(open, -1);
    int fd = real(path, flags, mode);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int open64(const char *path, int flags, ...) {
    READ_MODE(flags, flags);
    REAL(open64, -1);
    int fd = real(path, flags, mode);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int openat(int dirfd, const char *path, int flags, ...) {
    READ_MODE(flags, flags);
    REAL(openat, -1);
    int fd = real(dirfd, path, flags, mode);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int openat64(int dirfd, const char *path, int flags, ...) {
    READ_MODE(flags, flags);
    REAL(openat64, -1);
    int fd = real(dirfd, path, flags, mode);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int __open_2(const char *path, int flags) {
    REAL(__open_2, -1);
    int fd = real(path, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int __open64_2(const char *path, int flags) {
    REAL(__open64_2, -1);
    int fd = real(path, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int __openat_2(int dirfd, const char *path, int flags) {
    REAL(__openat_2, -1);
    int fd = real(dirfd, path, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int __openat64_2(int dirfd, const char *path, int flags) {
    REAL(__openat64_2, -1);
    int fd = real(dirfd, path, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int creat(const char *path, mode_t mode) {
    REAL(creat, -1);
    int fd = real(path, mode);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int creat64(const char *path, mode_t mode) {
    REAL(creat64, -1);
    int fd = real(path, mode);
    NOTE_FD(fd);
    return fd;
}

/* ---- sockets and pipes ---- */

LC_EXPORT LC_HOOK_TEXT int socket(int domain, int type, int protocol) {
    REAL(socket, -1);
    int fd = real(domain, type, protocol);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int socketpair(int domain, int type, int protocol, int sv[2]) {
    REAL(socketpair, -1);
    int rc = real(domain, type, protocol, sv);
    if (LC_UNLIKELY(tracking()) && rc == 0)
        note_open(sv[0], sv[1]);
    else if (LC_UNLIKELY(tracking()))
        note_failed();
    return rc;
}

/* __SOCKADDR_ARG is glibc's transparent union under _GNU_SOURCE; the
 * definitions must use it to match the declarations. */
/* accept on a socket with SO_RCVTIMEO ends with EINTR after any handler:
 * made again when leakcheck's own signals ended it (io_resume.c). */
LC_EXPORT LC_HOOK_TEXT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len) {
    REAL(accept, -1);
    int r, saved = errno;
    for (unsigned before = lc__sleep_signals_now();
         lc__sleep_ours(r = real(fd, addr, len), before, saved);)
        before = lc__sleep_signals_now();
    NOTE_FD(r);
    return r;
}

LC_EXPORT LC_HOOK_TEXT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len,
                                   int flags) {
    REAL(accept4, -1);
    int r, saved = errno;
    for (unsigned before = lc__sleep_signals_now();
         lc__sleep_ours(r = real(fd, addr, len, flags), before, saved);)
        before = lc__sleep_signals_now();
    NOTE_FD(r);
    return r;
}

LC_EXPORT LC_HOOK_TEXT int pipe(int fds[2]) {
    REAL(pipe, -1);
    int rc = real(fds);
    if (LC_UNLIKELY(tracking()) && rc == 0)
        note_open(fds[0], fds[1]);
    else if (LC_UNLIKELY(tracking()))
        note_failed();
    return rc;
}

LC_EXPORT LC_HOOK_TEXT int pipe2(int fds[2], int flags) {
    REAL(pipe2, -1);
    int rc = real(fds, flags);
    if (LC_UNLIKELY(tracking()) && rc == 0)
        note_open(fds[0], fds[1]);
    else if (LC_UNLIKELY(tracking()))
        note_failed();
    return rc;
}

/* ---- dup family and fcntl ---- */

LC_EXPORT LC_HOOK_TEXT int dup(int old) {
    REAL(dup, -1);
    int fd = real(old);
    NOTE_FD(fd);
    return fd;
}

/* dup2 onto an open number closes it first: the new word replaces the old one.
 * dup2(fd, fd) changes nothing, so the fd keeps the stack that opened it. */
LC_EXPORT LC_HOOK_TEXT int dup2(int old, int new) {
    REAL(dup2, -1);
    int fd = real(old, new);
    if (old != new)
        NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int dup3(int old, int new, int flags) {
    REAL(dup3, -1);
    int fd = real(old, new, flags);
    NOTE_FD(fd);
    return fd;
}

/* fcntl's third argument is an int, a pointer or absent, by command; it is
 * read with the type the command takes. A command this list does not know is
 * forwarded as a pointer-sized value, as glibc's own fcntl reads it, so that
 * neither an int nor a pointer loses bits. */
LC_HOOK_TEXT static int do_fcntl(int (*real)(int, int, ...), int fd, int cmd,
                                 va_list ap) {
    int r;
    switch (cmd) {
    case F_GETFD:
    case F_GETFL:
    case F_GETOWN:
    case F_GETSIG:
    case F_GETLEASE:
    case F_GETPIPE_SZ:
    case F_GET_SEALS:
        return real(fd, cmd);
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        r = real(fd, cmd, va_arg(ap, int));
        NOTE_FD(r);
        return r;
    case F_SETFD:
    case F_SETFL:
    case F_SETOWN:
    case F_SETSIG:
    case F_SETLEASE:
    case F_NOTIFY:
    case F_SETPIPE_SZ:
    case F_ADD_SEALS:
        return real(fd, cmd, va_arg(ap, int));
    default: /* struct flock *, struct f_owner_ex *, uint64_t * hints, unknown */
        return real(fd, cmd, va_arg(ap, void *));
    }
}

LC_EXPORT LC_HOOK_TEXT int fcntl(int fd, int cmd, ...) {
    REAL(fcntl, -1);
    va_list ap;
    va_start(ap, cmd);
    int r = do_fcntl(real, fd, cmd, ap);
    va_end(ap);
    return r;
}

/* A program built with _FILE_OFFSET_BITS=64 calls fcntl64 (glibc 2.28+). */
LC_EXPORT LC_HOOK_TEXT int fcntl64(int fd, int cmd, ...) {
    REAL(fcntl64, -1);
    va_list ap;
    va_start(ap, cmd);
    int r = do_fcntl(real, fd, cmd, ap);
    va_end(ap);
    return r;
}

/* ---- stdio streams ---- */

LC_EXPORT LC_HOOK_TEXT FILE *fopen(const char *path, const char *mode) {
    REAL(fopen, NULL);
    FILE *f = real(path, mode);
    NOTE_STREAM(f);
    return f;
}

LC_EXPORT LC_HOOK_TEXT FILE *fopen64(const char *path, const char *mode) {
    REAL(fopen64, NULL);
    FILE *f = real(path, mode);
    NOTE_STREAM(f);
    return f;
}

LC_EXPORT LC_HOOK_TEXT FILE *fdopen(int fd, const char *mode) {
    REAL(fdopen, NULL);
    FILE *f = real(fd, mode);
    if (LC_UNLIKELY(tracking()) && f)
        note_adopt(fd);
    return f;
}

/* freopen closes the stream's fd (even when it fails) and opens another,
 * possibly under another number: forget the old one first. */
LC_EXPORT LC_HOOK_TEXT FILE *freopen(const char *path, const char *mode, FILE *stream) {
    REAL(freopen, NULL);
    if (LC_UNLIKELY(tracking()) && stream)
        forget(stream_fd(stream));
    FILE *f = real(path, mode, stream);
    NOTE_STREAM(f);
    return f;
}

LC_EXPORT LC_HOOK_TEXT FILE *freopen64(const char *path, const char *mode, FILE *stream) {
    REAL(freopen64, NULL);
    if (LC_UNLIKELY(tracking()) && stream)
        forget(stream_fd(stream));
    FILE *f = real(path, mode, stream);
    NOTE_STREAM(f);
    return f;
}

LC_EXPORT LC_HOOK_TEXT FILE *popen(const char *command, const char *mode) {
    REAL(popen, NULL);
    FILE *f = real(command, mode);
    NOTE_STREAM(f);
    if (LC_UNLIKELY(tracking()))
        lc__children_note_popen(f); /* the child glibc spawned itself */
    return f;
}

LC_EXPORT LC_HOOK_TEXT FILE *tmpfile(void) {
    REAL(tmpfile, NULL);
    FILE *f = real();
    NOTE_STREAM(f);
    return f;
}

LC_EXPORT LC_HOOK_TEXT FILE *tmpfile64(void) {
    REAL(tmpfile64, NULL);
    FILE *f = real();
    NOTE_STREAM(f);
    return f;
}

LC_EXPORT LC_HOOK_TEXT int fclose(FILE *stream) {
    REAL(fclose, EOF);
    if (LC_UNLIKELY(tracking()) && stream)
        forget(stream_fd(stream));
    return real(stream);
}

LC_EXPORT LC_HOOK_TEXT int pclose(FILE *stream) {
    REAL(pclose, -1);
    if (LC_UNLIKELY(tracking()) && stream)
        forget(stream_fd(stream));
    return real(stream);
}

/* ---- directories ---- */

LC_EXPORT LC_HOOK_TEXT DIR *opendir(const char *path) {
    REAL(opendir, NULL);
    DIR *d = real(path);
    if (LC_UNLIKELY(tracking()) && d)
        note_open(dirfd(d), -1);
    else if (LC_UNLIKELY(tracking()))
        note_failed();
    return d;
}

LC_EXPORT LC_HOOK_TEXT DIR *fdopendir(int fd) {
    REAL(fdopendir, NULL);
    DIR *d = real(fd);
    if (LC_UNLIKELY(tracking()) && d)
        note_adopt(fd);
    return d;
}

LC_EXPORT LC_HOOK_TEXT int closedir(DIR *d) {
    REAL(closedir, -1);
    if (LC_UNLIKELY(tracking())) {
        /* closedir is declared nonnull, yet glibc's answers NULL with EINVAL:
         * hide the pointer from the optimizer so the check stays */
        DIR *p = d;
        __asm__("" : "+r"(p));
        if (p)
            forget(dirfd(p));
    }
    return real(d);
}

/* ---- temporary files ---- */

LC_EXPORT LC_HOOK_TEXT int mkstemp(char *tmpl) {
    REAL(mkstemp, -1);
    int fd = real(tmpl);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkstemp64(char *tmpl) {
    REAL(mkstemp64, -1);
    int fd = real(tmpl);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkostemp(char *tmpl, int flags) {
    REAL(mkostemp, -1);
    int fd = real(tmpl, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkostemp64(char *tmpl, int flags) {
    REAL(mkostemp64, -1);
    int fd = real(tmpl, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkstemps(char *tmpl, int suffixlen) {
    REAL(mkstemps, -1);
    int fd = real(tmpl, suffixlen);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkstemps64(char *tmpl, int suffixlen) {
    REAL(mkstemps64, -1);
    int fd = real(tmpl, suffixlen);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkostemps(char *tmpl, int suffixlen, int flags) {
    REAL(mkostemps, -1);
    int fd = real(tmpl, suffixlen, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int mkostemps64(char *tmpl, int suffixlen, int flags) {
    REAL(mkostemps64, -1);
    int fd = real(tmpl, suffixlen, flags);
    NOTE_FD(fd);
    return fd;
}

/* ---- anonymous-inode fds ---- */

LC_EXPORT LC_HOOK_TEXT int eventfd(unsigned int count, int flags) {
    REAL(eventfd, -1);
    int fd = real(count, flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int epoll_create(int size) {
    REAL(epoll_create, -1);
    int fd = real(size);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int epoll_create1(int flags) {
    REAL(epoll_create1, -1);
    int fd = real(flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int timerfd_create(clockid_t clock, int flags) {
    REAL(timerfd_create, -1);
    int fd = real(clock, flags);
    NOTE_FD(fd);
    return fd;
}

/* signalfd(fd, ...) with fd != -1 changes the mask of an existing signalfd and
 * returns it: that creates nothing. */
LC_EXPORT LC_HOOK_TEXT int signalfd(int fd, const sigset_t *mask, int flags) {
    REAL(signalfd, -1);
    int r = real(fd, mask, flags);
    if (fd == -1)
        NOTE_FD(r);
    return r;
}

LC_EXPORT LC_HOOK_TEXT int inotify_init(void) {
    REAL(inotify_init, -1);
    int fd = real();
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int inotify_init1(int flags) {
    REAL(inotify_init1, -1);
    int fd = real(flags);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT int memfd_create(const char *name, unsigned int flags) {
    REAL(memfd_create, -1);
    int fd = real(name, flags);
    NOTE_FD(fd);
    return fd;
}

/* POSIX shared memory and message queues: glibc opens both with internal
 * calls (shm_open's __open64_nocancel, mq_open's syscall), so the open
 * wrappers never see them, and mq_close is a raw close syscall, so its number
 * is forgotten here. A message queue descriptor is an fd on Linux. */
LC_EXPORT LC_HOOK_TEXT int shm_open(const char *name, int oflag, mode_t mode) {
    REAL(shm_open, -1);
    int fd = real(name, oflag, mode);
    NOTE_FD(fd);
    return fd;
}

LC_EXPORT LC_HOOK_TEXT mqd_t mq_open(const char *name, int oflag, ...) {
    REAL(mq_open, -1);
    mode_t mode = 0;
    struct mq_attr *attr = NULL;
    if (oflag & O_CREAT) { /* the extra arguments exist only with O_CREAT */
        va_list ap;
        va_start(ap, oflag);
        mode = va_arg(ap, mode_t);
        attr = va_arg(ap, struct mq_attr *);
        va_end(ap);
    }
    mqd_t q = real(name, oflag, mode, attr);
    NOTE_FD(q);
    return q;
}

/* The fortified entry point a program built with _FORTIFY_SOURCE calls for
 * mq_open(name, flags) with flags not known at compile time. */
mqd_t __mq_open_2(const char *name, int oflag);
LC_EXPORT LC_HOOK_TEXT mqd_t __mq_open_2(const char *name, int oflag) {
    REAL(__mq_open_2, -1);
    mqd_t q = real(name, oflag);
    NOTE_FD(q);
    return q;
}

LC_EXPORT LC_HOOK_TEXT int mq_close(mqd_t q) {
    REAL(mq_close, -1);
    if (LC_UNLIKELY(tracking()))
        forget(q);
    return real(q);
}

/* ---- close ---- */

LC_EXPORT LC_HOOK_TEXT int close(int fd) {
    REAL(close, -1);
    if (LC_UNLIKELY(tracking()))
        forget(fd);
    return real(fd);
}

/* Forgets the numbers close_range will close. Only words that are set are
 * written, so a wide range (up to ~0U) only reads the store. */
static void forget_range(unsigned first, unsigned last) {
    uint64_t *t = __atomic_load_n(&fd_tab, __ATOMIC_ACQUIRE);
    if (!t || first >= FD_SLOTS)
        return;
    if (last >= FD_SLOTS)
        last = FD_SLOTS - 1;
    for (unsigned fd = first; fd <= last; fd++)
        if (__atomic_load_n(&t[fd], __ATOMIC_RELAXED))
            __atomic_store_n(&t[fd], 0, __ATOMIC_RELAXED);
}

LC_EXPORT LC_HOOK_TEXT int close_range(unsigned int first, unsigned int last, int flags) {
    REAL(close_range, -1);
    /* CLOSE_RANGE_CLOEXEC only marks the fds; CLOSE_RANGE_UNSHARE still closes
     * them in this process's (now private) table */
    if (LC_UNLIKELY(tracking()) && !(flags & CLOSE_RANGE_CLOEXEC) && first <= last)
        forget_range(first, last);
    return real(first, last, flags);
}

LC_EXPORT LC_HOOK_TEXT void closefrom(int lowfd) {
    static void *real_slot_closefrom;
    __typeof__(&closefrom) real =
        (__typeof__(&closefrom))resolve(&real_slot_closefrom, "closefrom");
    if (LC_UNLIKELY(tracking()) && lowfd >= 0)
        forget_range((unsigned)lowfd, ~0u);
    if (real)
        real(lowfd);
}

/* ---- report time: snapshots and diffs ---- */

static int entry_cmp(const void *a, const void *b) {
    const struct lc_fd_entry *x = a, *y = b;
    return (x->fd > y->fd) - (x->fd < y->fd);
}

/* A /proc/self/fd entry name as an fd number; -1 for "." and "..". */
static int parse_fd(const char *s) {
    long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > INT_MAX / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v > INT_MAX ? -1 : (int)v;
}

/* /proc/self/fd opened for listing (at the open-file limit in leakcheck's
 * spare's slot), or NULL after noting why (lc__fds_note_unreadable). */
static DIR *open_listing(void) {
    int dfd = lc__fd_spare_open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        lc__fds_note_unreadable(errno);
        lc__fd_spare_close(dfd);
    }
    return d;
}

static void close_listing(DIR *d) {
    int dfd = dirfd(d);
    closedir(d);
    lc__fd_spare_closed(dfd);
}

/* An entry that is not one of the program's fds: the listing's own, the
 * spare's. */
static int not_programs(int fd, int self) { return fd == self || lc__fd_spare_is(fd); }

uint32_t lc__fds_count_listed(void) {
    DIR *d = open_listing();
    if (!d)
        return 0; /* the test is then not judged on its fds (failsafe.c) */
    uint32_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        int fd = parse_fd(e->d_name);
        if (fd >= 0 && !not_programs(fd, dirfd(d)))
            n++;
    }
    close_listing(d);
    return n;
}

int lc__fds_snapshot(struct lc_fdset *out) {
    out->n = 0;
    out->fds = NULL;
    int saved = errno;
    lc__guard_enter();
    DIR *d = open_listing();
    if (!d) {
        lc__guard_leave();
        errno = saved;
        return LEAKCHECK_EIO;
    }
    int self = dirfd(d);
    uint64_t *tab = __atomic_load_n(&fd_tab, __ATOMIC_ACQUIRE);
    uint32_t gen = __atomic_load_n(&lc__st.gen, __ATOMIC_ACQUIRE);
    uint32_t since = lc__scope_process_gen();
    struct lc_fd_entry *v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    char buf[PATH_MAX + 1];
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno)
                rc = LEAKCHECK_EIO;
            break;
        }
        int fd = parse_fd(de->d_name);
        if (fd < 0 || not_programs(fd, self))
            continue;
        ssize_t len = readlinkat(self, de->d_name, buf, sizeof buf - 1);
        if (len < 0)
            continue; /* closed by another thread since readdir listed it */
        buf[len] = '\0';
        const char *target = lc__intern(buf);
        if (!target) {
            rc = LEAKCHECK_ENOMEM;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct lc_fd_entry *nv = lc__xrealloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = LEAKCHECK_ENOMEM;
                break;
            }
            v = nv;
            cap = ncap;
        }
        uint32_t stack = 0;
        if (tab && (unsigned)fd < FD_SLOTS) {
            uint64_t e = __atomic_load_n(&tab[fd], __ATOMIC_RELAXED);
            if (entry_valid(e, gen) || entry_since(e, since, gen))
                stack = (uint32_t)e;
        }
        v[n++] = (struct lc_fd_entry){.fd = fd, .target = target, .stack = stack};
    }
    close_listing(d);
    if (rc) {
        lc__xfree(v);
    } else {
        qsort(v, n, sizeof *v, entry_cmp);
        out->n = n;
        out->fds = v;
    }
    lc__guard_leave();
    errno = saved;
    return rc;
}

void lc__fd_mark_ours(int fd) {
    if (fd >= 0 && (unsigned)fd < FD_SLOTS)
        mark_ours(fd, 1);
}

int lc__fd_ours(int fd) {
    return fd >= 0 && (unsigned)fd < FD_SLOTS &&
           (__atomic_load_n(&ours[fd >> 6], __ATOMIC_RELAXED) >> (fd & 63)) & 1;
}

void lc__fdset_free(struct lc_fdset *s) {
    if (!s)
        return;
    lc__xfree(s->fds);
    s->fds = NULL;
    s->n = 0;
}

static int same_target(const char *a, const char *b) {
    /* interned: equal strings are one pointer, unless interning failed */
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Both sets are sorted by fd: one merge pass. *out is NULL when nothing was
 * added, or when the result cannot be allocated (then 0 is returned). */
size_t lc__fds_added(const struct lc_fdset *base, const struct lc_fdset *now,
                     struct lc_fd_entry **out) {
    *out = NULL;
    if (!now || !now->n)
        return 0;
    struct lc_fd_entry *r = lc__xmalloc(now->n * sizeof *r);
    if (!r)
        return 0;
    size_t nb = base ? base->n : 0, i = 0, k = 0;
    for (size_t j = 0; j < now->n; j++) {
        const struct lc_fd_entry *e = &now->fds[j];
        while (i < nb && base->fds[i].fd < e->fd)
            i++;
        if (i < nb && base->fds[i].fd == e->fd &&
            same_target(base->fds[i].target, e->target))
            continue;
        r[k++] = *e;
    }
    if (!k) {
        lc__xfree(r);
        return 0;
    }
    *out = r;
    return k;
}

/* Drops the store's pages: they read back as zero. A wrapper storing at the
 * same moment either lands before (and is dropped) or after (and stays); a
 * word that stays is still checked against the generation, so this needs no
 * lock. */
void lc__fds_reset(void) {
    if (lc__scope_process_gen())
        return; /* `leakcheck run`: the store is the process's, tracked throughout,
                 * and its report at exit names who opened what a test left */
    uint64_t *t = __atomic_load_n(&fd_tab, __ATOMIC_ACQUIRE);
    if (t)
        madvise(t, FD_TAB_BYTES, MADV_DONTNEED);
}
