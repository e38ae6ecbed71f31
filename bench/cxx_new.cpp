/* The cost of leakcheck's operator new/delete wrappers (src/cxx_new.c) in a
 * C++ program linked with libleakcheck: cxx_new_lc binds new and delete to
 * them (libleakcheck comes first, as in any test linked with it), cxx_new_direct
 * to libstdc++'s (libstdc++ linked first). Prints ns per new+delete pair; the
 * machine is shared, so compare the minimum of several alternating runs:
 *     for i in $(seq 10); do build/out/cxx_new_lc; build/out/cxx_new_direct; done */
#include <chrono>
#include <cstdio>
#include <cstdlib>

static void *volatile sink; /* -O2 must keep every pair */

int main(int argc, char **argv) {
    long n = argc > 1 ? std::atol(argv[1]) : 20000000;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; i++) {
        sink = new long;
        delete static_cast<long *>(sink);
    }
    std::chrono::duration<double, std::nano> dt = std::chrono::steady_clock::now() - t0;
    std::printf("%s: %.2f ns per new+delete\n", argv[0], dt.count() / (double)n);
    return 0;
}
