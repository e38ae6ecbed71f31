/* leakcheck version macros. LEAKCHECK_VERSION_HEX compares with #if:
 *   #if LEAKCHECK_VERSION_HEX >= 0x000200
 * lc_version() returns the version of the library actually loaded, which can
 * differ from the header a program was compiled against. */
#ifndef LEAKCHECK_VERSION_H
#define LEAKCHECK_VERSION_H

#define LEAKCHECK_VERSION_MAJOR 0
#define LEAKCHECK_VERSION_MINOR 1
#define LEAKCHECK_VERSION_PATCH 0
#define LEAKCHECK_VERSION_STRING "0.1.0"
#define LEAKCHECK_VERSION_HEX                                                            \
    ((LEAKCHECK_VERSION_MAJOR << 16) | (LEAKCHECK_VERSION_MINOR << 8) |                  \
     LEAKCHECK_VERSION_PATCH)

#endif
