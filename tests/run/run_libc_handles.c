/* run_libc_handles: handles glibc hands out that only their close frees, for
 * `leakcheck run`; with "clean" as argument, each one is closed.
 *   iconv      open_converter: iconv_open without iconv_close (the descriptor
 *              is __gconv_open's, under gconv's one-time cache functions)
 *   opendir    open_listing: opendir without closedir, reached through
 *              leakcheck's own opendir wrapper (its frame is never shown)
 * Both are made on a worker thread that is joined, so no stale copy of their
 * addresses survives on a live stack. Not on the hook path. */
#include <dirent.h>
#include <iconv.h>
#include <pthread.h>
#include <string.h>

static int clean;

__attribute__((noinline)) static int open_converter(void) {
    iconv_t volatile cd = iconv_open("UTF-16LE", "UTF-8");
    if (cd == (iconv_t)-1)
        return -1;
    char in[] = "hi", out[16];
    char *ip = in, *op = out;
    size_t il = 2, ol = sizeof out;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    if (clean)
        iconv_close(cd);
    return r == (size_t)-1 ? -1 : 0;
}

__attribute__((noinline)) static int open_listing(void) {
    DIR *volatile d = opendir("/");
    if (!d)
        return -1;
    int ok = readdir(d) != NULL;
    if (clean)
        closedir(d);
    return ok ? 0 : -1;
}

static void *worker(void *arg) {
    (void)arg;
    if (open_converter() != 0 || open_listing() != 0)
        return (void *)1;
    return NULL;
}

int main(int argc, char **argv) {
    clean = argc > 1 && strcmp(argv[1], "clean") == 0;
    pthread_t t;
    void *rc = NULL;
    if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, &rc) != 0)
        return 2;
    return rc ? 2 : 0;
}
