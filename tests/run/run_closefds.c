/* run_closefds: closes every fd above 2 (as some daemons do at start-up),
 * then exits 0: leakcheck's hand-off fd is gone, so no report can arrive and
 * `leakcheck run` must say so and fail. */
#include <unistd.h>

int main(void) {
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    return 0;
}
