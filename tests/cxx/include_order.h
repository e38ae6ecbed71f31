/* The include-order matrix's units and runner (include_order.cpp,
 * include_order_main.cpp). */
#ifndef LC_TEST_INCLUDE_ORDER_H
#define LC_TEST_INCLUDE_ORDER_H

#define LC_TEST_ENTRY_(tu) tu##_entry
/* The CMUnitTest a unit exports for the runner. */
#define LC_TEST_ENTRY(tu) LC_TEST_ENTRY_(tu)

#endif
