/* glibc's time zone state: tzset and localtime with the TZ of the
 * environment (a zone file name, or a POSIX TZ string glibc parses and whose
 * names it keeps for the process). `tz_program leak` also leaks one block of
 * its own, which must still be reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *volatile tz_sink;

__attribute__((noinline)) static void tz_leak_once(void) { tz_sink = malloc(48); }

int main(int argc, char **argv) {
    tzset();
    time_t t = 1700000000;
    struct tm *tm = localtime(&t);
    printf("%02d:%02d %s/%s\n", tm ? tm->tm_hour : -1, tm ? tm->tm_min : -1, tzname[0],
           tzname[1]);
    if (argc > 1 && strcmp(argv[1], "leak") == 0)
        tz_leak_once();
    return 0;
}
