/* Built with nothing but `pkg-config --cflags --libs leakcheck`: the header is
 * found, the library links and loads, and its version matches the header's. */
#include <stdio.h>
#include <string.h>

#include <leakcheck/core.h>

int main(void) {
    if (strcmp(lc_version(), LEAKCHECK_VERSION_STRING) != 0) {
        fprintf(stderr, "library %s, header %s\n", lc_version(), LEAKCHECK_VERSION_STRING);
        return 1;
    }
    printf("pkg-config consumer: leakcheck %s\n", lc_version());
    return 0;
}
