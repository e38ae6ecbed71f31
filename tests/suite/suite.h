/* suite.h: the groups of the toy suite (one file each), run by suite_main.c. */
#ifndef SUITE_H
#define SUITE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

int run_queue_group(void);
int run_worker_group(void);

#endif
