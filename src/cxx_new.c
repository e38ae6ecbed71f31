/* cxx_new.c: C++ operator new and delete, interposed for valgrind; calls the
 * next definition (libstdc++'s) and hooks.c's foreign-allocator entry points.
 * Hook path. Natively each is a tail jump to libstdc++'s (whose new calls our
 * malloc), so semantics and stacks stay libstdc++'s own. Under valgrind that
 * new is memcheck's and never reaches malloc: the wrapper records the block. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "sanitizer.h"
#include "unwind.h"

#define LC_EXPORT __attribute__((visibility("default")))

/* A program whose only C++ runtime calls are new and delete binds them to
 * this library at link time, and --as-needed then drops libstdc++ from it:
 * there is no next definition in the process. libstdc++ is loaded for them,
 * globally, as the program's link would have (its demangler then serves the
 * reports too). */
static void *libstdcxx(void) {
    static void *handle;
    void *h = __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
    if (!h) {
        h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);
        __atomic_store_n(&handle, h, __ATOMIC_RELEASE);
    }
    return h;
}

/* The next definition of name, looked up once. A failed dlsym allocates its
 * dlerror text and dlopen allocates too: with the guard up, neither is the
 * program's block. */
static void *next_fn(void **slot, const char *name) {
    void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (LC_UNLIKELY(!f)) {
        lc__guard_enter();
        f = dlsym(RTLD_NEXT, name);
        if (!f && libstdcxx())
            f = dlsym(libstdcxx(), name);
        lc__guard_leave();
        if (!f) { /* no operator new anywhere: nothing sensible to return */
            static const char msg[] = "leakcheck: no C++ runtime could be loaded for operator "
                                      "new/delete (libstdc++.so.6): aborting\n";
            (void)!write(2, msg, sizeof msg - 1);
            abort();
        }
        __atomic_store_n(slot, f, __ATOMIC_RELEASE);
    }
    return f;
}

/* An operator new: PARAMS is its parameter list, ARGS the same names. The
 * fast path is two loads and a tail jump, with no frame of its own; the first
 * call and every call under valgrind take the out-of-line path. */
#define LC_NEW(sym, params, args)                                                        \
    static void *sym##_next;                                                             \
    __attribute__((noinline, cold)) LC_HOOK_TEXT static void *sym##_slow params {        \
        void *(*f) params = (void *(*) params)next_fn(&sym##_next, #sym);                \
        void *p = f args;                                                                \
        if (lc__under_valgrind)                                                          \
            lc__hook_foreign_alloc(p, n);                                                \
        return p;                                                                        \
    }                                                                                    \
    LC_EXPORT LC_HOOK_TEXT void *sym params {                                            \
        void *(*f) params =                                                              \
            (void *(*) params)__atomic_load_n(&sym##_next, __ATOMIC_ACQUIRE);            \
        if (LC_UNLIKELY(!f || lc__under_valgrind))                                       \
            return sym##_slow args;                                                      \
        return f args;                                                                   \
    }

#define LC_DELETE(sym, params, args)                                                     \
    static void *sym##_next;                                                             \
    __attribute__((noinline, cold)) LC_HOOK_TEXT static void sym##_slow params {         \
        void (*f) params = (void (*) params)next_fn(&sym##_next, #sym);                  \
        if (lc__under_valgrind)                                                          \
            lc__hook_foreign_free(p);                                                    \
        f args;                                                                          \
    }                                                                                    \
    LC_EXPORT LC_HOOK_TEXT void sym params {                                             \
        void (*f) params =                                                               \
            (void (*) params)__atomic_load_n(&sym##_next, __ATOMIC_ACQUIRE);             \
        if (LC_UNLIKELY(!f || lc__under_valgrind)) {                                     \
            sym##_slow args;                                                             \
            return;                                                                      \
        }                                                                                \
        f args;                                                                          \
    }

/* memcheck still allocates the blocks, so its new/delete mismatch checks stay
 * on. Itanium-mangled names, as libstdc++ exports them on x86_64 (size_t is
 * "m"). */
typedef struct nothrow_tag nothrow_t; /* std::nothrow_t, passed by reference */
typedef size_t align_t;               /* std::align_val_t */

LC_NEW(_Znwm, (size_t n), (n))
LC_NEW(_Znam, (size_t n), (n))
LC_NEW(_ZnwmRKSt9nothrow_t, (size_t n, const nothrow_t *t), (n, t))
LC_NEW(_ZnamRKSt9nothrow_t, (size_t n, const nothrow_t *t), (n, t))
LC_NEW(_ZnwmSt11align_val_t, (size_t n, align_t a), (n, a))
LC_NEW(_ZnamSt11align_val_t, (size_t n, align_t a), (n, a))
LC_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, (size_t n, align_t a, const nothrow_t *t),
       (n, a, t))
LC_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, (size_t n, align_t a, const nothrow_t *t),
       (n, a, t))

LC_DELETE(_ZdlPv, (void *p), (p))
LC_DELETE(_ZdaPv, (void *p), (p))
LC_DELETE(_ZdlPvm, (void *p, size_t n), (p, n))
LC_DELETE(_ZdaPvm, (void *p, size_t n), (p, n))
LC_DELETE(_ZdlPvRKSt9nothrow_t, (void *p, const nothrow_t *t), (p, t))
LC_DELETE(_ZdaPvRKSt9nothrow_t, (void *p, const nothrow_t *t), (p, t))
LC_DELETE(_ZdlPvSt11align_val_t, (void *p, align_t a), (p, a))
LC_DELETE(_ZdaPvSt11align_val_t, (void *p, align_t a), (p, a))
LC_DELETE(_ZdlPvmSt11align_val_t, (void *p, size_t n, align_t a), (p, n, a))
LC_DELETE(_ZdaPvmSt11align_val_t, (void *p, size_t n, align_t a), (p, n, a))
LC_DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, (void *p, align_t a, const nothrow_t *t),
          (p, a, t))
LC_DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, (void *p, align_t a, const nothrow_t *t),
          (p, a, t))
