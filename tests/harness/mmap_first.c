/* An interposer of mmap loaded before leakcheck (LD_PRELOAD): the program's
 * mmap calls then never reach leakcheck's wrapper, so LEAKCHECK_CHECKS=mappings
 * cannot work and must say so (run_maps.py). */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    return r == -1 ? MAP_FAILED : (void *)r;
}
