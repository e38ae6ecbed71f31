/* late_fini: a program linking late_fini_lib, whose destructor closes the
 * pipe that late_fini_start opened (cmake, through libuv, has this shape).
 * `leakcheck run` must judge it after that destructor has run: no fd left
 * open; with LC_LATE_FINI_KEEP=1, the pipe's two fds are. */
#include <stdio.h>

int late_fini_start(void);

int main(void) {
    if (!late_fini_start()) {
        fprintf(stderr, "late_fini: the library did not start\n");
        return 3;
    }
    return 0;
}
