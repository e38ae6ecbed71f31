/* io_resume.c: the calls Linux ends with EINTR after any signal handler,
 * SA_RESTART or not, that are not waits with a deadline of their own: reads
 * and writes on a socket with a timeout (SO_RCVTIMEO, SO_SNDTIMEO: recv,
 * recvfrom, recvmsg, read, readv; send, sendto, sendmsg, write, writev) and
 * System V IPC (msgrcv, msgsnd, semop; semtimedop, a wait with a deadline,
 * is wait_resume.c's). When one of leakcheck's own handlers (the scan's
 * thread stop, a stack sample: sleep_resume.h) ended one, the call is made
 * again, as the kernel restarts it for a handler without a timeout; a
 * socket's timeout then starts again (the kernel does not say what was
 * left). _FORTIFY_SOURCE's __read_chk, __recv_chk and __recvfrom_chk (what
 * read, recv and recvfrom become for a buffer of known size, Debian's default
 * build flags) check as glibc does and go through these. connect
 * is left alone: after EINTR the connection goes on, and a second connect
 * is not the same call. Calls libc's (dlsym RTLD_NEXT). Not on the hook
 * path. */
#include <dlfcn.h>
#include <errno.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"
#include "sleep_resume.h"

#define LC_EXPORT __attribute__((visibility("default")))

/* real: libc's function; the body is `call` made until it ends other than
 * by leakcheck's EINTR. */
#define RESUMED(name, type, call)                                                        \
    LC_RESUME_REAL(name, type)                                                           \
    int saved = errno;                                                                   \
    for (;;) {                                                                           \
        unsigned before = lc__sleep_signals_now();                                       \
        __typeof__(call) rc = call;                                                      \
        if (LC_LIKELY(!lc__sleep_ours((long)rc, before, saved)))                         \
            return rc;                                                                   \
    }

typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
typedef ssize_t (*recvmsg_fn)(int, struct msghdr *, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *,
                             socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*readv_fn)(int, const struct iovec *, int);
typedef ssize_t (*msgrcv_fn)(int, void *, size_t, long, int);
typedef int (*msgsnd_fn)(int, const void *, size_t, int);
typedef int (*semop_fn)(int, struct sembuf *, size_t);

LC_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
    RESUMED(recv, recv_fn, real(fd, buf, n, flags))
}

LC_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t n, int flags,
                           __SOCKADDR_ARG addr, socklen_t *restrict len) {
    RESUMED(recvfrom, recvfrom_fn, real(fd, buf, n, flags, addr.__sockaddr__, len))
}

LC_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
    RESUMED(recvmsg, recvmsg_fn, real(fd, msg, flags))
}

LC_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
    RESUMED(send, send_fn, real(fd, buf, n, flags))
}

LC_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
                         __CONST_SOCKADDR_ARG addr, socklen_t len) {
    RESUMED(sendto, sendto_fn, real(fd, buf, n, flags, addr.__sockaddr__, len))
}

LC_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
    RESUMED(sendmsg, sendmsg_fn, real(fd, msg, flags))
}

LC_EXPORT ssize_t read(int fd, void *buf, size_t n) {
    RESUMED(read, read_fn, real(fd, buf, n))
}

LC_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
    RESUMED(write, write_fn, real(fd, buf, n))
}

LC_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n) {
    RESUMED(readv, readv_fn, real(fd, iov, n))
}

LC_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n) {
    RESUMED(writev, readv_fn, real(fd, iov, n))
}

LC_EXPORT ssize_t msgrcv(int id, void *msg, size_t n, long type, int flags) {
    RESUMED(msgrcv, msgrcv_fn, real(id, msg, n, type, flags))
}

LC_EXPORT int msgsnd(int id, const void *msg, size_t n, int flags) {
    RESUMED(msgsnd, msgsnd_fn, real(id, msg, n, flags))
}

LC_EXPORT int semop(int id, struct sembuf *ops, size_t n) {
    RESUMED(semop, semop_fn, real(id, ops, n))
}

void __chk_fail(void) __attribute__((noreturn)); /* glibc's */

LC_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
    if (n > buflen)
        __chk_fail(); /* glibc's own check and its answer */
    return read(fd, buf, n);
}

LC_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags) {
    if (n > buflen)
        __chk_fail();
    return recv(fd, buf, n, flags);
}

LC_EXPORT ssize_t __recvfrom_chk(int fd, void *restrict buf, size_t n, size_t buflen, int flags,
                                 __SOCKADDR_ARG addr, socklen_t *restrict len) {
    if (n > buflen)
        __chk_fail();
    return recvfrom(fd, buf, n, flags, addr, len);
}
