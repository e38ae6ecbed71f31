/* cmocka_mocks.c: what each iteration queues for the test's mocks and uses
 * up, seen by interposing cmocka's _will_return and _mock (values),
 * _expect_check and _check_expected (expect_* parameter checks: every
 * expect_* variant goes through _expect_check), _expect_function_call and
 * _function_called (call order). At the end of an iteration after the first,
 * what it queued and never used (which cmocka would fail at the test's end:
 * "remaining non-returned values", "parameter still has values that haven't
 * been checked") makes the test not repeatable, and is drained so that cmocka
 * does not fail the test for our repetition; so is what an iteration a
 * failure abandoned left. Return values that hold always or maybe are held
 * by cmocka_returns.c, checks and calls queued once per test, untracked
 * (cmocka_always.c). Calls cmocka (dlsym RTLD_NEXT) and the engine. Not on the hook path. */
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
#include "xml.h"

#define LC_MOCK_FNS 256

enum queue { RETURNS, CHECKS, CALLS };

/* Per mocked function (and parameter, for checks): finite entries queued
 * minus entries used, and that balance at the end of the test's first
 * iteration. */
static struct mock_fn {
    const char *name, *param, *file;
    int line;
    enum queue queue;
    long pending, after_first;
} fns[LC_MOCK_FNS];
static size_t nfns;

static int same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static struct mock_fn *find(enum queue q, const char *name, const char *param) {
    for (size_t i = 0; i < nfns; i++)
        if (fns[i].queue == q && same(fns[i].name, name) && same(fns[i].param, param))
            return &fns[i];
    return NULL;
}

/* Notes count entries queued at file:line (-1 "always" and -2 "maybe" are
 * never left over). */
static void queued(enum queue q, const char *name, const char *param, const char *file,
                   int line, int count) {
    if (count <= 0 || !name)
        return;
    lc__guard_enter();
    struct mock_fn *f = find(q, name, param);
    if (!f && nfns < LC_MOCK_FNS) {
        fns[nfns] = (struct mock_fn){.name = lc__intern(name), .queue = q,
                                     .param = param ? lc__intern(param) : NULL};
        f = fns[nfns].name ? &fns[nfns++] : NULL;
    }
    lc__guard_leave();
    if (f) {
        f->pending += count;
        f->file = file;
        f->line = line;
    }
}

static void used(enum queue q, const char *name, const char *param) {
    struct mock_fn *f = find(q, name, param);
    if (f && f->pending > 0)
        f->pending--;
}

typedef void (*will_return_fn)(const char *, const char *, int, LargestIntegralType, int);
typedef LargestIntegralType (*mock_call_fn)(const char *, const char *, int);

__attribute__((visibility("default"))) void
_will_return(const char *const function_name, const char *const file, const int line,
             const LargestIntegralType value, const int count) {
    static will_return_fn real;
    if (!real)
        real = (will_return_fn)dlsym(RTLD_NEXT, "_will_return");
    struct mock_fn *f = find(RETURNS, function_name, NULL);
    if (lc__returns_queue(function_name, file, line, value, count, f ? f->pending : 0))
        return; /* held by cmocka_returns.c */
    int how = lc__always_enter(count, function_name, "", 1);
    if (how == LC_ALWAYS_SKIP)
        return;
    queued(RETURNS, function_name, NULL, file, line, count);
    real(function_name, file, line, value, count);
    lc__always_leave(how);
}

static mock_call_fn real_mock(void) {
    static mock_call_fn real;
    if (!real)
        real = (mock_call_fn)dlsym(RTLD_NEXT, "_mock");
    return real;
}

__attribute__((visibility("default"))) LargestIntegralType
_mock(const char *const function, const char *const file, const int line) {
    struct mock_fn *f = find(RETURNS, function, NULL);
    uintmax_t held;
    if (lc__returns_mock(function, f ? f->pending : 0, &held))
        return held;
    used(RETURNS, function, NULL);
    return real_mock()(function, file, line);
}

typedef void (*expect_check_fn)(const char *, const char *, const char *, int,
                                CheckParameterValue, LargestIntegralType,
                                CheckParameterEvent *, int);
typedef void (*check_expected_fn)(const char *, const char *, const char *, int,
                                  LargestIntegralType);
typedef void (*expect_call_fn)(const char *, const char *, int, int);
typedef void (*called_fn)(const char *, const char *, int);

__attribute__((visibility("default"))) void
_expect_check(const char *const function, const char *const parameter, const char *const file,
              const int line, const CheckParameterValue check_function,
              const LargestIntegralType check_data, CheckParameterEvent *const event,
              const int count) {
    static expect_check_fn real;
    if (!real)
        real = (expect_check_fn)dlsym(RTLD_NEXT, "_expect_check");
    int how = lc__always_enter(count, function, parameter, 1);
    if (how == LC_ALWAYS_SKIP)
        return;
    queued(CHECKS, function, parameter, file, line, count);
    real(function, parameter, file, line, check_function, check_data, event, count);
    lc__always_leave(how);
}

