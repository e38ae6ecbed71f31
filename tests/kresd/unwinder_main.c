/* unwinder_main.c: a C program (no libgcc_s of its own) whose library
 * unwinds through _Unwind_Backtrace (unwinder_lib.c): prints the module the
 * library's unwinder calls bound to and the frames it walked. Run plain,
 * preloaded and under leakcheck run by run_unwinder.py. */
#include <stdio.h>

const char *unwinder_module(int *frames);

int main(void) {
    int frames = 0;
    const char *module = unwinder_module(&frames);
    printf("unwinder: %s, %d frames\n", module, frames);
    return frames > 0 ? 0 : 1;
}
