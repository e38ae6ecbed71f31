/* For leakcheck run (run_maps.py): a program that leaves one 1 MiB anonymous
 * mapping made by keep_mapping at exit and unmaps another: the first is
 * listed as information ("fails": false), the run exits 0. */
#include <sys/mman.h>

static void *volatile sink;

__attribute__((noipa)) static void keep_mapping(void) {
    sink = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

__attribute__((noipa)) static void unmapped_twin(void) {
    void *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sink = p;
    munmap(p, 8192);
}

int main(void) {
    keep_mapping();
    unmapped_twin();
    return sink == MAP_FAILED;
}
