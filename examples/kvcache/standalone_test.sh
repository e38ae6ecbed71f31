#!/usr/bin/env bash
# Builds examples/kvcache on its own, the way a project uses leakcheck:
# installs BUILD_DIR into WORK_DIR/install, configures the example with
# find_package(LeakCheck) against it, builds with warnings as errors and runs
# its ctest tests (the suite through leakcheck_add_test, and the expectation
# check). Keeps the example's "works both ways" CMakeLists honest.
# Usage: standalone_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -u
src=$(realpath "$1") build=$(realpath "$2") work=$(realpath -m "$3")
prefix=$work/install out=$work/build
rm -rf "$work"
mkdir -p "$work"
passed=0 failed=0
check() { # description, command...
    local what=$1
    shift
    if "$@" >"$work/last.log" 2>&1; then
        echo "ok   $what"
        passed=$((passed + 1))
    else
        echo "FAIL $what"
        tail -40 "$work/last.log"
        failed=$((failed + 1))
    fi
}

check "cmake --install into $prefix" cmake --install "$build" --prefix "$prefix"
check "configure examples/kvcache with find_package(LeakCheck)" \
    cmake -S "$src/examples/kvcache" -B "$out" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
check "build, warning-free" cmake --build "$out" -j2
check "the suite links the installed libleakcheck" \
    bash -c "readelf -d '$out/test_kvcache' | grep -q '$prefix/'"
check "ctest: kvcache_suite (fails by design, WILL_FAIL) and kvcache_expectations" \
    ctest --test-dir "$out" --output-on-failure
check "leakcheck_add_test wrote the JSON and JUnit reports" \
    test -s "$out/leakcheck-reports/kvcache_suite.json" -a \
    -s "$out/leakcheck-reports/kvcache_suite.xml"
check "the installed 'leakcheck report' reads them" \
    bash -c "'$prefix/bin/leakcheck' report '$out/leakcheck-reports/kvcache_suite.json' |
        grep -q 'total: 8 tests: 5 clean, 3 leak, .*; 1 benchmark, 0 failed (budget or baseline)'"
echo "kvcache standalone: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
