/* fd_spare.h: a file descriptor leakcheck holds in reserve for its own
 * reads of /proc at the process's open-file limit (fd_spare.c). Not on the
 * hook path. */
#ifndef LC_FD_SPARE_H
#define LC_FD_SPARE_H

/* Takes the spare (a memfd at fd 1023, or just below RLIMIT_NOFILE when
 * that is lower; constructor, guard up). Without one, nothing changes. */
void lc__fd_spare_init(void);
/* openat(path, flags | O_CLOEXEC, 0600) by raw system call; when it fails
 * with EMFILE or ENFILE, once more in the spare's slot. -1 with errno set. */
int lc__fd_spare_open(const char *path, int flags);
/* Closes an fd lc__fd_spare_open gave; the spare's slot takes it back. */
void lc__fd_spare_close(int fd);
/* The same after the caller closed fd itself (closedir of an fdopendir). */
void lc__fd_spare_closed(int fd);
/* 1 when fd is the spare: never one of the program's fds. */
int lc__fd_spare_is(int fd);
/* 1 when the spare is open in its slot now (one fcntl). */
int lc__fd_spare_open_now(void);

#endif
