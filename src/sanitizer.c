/* sanitizer.c: whose malloc this process uses, and what leakcheck does about
 * it. Under ASan, LSan, TSan, MSan or HWASan the sanitizer's malloc comes
 * first in symbol lookup and our interposed one (hooks.c) never runs; the
 * sanitizer allocator instead calls the hooks registered with
 * __sanitizer_install_malloc_and_free_hooks, and hooks.c's sanitizer entry
 * points feed them into the same table and counters with our own stacks.
 * When the malloc in use is neither ours nor a sanitizer's that accepts hooks
 * (jemalloc, tcmalloc preloaded...), nothing can be observed and the harness
 * fails every test with the one line lc__malloc_unobserved() returns.
 * Runs once at start-up (lc__init), not on the hook path. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "sanitizer.h"
#include "unwind.h"

/* sanitizer_common's interface (compiler-rt and gcc's libsanitizer); gcc 12
 * ships no <sanitizer/allocator_interface.h>, so it is declared here, weak:
 * NULL when no sanitizer runtime is loaded. Returns 0 when its hook slots are
 * full. */
extern int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *)) __attribute__((weak));
/* Present only in MemorySanitizer's runtime. */
extern void __msan_unpoison(const volatile void *, size_t) __attribute__((weak));

enum source { UNKNOWN, PROBING, OURS, SANITIZER, FOREIGN };

static enum source source;
static char reason[512];

/* "libjemalloc.so.2" for the module that defines the malloc in use. */
static const char *module_of(void *fn) {
    Dl_info info;
    if (!fn || !dladdr(fn, &info) || !info.dli_fname || !*info.dli_fname)
        return "the program itself";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

/* Calls the malloc every library would call and reports whether the
 * sanitizer hook saw it: installed hooks that are never called observe
 * nothing, which must not pass for a clean heap. */
static int hooks_called(void *(*process_malloc)(size_t)) {
    __atomic_store_n(&lc__sanitizer_probe, 1, __ATOMIC_SEQ_CST);
    void *(*volatile m)(size_t) = process_malloc;
    void *p = m(24);
    __atomic_store_n(&lc__sanitizer_probe, 0, __ATOMIC_SEQ_CST);
    void (*volatile f)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "free");
    if (f)
        f(p);
    return __atomic_load_n(&lc__sanitizer_probe_seen, __ATOMIC_SEQ_CST) > 0;
}

/* Our malloc is the symbol in use, but are its calls ours? valgrind
 * redirects the malloc family of every library to its own replacement when
 * it translates the code, so the symbol still looks like ours. A counting
 * scope around one call through the global symbol tells. */
static int own_hooks_called(void *(*process_malloc)(size_t), const char *release) {
    lc_scope_config cfg = {.stacks = 0, .depth = 0, .all_threads = 0};
    if (lc_scope_begin(&cfg) != 0)
        return 1; /* a scope is active: allocations are being observed */
    /* start-up may run with the guard up (the harness's warm-up): the probe's
     * one call must be seen like a program's */
    int guard = lc__tls.guard;
    lc__tls.guard = 0;
    void *(*volatile m)(size_t) = process_malloc;
    void *p = m(24);
    lc__tls.guard = guard;
    lc_counters c;
    lc_scope_counters(&c, LEAKCHECK_ATTRIBUTED);
    lc_scope_end();
    void (*volatile f)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, release);
    if (f)
        f(p);
    return c.allocs > 0;
}

/* Under valgrind, C++ blocks are seen only through cxx_new.c's wrappers: a
 * program with libstdc++ whose operator new bypasses them (valgrind replaced
 * them, or libstdc++ comes first in symbol lookup) hides its C++ blocks. */
static int cxx_blocks_seen(void) {
    void *new_fn = dlsym(RTLD_DEFAULT, "_Znwm");
    return !new_fn || own_hooks_called((void *(*)(size_t))new_fn, "_ZdlPv");
}

