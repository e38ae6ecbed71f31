/* The volatile sink of leakcheck's tests, in its own file so that no test's
 * optimizer can see that nothing reads it. */
void *volatile lc_test_sink;
