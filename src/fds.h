/* fds.h: file descriptor tracking for fd-leak verdicts.
 *
 * Ground truth is /proc/self/fd: a snapshot lists every open fd with its
 * target (a path, "pipe:[N]", "socket:[N]", "anon_inode:[eventfd]"...). The
 * wrappers of the fd-creating calls (open/openat/creat and their 64 variants,
 * socket/socketpair/accept/accept4, pipe/pipe2, dup/dup2/dup3, fcntl F_DUPFD*,
 * fopen/fdopen/freopen, opendir, popen, tmpfile, mkstemp*, eventfd,
 * epoll_create*, timerfd_create, signalfd, inotify_init*, memfd_create, shm_open,
 * mq_open; mq_close forgets) only
 * attribute: while a scope is active they remember, per fd number, the stack
 * that opened it; close (and dup2/dup3 onto a number) forgets it. An fd that no
 * wrapper saw is still reported, with its target and no stack.
 *
 * The wrappers are on the hook path: no lock, no tracked allocation, no stdio. */
#ifndef LC_FDS_H
#define LC_FDS_H

#include <stddef.h>
#include <stdint.h>

struct lc_fd_entry {
    int fd;
    const char *target; /* interned */
    uint32_t stack;     /* depot id of the opening call, 0 when not attributed */
};

struct lc_fdset {
    size_t n;
    struct lc_fd_entry *fds; /* sorted by fd; lc__xmalloc'd */
};

/* Lists the open fds (without the listing's own directory fd). Report time:
 * call with the guard up. Returns 0 or a negative lc_error. */
int lc__fds_snapshot(struct lc_fdset *out);
/* How many of the program's fd-making calls failed with EMFILE or ENFILE
 * so far (hook path: counted by the wrappers, not while the guard is up). */
uint64_t lc__fds_limit_hits(void);
/* The program's open fds now (leakcheck's listing and spare left out); 0
 * when /proc/self/fd cannot be listed (noted: lc__fds_unreadable). */
uint32_t lc__fds_count(void);
/* The same count from a listing of /proc/self/fd (fds.c); lc__fds_count
 * (fds_count.c) asks the kernel instead where it can. */
uint32_t lc__fds_count_listed(void);
/* A listing of /proc/self/fd failed with errno err; how many have, and the
 * last one's errno into *err (may be NULL). */
void lc__fds_note_unreadable(int err);
uint64_t lc__fds_unreadable(int *err);
void lc__fdset_free(struct lc_fdset *s);
/* The entries of `now` whose fd is absent from `base`, or present with another
 * target (closed and reopened as something else). Returns the count; *out is
 * lc__xmalloc'd (free with lc__xfree). */
size_t lc__fds_added(const struct lc_fdset *base, const struct lc_fdset *now,
                     struct lc_fd_entry **out);
/* 1 when leakcheck itself opened fd (with its guard up) and has not closed it. */
int lc__fd_ours(int fd);
/* Marks an fd leakcheck keeps open as its own, for when the program's own
 * open or fcntl came first (it defines them: socket_wrapper's unit test) and
 * leakcheck's wrappers never saw the call. Cleared by leakcheck's close. */
void lc__fd_mark_ours(int fd);
/* Forgets every attribution (scope begin and end). */
void lc__fds_reset(void);

#endif
