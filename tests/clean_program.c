/* A clean program for `leakcheck run`: uses stdio, strdup, getline, fopen and
 * the time zone cache, and frees what it owns. It links libleakcheck so that a
 * bad LEAKCHECK_* variable stops it before main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leakcheck/core.h"

int main(void) {
    char *s = strdup("clean");
    FILE *f = fopen("/proc/self/status", "r");
    char *line = NULL;
    size_t cap = 0;
    if (f) {
        while (getline(&line, &cap, f) > 0)
            ;
        fclose(f);
    }
    free(line);
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    printf("%s %s\n", s, lc_version());
    free(s);
    return 0;
}
