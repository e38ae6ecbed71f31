/* cmocka_always.c: mock values and expectations queued to hold always
 * (count -1) or maybe (-2): queued once per test, untracked (return values
 * while the engine runs: cmocka_returns.c). cmocka_mocks.c asks for _will_return,
 * _mock, _expect_check and _expect_function_call; the set, range and memory
 * checks, which allocate before they queue, are wrapped here. Calls cmocka
 * (dlsym RTLD_NEXT) and the engine. Not on the hook path. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmocka_glue.h"
#include "engine.h"
#include "internal.h"

/* cmocka never uses such an entry up: the first one queued for a function
 * (or a function's parameter) answers every later call; at the end of the
 * setup, body or teardown that queued it cmocka removes that first one,
 * calls any other "remaining" and frees the queues. leakcheck runs a test's
 * fixtures and body, every iteration, inside the one call cmocka sees: a
 * copy per iteration would be growth, and copies (or a teardown's own
 * entry) cmocka fails. So such an entry is queued only by the first fixture
 * or body that asks for it (the later copies could never be reached).
 * Return values are not queued so while the engine runs: cmocka_returns.c
 * holds them (a held one never stands before a later call's own values). */

#define LC_EXPORT __attribute__((visibility("default")))
#define LC_ALWAYS_MAX 256

/* The entries queued to hold always in this test: function, parameter ("" for
 * a return value, "()" for a call) and the engine phase that queued them. */
static struct {
    const char *function, *parameter;
    unsigned phase;
} seen[LC_ALWAYS_MAX];
static size_t nseen;

void lc__always_reset(void) { nseen = 0; }

/* 1 when an earlier fixture or body of this test (this iteration's or an
 * earlier one's) queued an always or maybe entry for function and parameter:
 * this one is not queued. Else it is recorded. Two in the same call are
 * queued both, and cmocka fails the second as it would without leakcheck;
 * outside the engine (a group fixture) nothing is recorded or skipped. */
static size_t find_seen(const char *function, const char *parameter) {
    for (size_t i = 0; function && parameter && i < nseen; i++)
        if (strcmp(seen[i].function, function) == 0 &&
            strcmp(seen[i].parameter, parameter) == 0)
            return i;
    return nseen;
}

static int repeated(const char *function, const char *parameter) {
    if (!lc__engine_active()) /* a group fixture, a test run once */
        return 0;
    unsigned now = lc__engine_phase();
    size_t i = find_seen(function, parameter);
    if (i < nseen)
        return seen[i].phase != now;
    if (function && parameter && nseen < LC_ALWAYS_MAX)
        seen[nseen++] = (__typeof__(seen[0])){.function = function, .parameter = parameter,
                                              .phase = now};
    return 0;
}

int lc__always_enter(int count, const char *function, const char *parameter, int ok) {
    if (count >= 0 || !ok)
        return 0;
    if (repeated(function, parameter))
        return LC_ALWAYS_SKIP;
    lc__guard_enter();
    return LC_ALWAYS_HIDE;
}

void lc__always_leave(int how) {
    if (how == LC_ALWAYS_HIDE)
        lc__guard_leave();
}

/* The real function, found once. */
#define LC_REAL(type, name)                                                                      \
    static type real;                                                                            \
    if (!real)                                                                                   \
        real = (type)dlsym(RTLD_NEXT, name)

/* Queues through the real function (see lc__always_enter). */
#define LC_QUEUE(count, fn, param, ok, call)                                                     \
    do {                                                                                         \
        int how_ = lc__always_enter(count, fn, param, ok);                                       \
        if (how_ == LC_ALWAYS_SKIP)                                                              \
            break;                                                                               \
        call;                                                                                    \
        lc__always_leave(how_);                                                                  \
    } while (0)

typedef void (*expect_set_fn)(const char *, const char *, const char *, int,
                              const LargestIntegralType[], size_t, int);
typedef void (*expect_range_fn)(const char *, const char *, const char *, int,
                                LargestIntegralType, LargestIntegralType, int);
typedef void (*expect_memory_fn)(const char *, const char *, const char *, int, const void *,
                                 size_t, int);

/* The set, range and memory checks allocate their data before they queue. */
LC_EXPORT void _expect_in_set(const char *const function, const char *const parameter,
                              const char *const file, const int line,
                              const LargestIntegralType values[], const size_t number_of_values,
                              const int count) {
    LC_REAL(expect_set_fn, "_expect_in_set");
    LC_QUEUE(count, function, parameter, values && number_of_values,
             real(function, parameter, file, line, values, number_of_values, count));
}

LC_EXPORT void _expect_not_in_set(const char *const function, const char *const parameter,
                                  const char *const file, const int line,
                                  const LargestIntegralType values[],
                                  const size_t number_of_values, const int count) {
    LC_REAL(expect_set_fn, "_expect_not_in_set");
    LC_QUEUE(count, function, parameter, values && number_of_values,
             real(function, parameter, file, line, values, number_of_values, count));
}

LC_EXPORT void _expect_in_range(const char *const function, const char *const parameter,
                                const char *const file, const int line,
                                const LargestIntegralType minimum,
                                const LargestIntegralType maximum, const int count) {
    LC_REAL(expect_range_fn, "_expect_in_range");
    LC_QUEUE(count, function, parameter, 1,
             real(function, parameter, file, line, minimum, maximum, count));
}

LC_EXPORT void _expect_not_in_range(const char *const function, const char *const parameter,
                                    const char *const file, const int line,
                                    const LargestIntegralType minimum,
                                    const LargestIntegralType maximum, const int count) {
    LC_REAL(expect_range_fn, "_expect_not_in_range");
    LC_QUEUE(count, function, parameter, 1,
             real(function, parameter, file, line, minimum, maximum, count));
}

LC_EXPORT void _expect_memory(const char *const function, const char *const parameter,
                              const char *const file, const int line, const void *const memory,
                              const size_t size, const int count) {
    LC_REAL(expect_memory_fn, "_expect_memory");
    LC_QUEUE(count, function, parameter, memory && size,
             real(function, parameter, file, line, memory, size, count));
}

LC_EXPORT void _expect_not_memory(const char *const function, const char *const parameter,
                                  const char *const file, const int line,
                                  const void *const memory, const size_t size,
                                  const int count) {
    LC_REAL(expect_memory_fn, "_expect_not_memory");
    LC_QUEUE(count, function, parameter, memory && size,
             real(function, parameter, file, line, memory, size, count));
}
