/* exit_scan: N blocks of 96 bytes live at exit (default 1,000,000: about
 * 100 MB), 90% in a list hanging from a global and 10% lost in chains of ten,
 * for timing `leakcheck run`'s exit check (scan and hand-off) against the
 * same program without it (bench/run.sh). Usage: exit_scan [N] */
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *volatile next;
    char pad[88];
};

struct node *volatile kept;

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    struct node *lost = NULL;
    for (long i = 0; i < n; i++) {
        struct node *b = malloc(sizeof *b);
        if (!b)
            return 1;
        memset(b->pad, 0, sizeof b->pad);
        if (i % 10 == 9) {
            b->next = lost; /* chains of ten, then dropped */
            lost = (i / 10) % 10 == 9 ? NULL : b;
        } else {
            b->next = kept;
            kept = b;
        }
    }
    return 0;
}
