/* A shared object test_symtab loads after its build stripped it of DWARF and
 * linked it to a separate debug file in .debug/ (.gnu_debuglink): frames in it
 * must still get file:line. */
#include <stdint.h>

__attribute__((noinline)) uintptr_t symtab_lib_call(uintptr_t (*grab)(void)) {
    uintptr_t pc = grab(); /* SYMTAB_LIB_LINE */
    __asm__ volatile("" ::: "memory");
    return pc;
}
