/* plain_main.c: a program with a main of its own, linked with libcmocka.so
 * but running no cmocka group, as CRoaring's c_example1 and cpp_example2
 * (its CMake links cmocka into every test binary). Under LEAKCHECK_CMOCKA=1
 * it must fail with one line that says so, without advising to link
 * libcmocka.so, which it does. Not hook code. */
#include <stdio.h>
#include <stdlib.h>

void *volatile plain_main_sink;

int main(void) {
    plain_main_sink = malloc(32);
    free(plain_main_sink);
    puts("Success.");
    return 0;
}
