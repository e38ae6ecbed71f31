# Finds leakcheck's dependencies. Each missing one stops the configure step
# with one line naming the Debian package that provides it.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "leakcheck: pkg-config not found (Debian package: pkg-config)")
endif()

function(lc_require_pc prefix module debpkg)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "leakcheck: ${module} not found via pkg-config (Debian package: ${debpkg})")
  endif()
endfunction()

lc_require_pc(LC_UNWIND "libunwind>=1.6" libunwind-dev)
lc_require_pc(LC_JANSSON "jansson>=2.14" libjansson-dev)
lc_require_pc(LC_DW "libdw" libdw-dev)
# pprof profiles: protobuf-c encodes profile.proto (its compiler generates the
# code at build time), zlib gzips it.
lc_require_pc(LC_PROTOBUF_C "libprotobuf-c>=1.3" libprotobuf-c-dev)
lc_require_pc(LC_ZLIB "zlib" zlib1g-dev)
find_program(LC_PROTOC_C protoc-c)
if(NOT LC_PROTOC_C)
  message(FATAL_ERROR "leakcheck: protoc-c not found (Debian package: protobuf-c-compiler)")
endif()

# LLVM's libunwind (libunwind-14-dev and friends) installs the same names but
# lacks unw_backtrace, which the hook path is built on.
include(CheckSymbolExists)
include(CMakePushCheckState)
cmake_push_check_state(RESET)
set(CMAKE_REQUIRED_INCLUDES ${LC_UNWIND_INCLUDE_DIRS})
set(CMAKE_REQUIRED_LIBRARIES PkgConfig::LC_UNWIND)
set(CMAKE_REQUIRED_DEFINITIONS -DUNW_LOCAL_ONLY)
check_symbol_exists(unw_backtrace "libunwind.h" LC_HAVE_UNW_BACKTRACE)
cmake_pop_check_state()
if(NOT LC_HAVE_UNW_BACKTRACE)
  message(FATAL_ERROR "leakcheck: the libunwind found lacks unw_backtrace: this is LLVM's libunwind; install the nongnu one (Debian package: libunwind-dev)")
endif()

# cmocka: an imported target where the package provides one (1.1.7+, 2.x),
# pkg-config otherwise (Debian 12's 1.1.5 config sets variables only).
find_package(cmocka CONFIG QUIET)
if(TARGET cmocka::cmocka)
  add_library(lc_cmocka INTERFACE IMPORTED GLOBAL)
  target_link_libraries(lc_cmocka INTERFACE cmocka::cmocka)
else()
  lc_require_pc(LC_CMOCKA cmocka libcmocka-dev)
  add_library(lc_cmocka INTERFACE IMPORTED GLOBAL)
  target_link_libraries(lc_cmocka INTERFACE PkgConfig::LC_CMOCKA)
endif()
