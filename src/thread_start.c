/* thread_start.c: the start-up code a pthread_create wrapper (ASan, a profiler)
 * runs on a new thread before the program's routine. lc__start_init (called by
 * thread_registry.c, not the hook path) finds the wrappers and their code;
 * lc__start_runtime_only (hook path: one unw_backtrace, no lock, no
 * allocation) tells hooks.c an allocation is the runtime's, not the test's. */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/auxv.h>

#include "internal.h"
#include "options.h"
#include "thread_start.h"
#include "unwind.h"

#define LC_START_RANGES 32 /* executable segments of glibc, ld.so and the wrappers */
#define LC_START_DEPTH 64  /* frames looked at; a deeper start-up counts as the program's */

static struct {
    size_t n;
    uintptr_t lo[LC_START_RANGES], hi[LC_START_RANGES];
    uintptr_t base[4]; /* the modules whose segments count as runtime */
    size_t nbase;
} rt;

int lc__start_ahead;  /* a wrapper calls ours: its start-up runs inside our trampoline */
int lc__start_behind; /* ours calls a wrapper: its start-up runs before our trampoline */
static int in_exe;    /* the wrapper ahead is linked into the executable */

static void *module_base(const void *addr) {
    Dl_info d;
    return addr && dladdr(addr, &d) ? d.dli_fbase : NULL;
}

static int wanted(uintptr_t base) {
    for (size_t i = 0; i < rt.nbase; i++)
        if (rt.base[i] == base)
            return 1;
    return 0;
}

static int add_segments(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    (void)arg;
    /* dli_fbase is where the first segment is mapped, dlpi_addr the load bias:
     * the same for every shared object, both 0 + the exe's first vaddr for a
     * non-PIE program (never a wrapper module here) */
    uintptr_t first = 0;
    for (int k = 0; k < info->dlpi_phnum; k++)
        if (info->dlpi_phdr[k].p_type == PT_LOAD) {
            first = info->dlpi_addr + (info->dlpi_phdr[k].p_vaddr & ~(uintptr_t)0xfff);
            break;
        }
    if (!wanted(first))
        return 0;
    for (int k = 0; k < info->dlpi_phnum && rt.n < LC_START_RANGES; k++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        rt.lo[rt.n] = info->dlpi_addr + ph->p_vaddr;
        rt.hi[rt.n] = rt.lo[rt.n] + ph->p_memsz;
        rt.n++;
    }
    return 0;
}

static int first_bias(struct dl_phdr_info *info, size_t size, void *arg) {
    (void)size;
    *(uintptr_t *)arg = info->dlpi_addr;
    return 1; /* the first object listed is the program */
}

/* The executable's load bias (0 when it is not PIE). */
static uintptr_t exe_bias(void) {
    uintptr_t bias = 0;
    dl_iterate_phdr(first_bias, &bias);
    return bias;
}

static void add_base(uintptr_t base) {
    if (base && !wanted(base) && rt.nbase < sizeof rt.base / sizeof rt.base[0])
        rt.base[rt.nbase++] = base;
}

static void *next_create; /* the pthread_create ours calls */
static int use_walker;    /* LEAKCHECK_UNWINDER is not libunwind */

static void find_wrappers(void) {
    void *next = next_create;
    use_walker = lc__opts()->unwinder != 2; /* auto|walk|libunwind, as stacks.c */
    uintptr_t libc = (uintptr_t)module_base((void *)__libc_malloc);
    uintptr_t exe = (uintptr_t)module_base((void *)getauxval(AT_ENTRY));
    void *global = dlsym(RTLD_DEFAULT, "pthread_create");
    uintptr_t self = (uintptr_t)module_base((void *)lc__start_init);
    uintptr_t ahead = (uintptr_t)module_base(global);
    if (ahead == self)
        ahead = 0;
    uintptr_t behind = (uintptr_t)module_base(next);
    if (behind == libc)
        behind = 0;
    /* A wrapper linked into the program itself (clang's static sanitizer
     * runtimes) shares its module with the program's start routines: there
     * the runtime's functions are known by name from the symbol table, and
     * without one the wrapper is not looked for. */
    if (ahead && ahead == exe) {
        in_exe = lc__start_syms_load(exe_bias()) > 0;
        if (!in_exe)
            ahead = 0;
    }
    if (!ahead && !behind)
        return;
    add_base(libc);
    add_base(getauxval(AT_BASE)); /* ld.so: TLS set-up of a new thread */
    if (!in_exe)
        add_base(ahead);
    add_base(behind);
    dl_iterate_phdr(add_segments, NULL);
    __atomic_store_n(&lc__start_ahead, ahead != 0, __ATOMIC_RELEASE);
    __atomic_store_n(&lc__start_behind, behind != 0, __ATOMIC_RELEASE);
}

void lc__start_init(void *next) {
    static pthread_once_t once = PTHREAD_ONCE_INIT; /* two first creates at once */
    next_create = next;
    pthread_once(&once, find_wrappers);
}

LC_HOOK_TEXT static int runtime_pc(uintptr_t pc) {
    for (size_t i = 0; i < rt.n; i++)
        if (pc >= rt.lo[i] && pc < rt.hi[i])
            return 1;
    return in_exe && lc__start_syms_has(pc);
}

/* In the hook section, so that its own frame is skipped like the hooks'. */
LC_HOOK_TEXT int lc__start_runtime_only(void) {
    uintptr_t pcs[LC_START_DEPTH];
    uint32_t tag;
    /* the walker's rule cache is shared by all threads; libunwind's trace
     * cache is per thread, so a new thread's first unwind with it parsed the
     * unwind tables of every frame again (about 270 us per thread under ASan) */
    int n = use_walker ? lc__stack_walk(pcs, LC_START_DEPTH, &tag) : -1;
    if (n < 0) /* a frame it cannot follow, or this thread's last tagged stack */
        n = lc__backtrace((void **)pcs, LC_START_DEPTH);
    for (int i = 0; i < n; i++) {
        uintptr_t pc = pcs[i] - 1; /* a return address: the call is before it */
        if (lc__in_hook_text(pc))
            continue;
        if (lc__in_body_text(pc))
            return 1; /* our trampoline, nothing but the runtime above it */
        if (!runtime_pc(pc)) {
            lc__tls.startup = 0; /* the program's code runs: start-up is over */
            return 0;
        }
    }
    /* the thread's first frame (glibc's clone) and no trampoline: the start-up
     * of a wrapper behind ours. Else the walk stopped short or went too deep
     * to tell: the block counts, and the thread is not looked at again. */
    if (lc__tls.startup == LC_STARTUP_BEFORE && n > 0 && n < LC_START_DEPTH)
        return 1;
    lc__tls.startup = 0;
    return 0;
}
