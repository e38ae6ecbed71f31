/* clean_main.c: the toy suite's clean tests only (SUITE_CLEAN_ONLY), for
 * ctest through leakcheck_add_test(... CMOCKA): returns cmocka's result. */
#include "suite.h"

int main(void) { return run_queue_group() + run_worker_group(); }
