/* sanitizer.c: whose malloc this process uses, decided once by the library's
 * constructor (calls probe.c; not on the hook path): ours; a sanitizer's that
 * feeds hooks.c through its allocator hooks; or one that cannot be observed,
 * and then the harness fails every test with the one line
 * lc__malloc_unobserved() returns, never CLEAN. */
#include <dlfcn.h>
#include <link.h>
#include <stdarg.h>
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
/* LeakSanitizer's (ASan's and LSan's runtimes): allocations of this thread
 * between the two are never reported as leaks. */
extern void __lsan_disable(void) __attribute__((weak));
extern void __lsan_enable(void) __attribute__((weak));
/* Present only in MemorySanitizer's runtime. */
extern void __msan_unpoison(const volatile void *, size_t) __attribute__((weak));

/* OURS: probe.c saw every entry point reach hooks.c (valgrind replaces them
 * unless told not to: it sees nothing). SANITIZER: ASan, LSan, TSan and MSan
 * come first in symbol lookup; their allocator calls the hooks registered
 * with __sanitizer_install_malloc_and_free_hooks, if the probe shows every
 * entry point does (ASan: yes; TSan skips the aligned allocators, LSan
 * realloc). FOREIGN: anything else. */
enum source { UNKNOWN, PROBING, OURS, SANITIZER, FOREIGN };

static enum source source;
static char reason[512], reason_nl[514];

