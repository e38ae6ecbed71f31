/* live_preinstall.c: a preloaded library whose constructor installs its own
 * SIGUSR2 handler, as some runtimes do before main (test_live.sh: leakcheck's
 * snapshot signal must then give way, with one line). The handler counts into
 * live_preinstall_seen. */
#include <signal.h>
#include <string.h>

volatile sig_atomic_t live_preinstall_seen;

static void on_usr2(int sig) {
    (void)sig;
    live_preinstall_seen++;
}

__attribute__((constructor)) static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
}
