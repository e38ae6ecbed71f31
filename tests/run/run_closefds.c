/* run_closefds: closes every fd above 2, as ssh and many daemons do at
 * start-up, then exits 0: its report must still arrive. */
#include <unistd.h>

int main(void) {
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    return 0;
}
