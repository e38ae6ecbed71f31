/* exit_sleepers.c: the shape of rtrlib's test_dynamic_groups: main returns
 * (EXIT_FAILURE) while worker threads sleep long, one per sleep call (sleep,
 * usleep, nanosleep, clock_nanosleep relative and absolute); a worker that
 * wakes before the process is gone says so and exits with status 3 (rtrlib's
 * socket thread woke from sleep(600) and used main's finished frame). main
 * also drops a block (drop_config), which the check at exit must name.
 * "own": the program's own signal still wakes a sleeper (sleep returns early).
 * "poller": a worker waits in the poll system call (raw, past leakcheck's
 * wrapper) with no timeout, which any signal handler ends (EINTR), and then
 * calls _exit(4): the check at exit's own signal wakes it in the middle of
 * the check, whose record must still arrive whole.
 * "waits": a worker in each wait libc's wrappers end with EINTR after any
 * signal handler (poll, ppoll, select, pselect, epoll_wait, epoll_pwait,
 * pause, sigsuspend, sigtimedwait, sigwaitinfo, and _FORTIFY_SOURCE's
 * __poll_chk), none with a deadline it
 * reaches; one that returns says so and exits with status 3.
 * "io": a worker in each call Linux ends with EINTR after any handler even
 * with SA_RESTART: reads and writes on a socket with a timeout (recv, read,
 * readv, recvfrom, recvmsg, the fortified __read_chk, __recv_chk and
 * __recvfrom_chk, accept, accept4; send, write, writev, sendto, sendmsg on a
 * full socket), System V's msgrcv, msgsnd (a full queue), semop and
 * semtimedop, and epoll_pwait2; the IPC ids go to stdout for the runner to
 * remove. run_exit_sleepers.py runs each under leakcheck run. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LONG_S 600
#define WORKERS 5

static void *volatile sink;
static int tids[WORKERS];

static void woke(const char *how) {
    fprintf(stderr, "exit_sleepers: %s woke before the process ended\n", how);
    _exit(3);
}

static void *worker(void *arg) {
    long k = (long)arg;
    struct timespec ts = {LONG_S, 0};
    __atomic_store_n(&tids[k], (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    switch (k) {
    case 0:
        sleep(LONG_S);
        woke("sleep");
        break;
    case 1:
        usleep(LONG_S * 1000000u);
        woke("usleep");
        break;
    case 2:
        nanosleep(&ts, NULL);
        woke("nanosleep");
        break;
    case 3:
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
        woke("clock_nanosleep");
        break;
    default:
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += LONG_S;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        woke("clock_nanosleep TIMER_ABSTIME");
    }
    return NULL;
}

/* The first line of /proc/self/task/TID/LEAF into buf (n bytes); 0 when
 * it cannot be read. */
static int task_line(int tid, const char *leaf, char *buf, int n) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, leaf);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fgets(buf, n, f) != NULL;
    fclose(f);
    return ok;
}

/* The system call thread tid is blocked in (/proc's syscall file), or -1. */
static long blocked_in(int tid) {
    char buf[64] = "";
    return task_line(tid, "syscall", buf, sizeof buf) ? strtol(buf, NULL, 10) : -1;
}

/* 1 once thread tid is blocked in a sleep system call. */
static int asleep(int tid) {
    long nr = blocked_in(tid);
    return nr == SYS_nanosleep || nr == SYS_clock_nanosleep;
}

static void wait_asleep(int n) {
    for (int k = 0; k < n; k++)
        while (!__atomic_load_n(&tids[k], __ATOMIC_ACQUIRE) || !asleep(tids[k]))
            sched_yield();
}

__attribute__((noinline)) static void drop_config(void) {
    sink = malloc(48); /* planted: the only pointer is dropped */
    sink = NULL;
}

static void on_usr1(int sig) { (void)sig; }

