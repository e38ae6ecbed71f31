/* not_cmocka.c: a program linked with leakcheck that runs no cmocka group.
 * Under LEAKCHECK_CMOCKA=1 it must fail with one line saying so. */
#include <stdio.h>

int main(void) {
    puts("no tests here");
    return 0;
}