/* "libjemalloc.so.2" for the module that defines the malloc in use. */
static const char *module_of(void *fn) {
    Dl_info info;
    if (!fn || !dladdr(fn, &info) || !info.dli_fname || !*info.dli_fname)
        return "the program";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

/* A sanitizer runtime's name, for messages. */
static const char *sanitizer_name(void) {
    static const struct { const char *sym, *name; } known[] = {
        {"__asan_init", "AddressSanitizer"}, {"__tsan_init", "ThreadSanitizer"},
        {"__msan_init", "MemorySanitizer"},  {"__hwasan_init", "HWAddressSanitizer"},
        {"__lsan_do_leak_check", "LeakSanitizer"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (dlsym(RTLD_DEFAULT, known[i].sym))
            return known[i].name;
    return "the sanitizer";
}

__attribute__((format(printf, 1, 2))) static void fail_with(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    source = FOREIGN;
}

/* Ours came first although a sanitizer runtime is loaded: the sanitizer's
 * interceptors (strdup, operator new...) allocate from its heap and free
 * through ours into glibc's. Either the static archive sits in the program,
 * or libleakcheck.so was preloaded ahead of the runtime (leakcheck run, or
 * LD_PRELOAD for an unmodified suite): the fix differs. */
static void heaps_would_mix(void) {
    Dl_info ours, san;
    int shared = dladdr((void *)lc__malloc_self, &ours) && ours.dli_fname &&
                 strstr(ours.dli_fname, "libleakcheck.so");
    if (shared && dladdr((void *)__sanitizer_install_malloc_and_free_hooks, &san) &&
        san.dli_fname && *san.dli_fname) {
        fail_with("leakcheck: its malloc and %s's are both in this program and leakcheck's "
                  "came first (libleakcheck.so preloaded ahead of the sanitizer runtime): "
                  "their heaps would mix, so no test is judged; preload the runtime first: "
                  "LD_PRELOAD=\"%s %s\"",
                  sanitizer_name(), san.dli_fname, ours.dli_fname);
        return;
    }
    fail_with("leakcheck: its malloc and %s's are both in this program and leakcheck's came "
              "first (%s): their heaps would mix, so no test is judged; link the shared "
              "library (LeakCheck::leakcheck) in sanitizer builds",
              sanitizer_name(), shared ? "libleakcheck.so ahead of the sanitizer runtime"
                                       : "the static libleakcheck");
}

/* Our malloc is the global symbol. valgrind still replaces it when it
 * translates the code (the probe sees nothing), unless told not to. */
static void decide_ours(void) {
    if (__sanitizer_install_malloc_and_free_hooks) {
        heaps_would_mix();
        return;
    }
    /* A replacement allocator (jemalloc, tcmalloc...) behind ours: our malloc
     * forwards to glibc, but its operator new, malloc_usable_size and the like
     * would hand glibc blocks of its heap; even the probe would crash. */
    void *next = dlsym(RTLD_NEXT, "malloc");
    const char *next_mod = module_of(next);
    if (next && strncmp(next_mod, "libc.so", 7) != 0) {
        fail_with("leakcheck: %s, loaded after libleakcheck, replaces malloc: its other "
                  "entry points would mix its heap with glibc's, so no test is judged (drop "
                  "it from LD_PRELOAD or the link to check with glibc's malloc)",
                  next_mod);
        return;
    }
    char missing[256];
    int probe = lc__probe_family(missing, sizeof missing);
    if (probe < 0)
        snprintf(missing, sizeof missing, "malloc and its family");
    if (probe == 0) {
        source = OURS;
    } else if (lc__under_valgrind) {
        fail_with("leakcheck: valgrind replaced leakcheck's %s with its own, so their blocks "
                  "cannot be observed and no test is judged; run valgrind with "
                  "--soname-synonyms=somalloc=nouserintercepts (memcheck still sees every "
                  "block, through leakcheck's malloc)",
                  missing);
    } else {
        fail_with("leakcheck: calls to %s never reach leakcheck's, so their blocks cannot be "
                  "observed and no test is judged",
                  missing);
    }
}

/* A sanitizer's malloc is the global symbol: its allocator hooks must carry
 * every entry point, or the blocks of those that skip them go unseen. */
static void decide_sanitizer(const char *where) {
    const char *san = sanitizer_name();
    if (__msan_unpoison) {
        /* Its hooks would work, but MSan wants every library instrumented:
         * what libdw (the symbolizer) and cmocka write is "uninitialised" to
         * it, so the first report is an MSan error instead of a verdict. */
        fail_with("leakcheck: not usable under MemorySanitizer (its symbolizer, libdw, is not "
                  "instrumented, so reporting would trip MSan): no test is judged; check "
                  "leaks in an ASan, LSan or TSan build");
        return;
    }
    if (!__sanitizer_install_malloc_and_free_hooks(lc__hook_foreign_alloc,
                                                   lc__hook_foreign_free)) {
        fail_with("leakcheck: malloc is %s's (%s) and its allocator hook slots are all taken: "
                  "no allocation can be observed, so no test is judged",
                  san, where);
        return;
    }
    /* the sanitizer's own frames (interceptor, allocator, hook runner) sit
     * between our hook and the caller: capture room for them; symbolize.c
     * cuts them from the top of every stack */
    lc__stack_extra_top = LC_SANITIZER_FRAMES;
    char missing[256];
    int probe = lc__probe_family(missing, sizeof missing);
    if (probe == 0) {
        source = SANITIZER;
    } else {
        char what[300];
        snprintf(what, sizeof what, "%s", probe < 0 ? "malloc and its family" : missing);
        fail_with("leakcheck: under %s, %s reach no allocator hook, so their blocks cannot "
                  "be observed and no test is judged (under AddressSanitizer they all do)",
                  san, what);
    }
}

/* dl_iterate_phdr lists the main program first. */
static int main_first(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    uintptr_t p = *(uintptr_t *)arg;
    *(uintptr_t *)arg = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && p >= lo && p < lo + ph->p_memsz)
            *(uintptr_t *)arg = 1;
    }
    return 1;
}

/* A program built without PIE that takes malloc's address gets a canonical
 * PLT entry: the global symbol is then a stub in the program that jumps to
 * whichever malloc the loader bound, ours included (Debian's python3). */
static int in_main_program(void *fn) {
    uintptr_t arg = (uintptr_t)fn;
    dl_iterate_phdr(main_first, &arg);
    return arg == 1;
}

static void decide(void) {
    lc__under_valgrind = lc__valgrind_running();
    void *in_use = dlsym(RTLD_DEFAULT, "malloc");
    /* a malloc in the program itself may be that stub: the probe tells */
    if (!in_use || in_use == (void *)lc__malloc_self ||
        (in_main_program(in_use) && !__sanitizer_install_malloc_and_free_hooks)) {
        decide_ours();
        return;
    }
    const char *where = module_of(in_use);
    if (!__sanitizer_install_malloc_and_free_hooks) {
        fail_with("leakcheck: malloc in this process is not leakcheck's but the one in %s, "
                  "which offers no allocator hooks: no allocation can be observed, so no test "
                  "is judged (link or preload libleakcheck ahead of it)",
                  where);
        return;
    }
    decide_sanitizer(where);
}

void lc__sanitizer_init(void) {
    /* PROBING: lc_scope_begin inside the probe must not decide again */
    if (source == UNKNOWN) {
        source = PROBING;
        decide();
        lc__sanitizer_exit_install();
    }
}

const char *lc__malloc_unobserved(void) {
    lc__sanitizer_init();
    return source == FOREIGN ? reason : NULL;
}

const char *lc__malloc_unobserved_text(void) {
    if (!lc__malloc_unobserved())
        return "";
    if (!reason_nl[0])
        snprintf(reason_nl, sizeof reason_nl, "%s\n", reason);
    return reason_nl;
}

const char *lc_unobserved_reason(void) { return lc__malloc_unobserved(); }

const char *lc__malloc_sanitizer_name(void) { return sanitizer_name(); }

int lc__malloc_via_sanitizer(void) {
    lc__sanitizer_init();
    return source == SANITIZER;
}

void lc__sanitizer_ignore_begin(void) {
    if (__lsan_disable && __lsan_enable)
        __lsan_disable();
}

void lc__sanitizer_ignore_end(void) {
    if (__lsan_disable && __lsan_enable)
        __lsan_enable();
}
