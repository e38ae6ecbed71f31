/* unwinder_lib.c: a library that unwinds through the C++ ABI, as LuaJIT's
 * lua_error raises its errors with _Unwind_RaiseException: linked against
 * libgcc_s, loaded by a C program that is not. Reports which module its
 * _Unwind_Backtrace bound to, after one walk of its caller's stack. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <unwind.h>

static _Unwind_Reason_Code count_frame(struct _Unwind_Context *ctx, void *arg) {
    (void)ctx;
    ++*(int *)arg;
    return _URC_NO_REASON;
}

const char *unwinder_module(int *frames) {
    *frames = 0;
    _Unwind_Backtrace(count_frame, frames);
    Dl_info info;
    void *fn = (void *)&_Unwind_Backtrace; /* as this library's references bind */
    return dladdr(fn, &info) && info.dli_fname ? info.dli_fname : "?";
}