static void valgrind_replaced(void) {
    snprintf(reason, sizeof reason,
             "leakcheck: valgrind replaced leakcheck's malloc with its own, so no allocation "
             "can be observed and no test is judged; run valgrind with "
             "--soname-synonyms=somalloc=nouserintercepts (memcheck still sees every "
             "block, through leakcheck's malloc)");
    source = FOREIGN;
}

static void decide(void) {
    lc__under_valgrind = lc__valgrind_running();
    void *in_use = dlsym(RTLD_DEFAULT, "malloc");
    if (!in_use)
        in_use = (void *)lc__malloc_self;
    if (in_use == (void *)lc__malloc_self) {
        source = OURS;
        if (!own_hooks_called((void *(*)(size_t))in_use, "free") ||
            (lc__under_valgrind && !cxx_blocks_seen())) {
            if (lc__under_valgrind) {
                valgrind_replaced();
            } else {
                snprintf(reason, sizeof reason,
                         "leakcheck: calls to malloc never reach leakcheck's, so no allocation "
                         "can be observed and no test is judged");
                source = FOREIGN;
            }
            return;
        }
        if (__sanitizer_install_malloc_and_free_hooks) {
            /* ours came first (the static archive in the executable): the
             * sanitizer's interceptors (strdup, operator new...) allocate
             * from its heap and free through ours into glibc's */
            snprintf(reason, sizeof reason,
                     "leakcheck: its malloc and a sanitizer's are both in this program and "
                     "leakcheck's came first (static libleakcheck): their heaps would mix, so no "
                     "test is judged; link the shared library (LeakCheck::leakcheck) in "
                     "sanitizer builds");
            source = FOREIGN;
        }
        return;
    }
    const char *where = module_of(in_use);
    if (!__sanitizer_install_malloc_and_free_hooks) {
        snprintf(reason, sizeof reason,
                 "leakcheck: malloc in this process is not leakcheck's but %s's, which offers "
                 "no allocator hooks: no allocation can be observed, so no test is judged "
                 "(link or preload libleakcheck before %s)",
                 where, where);
        source = FOREIGN;
        return;
    }
    if (__msan_unpoison) {
        /* Its hooks would work, but MSan wants every library instrumented:
         * what libdw (the symbolizer) and cmocka write is "uninitialised" to
         * it, so the first report is an MSan error instead of a verdict. */
        snprintf(reason, sizeof reason,
                 "leakcheck: not usable under MemorySanitizer (its symbolizer, libdw, is not "
                 "instrumented, so reporting would trip MSan): no test is judged; check "
                 "leaks in an ASan, LSan or TSan build");
        source = FOREIGN;
        return;
    }
    if (!__sanitizer_install_malloc_and_free_hooks(lc__hook_foreign_alloc,
                                                   lc__hook_foreign_free)) {
        snprintf(reason, sizeof reason,
                 "leakcheck: malloc is the sanitizer's (%s) and its allocator hook slots are "
                 "all taken: no allocation can be observed, so no test is judged",
                 where);
        source = FOREIGN;
        return;
    }
    if (!hooks_called((void *(*)(size_t))in_use)) {
        snprintf(reason, sizeof reason,
                 "leakcheck: malloc is the sanitizer's (%s) but its allocator hooks are never "
                 "called: no allocation can be observed, so no test is judged",
                 where);
        source = FOREIGN;
        return;
    }
    /* the sanitizer's own frames (interceptor, allocator, hook runner) sit
     * between our hook and the caller: capture room for them; symbolize.c
     * cuts them from the top of every stack */
    lc__stack_extra_top = LC_SANITIZER_FRAMES;
    source = SANITIZER;
}

void lc__sanitizer_init(void) {
    /* PROBING: lc_scope_begin inside the probe must not decide again */
    if (source == UNKNOWN) {
        source = PROBING;
        decide();
    }
}

const char *lc__malloc_unobserved(void) {
    lc__sanitizer_init();
    return source == FOREIGN ? reason : NULL;
}

int lc__malloc_via_sanitizer(void) {
    lc__sanitizer_init();
    return source == SANITIZER;
}
