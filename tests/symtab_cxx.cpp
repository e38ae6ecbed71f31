// A C++ function for test_symtab: its frame must read demangled,
// "lcsym::Walker::visit(int)", in the tool's build of symtab.c too.
#include <cstdint>

namespace lcsym {
struct Walker {
    __attribute__((noinline)) std::uintptr_t visit(int depth);
    std::uintptr_t (*grab)();
};

std::uintptr_t Walker::visit(int depth) {
    std::uintptr_t pc = grab();
    asm volatile("" ::: "memory");
    return pc + static_cast<std::uintptr_t>(depth) * 0;
}
} // namespace lcsym

extern "C" std::uintptr_t symtab_cxx_call(std::uintptr_t (*grab)()) {
    lcsym::Walker w{grab};
    return w.visit(1);
}
