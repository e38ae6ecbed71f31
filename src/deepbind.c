/* deepbind.c: dlopen's RTLD_DEEPBIND flag. Not on the hook path.
 *
 * A library dlopened with RTLD_DEEPBIND (Samba's ldb modules, and every library
 * that dlopen loads with them) looks its symbols up in its own dependencies
 * first: its malloc, free and open bind to libc's, past leakcheck. Its blocks
 * are never seen, and a block it frees that libc's strdup gave it (libc reaches
 * malloc through the global scope, so leakcheck saw that one) reads as live.
 * So dlopen is interposed: the flag is dropped (one line says so, once) unless
 * LEAKCHECK_KEEP_DEEPBIND=1. The entry point is a jump into libc's dlopen, not
 * a call, so glibc still sees the program's return address as the caller (its
 * RUNPATH, $ORIGIN and namespace). Calls options.c, util.c; dlsym.
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "options.h"

#ifndef RTLD_DEEPBIND
#define RTLD_DEEPBIND 0x00008
#endif

typedef void *(*dlopen_fn)(const char *, int);
typedef int (*dlclose_fn)(void *);

/* Read by the entry point below; set by lc__deepbind_mode before its jump. */
__attribute__((visibility("hidden"))) dlopen_fn lc__real_dlopen;
static atomic_int told;

static void resolve(void) {
    if (lc__real_dlopen)
        return;
    lc__guard_enter(); /* dlsym's error buffer is the loader's, not the program's */
    dlopen_fn f = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
    lc__guard_leave();
    if (!f) {
        static const char msg[] = "leakcheck: cannot find libc's dlopen behind its own\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(2);
    }
    lc__real_dlopen = f;
}

/* 1 when file is loaded already: then the flag changes nothing (dlopen
 * returns the loaded object), and nothing is said about it. */
static int loaded_already(const char *file) {
    if (!file)
        return 1;
    void *h = lc__real_dlopen(file, RTLD_LAZY | RTLD_NOLOAD);
    if (!h)
        return 0;
    dlclose_fn close_fn = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
    if (close_fn)
        close_fn(h); /* drops the reference NOLOAD took; the object stays */
    return 1;
}

static void tell(const char *file) {
    if (atomic_exchange(&told, 1))
        return;
    char line[768];
    size_t n = 0;
    const char *parts[] = {"leakcheck: dlopen(\"", file, "\") asked for RTLD_DEEPBIND, which binds "
                           "a library's malloc and free past leakcheck; loaded without it "
                           "(LEAKCHECK_KEEP_DEEPBIND=1 keeps it; said once)\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t len = strlen(parts[i]);
        if (i == 1 && len > 400)
            len = 400; /* a path that long is still named by its start */
        if (n + len > sizeof line)
            len = sizeof line - n;
        memcpy(line + n, parts[i], len);
        n += len;
    }
    (void)!write(2, line, n);
}

/* The mode dlopen goes on with; resolves libc's dlopen first. */
__attribute__((visibility("hidden"))) int lc__deepbind_mode(const char *file, int mode) {
    resolve();
    if (!(mode & RTLD_DEEPBIND) || lc__opts()->keep_deepbind)
        return mode;
    lc__guard_enter();
    int quiet = loaded_already(file);
    lc__guard_leave();
    if (!quiet)
        tell(file);
    return mode & ~RTLD_DEEPBIND;
}

/* dlopen(file, mode): mode = lc__deepbind_mode(file, mode), then a tail jump
 * to libc's dlopen with the caller's return address still on the stack. */
__asm__(".text\n"
        ".globl dlopen\n"
        ".type dlopen, @function\n"
        "dlopen:\n"
        "  .cfi_startproc\n"
        "  endbr64\n"
        "  pushq %rdi\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  pushq %rsi\n"
        "  .cfi_adjust_cfa_offset 8\n"
        "  subq $8, %rsp\n" /* the call below needs a 16-byte aligned stack */
        "  .cfi_adjust_cfa_offset 8\n"
        "  call lc__deepbind_mode\n"
        "  addq $8, %rsp\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %rsi\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  popq %rdi\n"
        "  .cfi_adjust_cfa_offset -8\n"
        "  movl %eax, %esi\n"
        "  jmp *lc__real_dlopen(%rip)\n"
        "  .cfi_endproc\n"
        ".size dlopen, .-dlopen\n");
