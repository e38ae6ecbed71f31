/* exit_regs: a block whose only pointer is in a callee-saved register of the
 * frame that calls exit() (busybox's applets: `exit(applet_main(...))`, sort's
 * line array in rbx): memcheck and the scan must both call it reachable,
 * since the exit path saves that register on its stack. Arguments: "keep" or
 * "drop" (the register cleared first: the block is definitely lost, in
 * make_block), then "exit" or "_exit" (the way out). x86-64 only. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) static void *make_block(void) {
    void *p = malloc(4000);
    if (p)
        memset(p, 7, 4000);
    return p;
}

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    int keep = strcmp(argv[1], "keep") == 0, plain = strcmp(argv[2], "exit") == 0;
#if defined(__x86_64__)
    void *p = make_block();
    if (!keep)
        p = NULL;
    /* p in rbx (callee-saved) and nowhere else when the exit call is made */
    __asm__ volatile("" : : "b"(p));
    if (plain)
        exit(0);
    _exit(0);
#else
    (void)keep;
    (void)plain;
    return 77;
#endif
}
