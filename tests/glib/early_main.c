/* early_main.c: grows early_pool (pages held only by a block its constructor
 * allocated before libleakcheck's), frees the buffer the constructor
 * allocated right before that block; with "leak", also drops one block. */
#include <string.h>

#include "early_pool.h"

extern void *volatile lc_test_sink;

int main(int argc, char **argv) {
    for (int i = 0; i < 4; i++)
        if (early_pool_grow())
            return 3;
    early_pool_started(); /* after the pages: nothing reuses the freed buffer */
    if (argc > 1 && strcmp(argv[1], "leak") == 0) {
        lc_test_sink = early_pool_drop();
        lc_test_sink = 0;
    }
    return 0;
}
