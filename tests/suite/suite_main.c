/* suite_main.c: two groups in one binary, and a main that drops cmocka's
 * result, as some real suites do. */
#include "suite.h"

int main(void) {
    run_queue_group();
    run_worker_group();
    return 0;
}
