/* SYNOPSIS: a small program with a planted leak, for `leakcheck run`.
 *
 *   $ leakcheck run -- ./leaky_program
 *   loaded 3 records
 *   leakcheck: leaky_program (pid N): 1 leaked block, 32 bytes, from 1 allocation site
 *     1 block, 32 bytes allocated at:
 *       #0  record_new (examples/leaky_program.c:NN) [leaky_program]
 *       #1  load_records (examples/leaky_program.c:NN) [leaky_program]
 *       #2  main (...)
 *
 * load_records() frees every record but the one it was asked to keep as
 * "current" and then forgets it: the kind of leak a review misses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct record {
    char name[24];
    long value;
};

static struct record *record_new(const char *name, long value) {
    struct record *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->value = value;
    return r;
}

static long load_records(int keep) {
    struct record *current = NULL;
    long sum = 0;
    for (int i = 0; i < 3; i++) {
        struct record *r = record_new("record", i);
        if (!r)
            return -1;
        sum += r->value;
        if (i == keep)
            current = r; /* kept... */
        else
            free(r);
    }
    return current ? sum + current->value : sum; /* ...and never freed */
}

int main(int argc, char **argv) {
    int keep = argc > 1 ? atoi(argv[1]) : 1;
    long sum = load_records(keep);
    printf("loaded 3 records (sum %ld)\n", sum);
    return 0;
}