/* The program's own signal cuts a sleep short, as without leakcheck. */
static void *own_sleeper(void *arg) {
    (void)arg;
    __atomic_store_n(&tids[0], (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    return (void *)(long)sleep(LONG_S);
}

static int own(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t t;
    void *left = NULL;
    pthread_create(&t, NULL, own_sleeper, NULL);
    wait_asleep(1);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, &left);
    if ((long)left <= 0) {
        fprintf(stderr, "exit_sleepers: own signal: sleep did not return early\n");
        return 2;
    }
    return 0;
}

/* Ends the process once a signal handler ran, as a thread woken from its
 * wait that finds its work gone may do. */
static void *poller(void *arg) {
    (void)arg;
    __atomic_store_n(&tids[0], (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    while (syscall(SYS_poll, NULL, 0, -1) != -1 || errno != EINTR)
        ;
    _exit(4);
}

static int polls_asleep(int tid) {
    long nr = blocked_in(tid);
    return nr == SYS_poll || nr == SYS_ppoll;
}

#define WAITERS 11
static const char *const wait_names[WAITERS] = {
    "poll", "ppoll", "select", "pselect", "epoll_wait", "epoll_pwait",
    "pause", "sigsuspend", "sigtimedwait", "sigwaitinfo", "__poll_chk"};
static const long wait_calls[WAITERS] = {
    SYS_poll, SYS_ppoll, SYS_pselect6 /* glibc's select */, SYS_pselect6, SYS_epoll_wait, SYS_epoll_pwait,
    SYS_pause, SYS_rt_sigsuspend, SYS_rt_sigtimedwait, SYS_rt_sigtimedwait, SYS_poll};
/* what poll becomes under -D_FORTIFY_SOURCE when the array's size is known
 * (Debian's default build flags); glibc's calls its poll internally */
extern int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
static int wait_tids[WAITERS];

static void *waiter(void *arg) {
    long k = (long)arg;
    sigset_t usr2, none;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2); /* never sent: the signal waits never end */
    sigemptyset(&none);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    struct timespec long_ts = {LONG_S, 0};
    struct timeval long_tv = {LONG_S, 0};
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev;
    __atomic_store_n(&wait_tids[k], (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    switch (k) {
    case 0: poll(NULL, 0, LONG_S * 1000); break;
    case 1: ppoll(NULL, 0, &long_ts, NULL); break;
    case 2: select(0, NULL, NULL, NULL, &long_tv); break;
    case 3: pselect(0, NULL, NULL, NULL, &long_ts, NULL); break;
    case 4: epoll_wait(ep, &ev, 1, -1); break;
    case 5: epoll_pwait(ep, &ev, 1, LONG_S * 1000, NULL); break;
    case 6: pause(); break;
    case 7: sigsuspend(&none); break;
    case 8: sigtimedwait(&usr2, NULL, &long_ts); break;
    case 9: sigwaitinfo(&usr2, NULL); break;
    default: {
        struct pollfd none_fd = {-1, 0, 0};
        __poll_chk(&none_fd, 1, LONG_S * 1000, sizeof none_fd);
    }
    }
    woke(wait_names[k]);
    return NULL;
}

static int waits(void) {
    pthread_t t;
    for (long k = 0; k < WAITERS; k++)
        pthread_create(&t, NULL, waiter, (void *)k);
    for (int k = 0; k < WAITERS; k++)
        while (!__atomic_load_n(&wait_tids[k], __ATOMIC_ACQUIRE) ||
               blocked_in(wait_tids[k]) != wait_calls[k])
            sched_yield();
    drop_config();
    return EXIT_FAILURE; /* the workers still wait */
}

#define IO_WAITERS 20
static const char *const io_names[IO_WAITERS] = {
    "recv", "read", "readv", "recvfrom", "recvmsg", "__read_chk", "__recv_chk",
    "__recvfrom_chk", "accept", "accept4", "send", "write", "writev", "sendto", "sendmsg",
    "msgrcv", "msgsnd", "semop", "semtimedop", "epoll_pwait2"};
static int io_tids[IO_WAITERS];
static int msq, sem;
extern ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
extern ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
extern ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
                              struct sockaddr *addr, socklen_t *len);

/* A connected pair whose end sv[0] has 600 s timeouts both ways; with
 * full, sv[0]'s send buffer is filled first. */
static void timed_pair(int sv[2], int full) {
    struct timeval tv = {LONG_S, 0};
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        _exit(5);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (full) {
        static char chunk[4096];
        fcntl(sv[0], F_SETFL, O_NONBLOCK);
        while (send(sv[0], chunk, sizeof chunk, 0) > 0)
            ;
        fcntl(sv[0], F_SETFL, 0);
    }
}

/* A listening socket with a 600 s accept timeout. */
static int timed_listener(void) {
    struct timeval tv = {LONG_S, 0};
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 1) != 0)
        _exit(5);
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
}

static void io_wait(long k) {
    int sv[2] = {-1, -1};
    char b[64];
    struct iovec iov = {b, sizeof b};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    struct sembuf down = {0, -1, 0};
    struct timespec long_ts = {LONG_S, 0};
    if (k < 8 || (k >= 10 && k < 15))
        timed_pair(sv, k >= 10);
    switch (k) {
    case 0: recv(sv[0], b, sizeof b, 0); break;
    case 1: read(sv[0], b, sizeof b); break;
    case 2: readv(sv[0], &iov, 1); break;
    case 3: recvfrom(sv[0], b, sizeof b, 0, NULL, NULL); break;
    case 4: recvmsg(sv[0], &mh, 0); break;
    case 5: __read_chk(sv[0], b, sizeof b, sizeof b); break;
    case 6: __recv_chk(sv[0], b, sizeof b, sizeof b, 0); break;
    case 7: __recvfrom_chk(sv[0], b, sizeof b, sizeof b, 0, NULL, NULL); break;
    case 8: accept(timed_listener(), NULL, NULL); break;
    case 9: accept4(timed_listener(), NULL, NULL, SOCK_CLOEXEC); break;
    case 10: send(sv[0], b, sizeof b, 0); break;
    case 11: write(sv[0], b, sizeof b); break;
    case 12: writev(sv[0], &iov, 1); break;
    case 13: sendto(sv[0], b, sizeof b, 0, NULL, 0); break;
    case 14: sendmsg(sv[0], &mh, 0); break;
    case 15: msgrcv(msq, b, sizeof b - sizeof(long), 1, 0); break;
    case 16: { /* the queue is full: msgsnd waits for room */
        struct { long type; char text[32]; } m = {1, "x"};
        msgsnd(msq, &m, sizeof m.text, 0);
        break;
    }
    case 17: semop(sem, &down, 1); break;
    case 18: semtimedop(sem, &down, 1, &long_ts); break;
    default: {
        struct epoll_event ev;
        epoll_pwait2(epoll_create1(EPOLL_CLOEXEC), &ev, 1, &long_ts, NULL);
    }
    }
}

static void *io_waiter(void *arg) {
    long k = (long)arg;
    __atomic_store_n(&io_tids[k], (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    io_wait(k);
    woke(io_names[k]);
    return NULL;
}

/* 1 once thread tid sleeps (state S) in a system call: none of its set-up
 * calls block, so that is its wait. */
static int blocked(int tid) {
    char buf[64] = "";
    const char *close = task_line(tid, "stat", buf, sizeof buf) ? strrchr(buf, ')') : NULL;
    return close && close[1] == ' ' && close[2] == 'S' && blocked_in(tid) >= 0;
}

static int io(void) {
    msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    printf("ipc %d %d\n", msq, sem);
    fflush(stdout);
    if (msq < 0 || sem < 0)
        return 5;
    struct msqid_ds q;
    if (msgctl(msq, IPC_STAT, &q) == 0) { /* fill it: msgsnd then waits */
        struct { long type; char text[32]; } m = {2, "fill"};
        while (msgsnd(msq, &m, sizeof m.text, IPC_NOWAIT) == 0)
            ;
    }
    pthread_t t;
    for (long k = 0; k < IO_WAITERS; k++)
        pthread_create(&t, NULL, io_waiter, (void *)k);
    for (int k = 0; k < IO_WAITERS; k++)
        while (!__atomic_load_n(&io_tids[k], __ATOMIC_ACQUIRE) || !blocked(io_tids[k]))
            sched_yield();
    drop_config();
    return EXIT_FAILURE; /* the workers still wait */
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "io") == 0)
        return io();
    if (argc > 1 && strcmp(argv[1], "waits") == 0)
        return waits();
    if (argc > 1 && strcmp(argv[1], "own") == 0)
        return own();
    if (argc > 1 && strcmp(argv[1], "poller") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, poller, NULL);
        while (!__atomic_load_n(&tids[0], __ATOMIC_ACQUIRE) || !polls_asleep(tids[0]))
            sched_yield();
        drop_config();
        return EXIT_FAILURE;
    }
    pthread_t t;
    for (long k = 0; k < WORKERS; k++)
        pthread_create(&t, NULL, worker, (void *)k);
    wait_asleep(WORKERS);
    drop_config();
    return EXIT_FAILURE; /* the workers still sleep */
}
