#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz into BUILD_DIR with clang.
# Usage: build.sh SOURCE_DIR BUILD_DIR. Exit 77 (ctest SKIP_RETURN_CODE) with
# one line when clang cannot build a fuzzer here.
set -euo pipefail
src=$1 out=$2
cc=${LC_FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz: SKIPPED: $cc not found (Debian package: clang)"
    exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
    >"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
    echo "fuzz: SKIPPED: $cc cannot build a libFuzzer harness: $(head -1 "$probe/err")"
    exit 77
fi
cmake -S "$src" -B "$out" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="${cc/clang/clang++}" \
    -DCMAKE_BUILD_TYPE=None >/dev/null
cmake --build "$out" -j2
