/* Misuse that must not compile: <cmocka.h> (no C++ guards in 1.1.5) included
 * before <leakcheck/leakcheck.h> without extern "C" gives its functions C++
 * linkage, and the program would fail to link with mangled names. leakcheck.h
 * turns that into a compile error on a line that says what to do; the ctest
 * cxx_cmocka_first checks the compiler's message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <leakcheck/leakcheck.h>

int main() { return 0; }