static check_expected_fn real_check_expected(void) {
    static check_expected_fn real;
    if (!real)
        real = (check_expected_fn)dlsym(RTLD_NEXT, "_check_expected");
    return real;
}

__attribute__((visibility("default"))) void
_check_expected(const char *const function_name, const char *const parameter_name,
                const char *file, const int line, const LargestIntegralType value) {
    used(CHECKS, function_name, parameter_name);
    real_check_expected()(function_name, parameter_name, file, line, value);
}

__attribute__((visibility("default"))) void
_expect_function_call(const char *const function_name, const char *const file, const int line,
                      const int count) {
    static expect_call_fn real;
    if (!real)
        real = (expect_call_fn)dlsym(RTLD_NEXT, "_expect_function_call");
    int how = lc__always_enter(count, function_name, "()", 1);
    if (how == LC_ALWAYS_SKIP)
        return;
    queued(CALLS, function_name, NULL, file, line, count);
    real(function_name, file, line, count);
    lc__always_leave(how);
}

static called_fn real_called(void) {
    static called_fn real;
    if (!real)
        real = (called_fn)dlsym(RTLD_NEXT, "_function_called");
    return real;
}

__attribute__((visibility("default"))) void
_function_called(const char *const function, const char *const file, const int line) {
    used(CALLS, function, NULL);
    real_called()(function, file, line);
}

/* ---- draining what an iteration left ---- */

/* While draining, cmocka's complaints are ours: a check that fails against
 * the value we pass, a call out of order. _fail (cmocka_glue.c) jumps back
 * here instead, and the text cmocka printed first is dropped. */
static sigjmp_buf drain_env;
static volatile int draining;

int lc__mocks_draining(void) { return draining; }

void lc__mocks_drain_jump(void) { siglongjmp(drain_env, 1); }

/* What a drained check is given: zeros, readable as an integer, an empty
 * string or a zeroed buffer (cmocka's check runs before it can fail). */
static const char zeros[65536];

/* One entry of f's queue used up, whatever cmocka thinks of it. */
static void drain_one(struct mock_fn *f) {
    const char *file = f->file ? f->file : __FILE__;
    draining = 1;
    if (sigsetjmp(drain_env, 0) == 0) {
        if (f->queue == RETURNS) /* none left after all: cmocka's _fail jumps back */
            (void)real_mock()(f->name, file, f->line);
        else if (f->queue == CHECKS)
            real_check_expected()(f->name, f->param, file, f->line,
                                  (LargestIntegralType)(uintptr_t)zeros);
        else
            real_called()(f->name, file, f->line);
    }
    draining = 0;
}

/* f's entries queued beyond what the first run left, used up. */
static void drain(struct mock_fn *f) {
    while (f->pending > f->after_first) {
        f->pending--;
        drain_one(f);
    }
}

static const char *left_message(const struct mock_fn *f, long extra) {
    const char *s = extra == 1 ? "" : "s", *file = f->file ? f->file : "?";
    struct lc_buf m;
    lc__guard_enter();
    lc__buf_init(&m, lc__xrealloc, lc__xfree);
    if (f->queue == RETURNS)
        lc__buf_printf(&m, "%s() has %ld remaining non-returned value%s (queued at %s:%d)",
                       f->name, extra, s, file, f->line);
    else if (f->queue == CHECKS)
        lc__buf_printf(&m, "%s(): %ld expected value%s of parameter %s never checked "
                           "(expected at %s:%d)", f->name, extra, s, f->param, file, f->line);
    else
        lc__buf_printf(&m, "%s() expected to be called %ld more time%s (expect_function_call "
                           "at %s:%d)", f->name, extra, s, file, f->line);
    lc__guard_leave();
    return m.data ? m.data : "remaining mock values";
}

/* End of an iteration: the first records the balance; a later one that
 * left more entries queued than the first is not repeatable, and its extra
 * entries are used up here so that cmocka's end-of-test check passes. */
static const char *iteration_end(unsigned iteration) {
    const char *why = NULL;
    for (size_t i = 0; i < nfns; i++) {
        struct mock_fn *f = &fns[i];
        if (iteration == 0) {
            f->after_first = f->pending;
            continue;
        }
        if (f->pending <= f->after_first)
            continue;
        if (!why)
            why = left_message(f, f->pending - f->after_first);
        drain(f);
    }
    return why;
}

/* A later iteration a failure abandoned (an assertion in a mock, before it
 * used what the test queued): what it left goes, so that cmocka does not
 * fail the test for a repetition leakcheck already reported. */
static void iteration_abandoned(void) {
    for (size_t i = 0; i < nfns; i++)
        drain(&fns[i]);
}

void lc__mocks_reset(void) {
    lc__always_reset();
    lc__returns_reset();
    for (size_t i = 0; i < nfns; i++)
        fns[i].pending = fns[i].after_first = 0;
}

/* The engine asks at every iteration's end (set once, before any test). */
__attribute__((constructor)) static void mocks_init(void) {
    lc__engine_on_iteration_end(iteration_end);
    lc__engine_on_iteration_abandoned(iteration_abandoned);
}
