/* sockwrap.c: a small LD_PRELOAD library shaped like cwrap's socket_wrapper,
 * preloaded beside libleakcheck by run_cwrap.py: its constructor reads the
 * environment and callocs a table, it finds libc's socket/close through a
 * dlopen of libc with RTLD_DEEPBIND, and keeps a heap record per socket.
 * With SOCKWRAP_LOG it opens a log file through that handle and keeps it open
 * for the process, as socket_wrapper keeps its pcap file. Built twice: clean,
 * and with SOCKWRAP_PLANT_LEAK (close forgets the record). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SOCKWRAP_MAX_FDS 1024

struct sockwrap_info {
    int family;
    char *path; /* where a wrapper of this kind would bind it */
};

static struct sockwrap_info **infos;
static int (*real_socket)(int, int, int);
static int (*real_close)(int);
static int (*real_open)(const char *, int, ...);
static int log_fd = -1;

/* Also called from the wrappers: another preloaded library's constructor
 * (leakcheck's) may close an fd before this library's constructor ran. */
static void sockwrap_bind_libc(void) {
    void *libc;
    if (real_socket && real_close)
        return;
    libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_DEEPBIND);
    if (libc) {
        real_socket = (int (*)(int, int, int))dlsym(libc, "socket");
        real_close = (int (*)(int))dlsym(libc, "close");
        real_open = (int (*)(const char *, int, ...))dlsym(libc, "open");
    }
}

/* Opened once, on the first socket, and never closed. */
static void sockwrap_log_open(void) {
    const char *path = getenv("SOCKWRAP_LOG");
    if (path && log_fd < 0 && real_open)
        log_fd = real_open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

__attribute__((constructor)) static void sockwrap_init(void) {
    sockwrap_bind_libc();
    if (getenv("SOCKWRAP_DISABLE") == NULL)
        infos = calloc(SOCKWRAP_MAX_FDS, sizeof *infos);
}

__attribute__((noinline)) static struct sockwrap_info *sockwrap_info_new(int family) {
    struct sockwrap_info *si = calloc(1, sizeof *si);
    const char *dir = getenv("SOCKWRAP_DIR");
    char path[256];
    if (si == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/sock.%d", dir ? dir : "/tmp", family);
    si->family = family;
    si->path = strdup(path);
    return si;
}

static void sockwrap_info_free(struct sockwrap_info *si) {
    if (si == NULL)
        return;
    free(si->path);
#ifndef SOCKWRAP_PLANT_LEAK
    free(si);
#endif
}

int socket(int domain, int type, int protocol) {
    int fd;
    sockwrap_bind_libc();
    sockwrap_log_open();
    fd = real_socket ? real_socket(domain, type, protocol) : -1;
    if (fd >= 0 && fd < SOCKWRAP_MAX_FDS && infos)
        infos[fd] = sockwrap_info_new(domain);
    return fd;
}

int close(int fd) {
    sockwrap_bind_libc();
    if (fd >= 0 && fd < SOCKWRAP_MAX_FDS && infos && infos[fd]) {
        sockwrap_info_free(infos[fd]);
        infos[fd] = NULL;
    }
    return real_close ? real_close(fd) : -1;
}
