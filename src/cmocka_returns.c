/* cmocka_returns.c: return values queued with will_return_always or
 * will_return_maybe while the engine repeats a test, held here and never
 * given to cmocka, so that they answer in the place cmocka's own queue
 * gives them. cmocka_mocks.c asks from its _will_return and _mock; calls
 * cmocka's _will_return (dlsym RTLD_NEXT) and the engine. Not on the hook path. */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "internal.h"

/* cmocka keeps one queue per mocked function and answers a call with its
 * head: a finite value is used up, an "always" or "maybe" one never is, and
 * cmocka removes it when the setup, body or teardown that queued it ends.
 * leakcheck runs a test's fixtures and body, every iteration, inside the one
 * call cmocka sees, so such a value queued in cmocka would stay at the head
 * of its function's queue: rpma's flush-new.c queues will_return(__wrap_munmap,
 * &raw) then will_return_maybe(__wrap_munmap, 0), and from the second
 * iteration on the first call got the 0 in place of &raw and crashed. So
 * leakcheck holds the value itself: a call gets the finite values queued
 * before it (in the call that queued it) first, then it; once a later
 * fixture or body runs, that call's own values come first, and its own
 * always value (if it queues one) replaces the held one. */

#define LC_HELD_MAX 256

static struct held {
    const char *function, *file;
    int line, count;        /* count: WILL_RETURN_ALWAYS or WILL_RETURN_ONCE */
    uintmax_t value;
    unsigned phase;         /* the engine phase (setup, body, teardown) that queued it */
    long ahead;             /* finite values queued before it, not used yet */
    pthread_t thread;       /* cmocka's queues are per thread: the one that queued it */
    int answered, first_run; /* used since queued; queued in the first run */
} held[LC_HELD_MAX];
static size_t nheld;

/* Always values cmocka fails without leakcheck (the first run never used
 * one, or a second one queued in the same call): queued to cmocka at the
 * test's end so that it fails the test as it would without leakcheck. */
static struct unused {
    const char *function, *file;
    int line;
    uintmax_t value;
} unused[16];
static size_t nunused;

void lc__returns_reset(void) { nheld = nunused = 0; }

static struct held *find_held(const char *function) {
    for (size_t i = 0; function && i < nheld; i++)
        if (strcmp(held[i].function, function) == 0 &&
            pthread_equal(held[i].thread, pthread_self()))
            return &held[i];
    return NULL;
}

static void note_unused(const char *function, const char *file, int line, uintmax_t value) {
    if (nunused < sizeof unused / sizeof unused[0])
        unused[nunused++] = (struct unused){function, file, line, value};
}

/* A held always value the first run replaced or ended with, never used. */
static void retire(const struct held *h) {
    if (h->first_run && !h->answered && h->count == WILL_RETURN_ALWAYS)
        note_unused(h->function, h->file, h->line, h->value);
}

int lc__returns_queue(const char *function, const char *file, int line, uintmax_t value,
                      int count, long pending) {
    if (count >= 0 || !function || !lc__engine_active())
        return 0; /* finite, or a group fixture's: cmocka's */
    unsigned now = lc__engine_phase();
    int first = !lc__engine_repeating();
    struct held *h = find_held(function);
    if (h && h->phase == now) { /* cmocka answers with the first, never this one */
        if (first && count == WILL_RETURN_ALWAYS)
            note_unused(function, file, line, value);
        return 1;
    }
    if (!h && nheld == LC_HELD_MAX)
        return 0;
    if (h)
        retire(h);
    else
        h = &held[nheld++];
    *h = (struct held){.function = function, .file = file, .line = line, .count = count,
                       .value = value, .phase = now, .ahead = pending, .first_run = first,
                       .thread = pthread_self()};
    return 1;
}

int lc__returns_mock(const char *function, long pending, uintmax_t *value) {
    struct held *h = lc__engine_active() ? find_held(function) : NULL;
    if (!h)
        return 0;
    int same = h->phase == lc__engine_phase();
    if (pending > 0 && (!same || h->ahead > 0)) { /* a finite value comes first: cmocka's */
        if (same)
            h->ahead--;
        return 0;
    }
    h->answered = 1;
    *value = h->value;
    return 1;
}

typedef void (*will_return_fn)(const char *, const char *, int, LargestIntegralType, int);

void lc__returns_finish(void) {
    static will_return_fn real;
    if (!real)
        real = (will_return_fn)dlsym(RTLD_NEXT, "_will_return");
    for (size_t i = 0; i < nheld; i++)
        retire(&held[i]);
    nheld = 0;
    for (size_t i = 0; real && i < nunused; i++)
        real(unused[i].function, unused[i].file, unused[i].line, unused[i].value,
             WILL_RETURN_ALWAYS);
    nunused = 0;
}
