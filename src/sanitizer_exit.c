/* sanitizer_exit.c: leakcheck's reports when a sanitizer ends the process at
 * exit. LeakSanitizer's check (the runtime's destructor) ran before ours
 * and, on a leak, left through its own _exit: the session's summary and run
 * mode's record (both from destructors) were lost. Registers a
 * sanitizer death callback that finishes both (run.c, session.c); not on the
 * hook path. */
#include "internal.h"
#include "run.h"
#include "sanitizer.h"
#include "session.h"

/* sanitizer_common's interface: the callback runs as the runtime dies (its
 * Die(), after its report, before its _exit). NULL without a runtime. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* LeakSanitizer's exit-time check runs in the runtime's destructor, which
 * glibc may order before ours; ASan errors die here too, and then the reports
 * say what ran up to there. Never inside our own code (guard up or a lock of
 * ours held): the state may be half updated, the runtime's report stands. */
static void on_death(void) {
    if (lc__tls.guard > 0 || lc__tls.locks > 0)
        return;
    lc__run_finish_now();
    lc__session_finish_dying();
}

void lc__sanitizer_exit_install(void) {
    static int done;
    if (done || !__sanitizer_set_death_callback)
        return;
    done = 1;
    __sanitizer_set_death_callback(on_death);
}
