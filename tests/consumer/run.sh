#!/usr/bin/env bash
# Uses an installed leakcheck the way a user would. Installs BUILD_DIR into
# PREFIX, then: builds and runs the CMake consumer project (find_package,
# LeakCheck::leakcheck and ::leakcheck_static, leakcheck_add_test), checks
# that an incompatible version is refused, builds a program from
# `pkg-config --cflags --libs leakcheck` alone, and finally moves the install
# tree and repeats the CMake and pkg-config builds and `leakcheck run` from
# the new place (relocatability).
# Usage: run.sh SOURCE_DIR BUILD_DIR PREFIX WORK_DIR
set -u
src=$(realpath "$1") build=$(realpath "$2") prefix=$3 work=$4
mkdir -p "$work"
prefix=$(realpath -m "$prefix") work=$(realpath "$work")
passed=0 failed=0
check() { # description, command...
    local what=$1
    shift
    if "$@" >"$work/last.log" 2>&1; then
        echo "ok   $what"
        passed=$((passed + 1))
    else
        echo "FAIL $what"
        tail -30 "$work/last.log"
        failed=$((failed + 1))
    fi
}

rm -rf "$prefix" "$prefix.moved" "$work/cmake" "$work/moved" "$work/badver"
check "cmake --install" cmake --install "$build" --prefix "$prefix"
consumer() { # build dir, prefix
    cmake -S "$src/tests/consumer" -B "$1" -DCMAKE_PREFIX_PATH="$2" &&
        cmake --build "$1" -j2 && ctest --test-dir "$1" --output-on-failure
}
check "consumer project: configure, build, ctest" consumer "$work/cmake" "$prefix"
check "leakcheck_add_test: default label 'leakcheck' on all three tests" \
    bash -c "ctest --test-dir '$work/cmake' -N -L '^leakcheck\$' | grep -q 'Total Tests: 3'"
check "leakcheck_add_test: LABELS replaces the default" \
    bash -c "ctest --test-dir '$work/cmake' -N -L '^consumer\$' | grep -q 'Total Tests: 1'"
check "leakcheck_add_test: report directories created at configure time" \
    test -d "$work/cmake/leakcheck-reports" -a -d "$work/cmake/reports-env"
check "leakcheck_add_test: environment names <dir>/<name>.json and .xml, G_SLICE=always-malloc" \
    grep -q "LEAKCHECK_JSON=$work/cmake/reports-env/scope_test_env.json;LEAKCHECK_JUNIT=$work/cmake/reports-env/scope_test_env.xml;G_SLICE=always-malloc;CONSUMER_EXPECT=from-leakcheck_add_test" \
    "$work/cmake/CTestTestfile.cmake"
check "leakcheck_add_test CMOCKA: LEAKCHECK_CMOCKA=1 and the library preloaded" \
    bash -c "grep 'plain_cmocka' '$work/cmake/CTestTestfile.cmake' | grep 'LEAKCHECK_CMOCKA=1' | grep -q 'LD_PRELOAD=path_list_prepend:$prefix/'"
check "leakcheck_add_test CMOCKA: the plain cmocka test was judged" \
    grep -q '"judged": 1' "$work/cmake/leakcheck-reports/plain_cmocka.json"
check "an incompatible version (1.0) is refused" \
    bash -c "! cmake -S '$src/tests/consumer' -B '$work/badver' -DCMAKE_PREFIX_PATH='$prefix' -DWANT_LEAKCHECK_VERSION=1.0 >'$work/badver.log' 2>&1"
check "the refusal names the version found" grep -q 'LeakCheckConfig.cmake, version: 0.1.0' "$work/badver.log"

pcdir=$(dirname "$(find "$prefix" -name leakcheck.pc | head -1)")
pc_build() { # prefix's pkgconfig dir, output
    local flags libdir
    flags=$(PKG_CONFIG_PATH=$1 pkg-config --cflags --libs leakcheck) || return 1
    libdir=$(PKG_CONFIG_PATH=$1 pkg-config --variable=libdir leakcheck) || return 1
    echo "pkg-config --cflags --libs leakcheck: $flags"
    cc -Wall -Wextra -Werror "$src/tests/consumer/pc_test.c" $flags -Wl,-rpath,"$libdir" -o "$2" &&
        "$2"
}
check "pkg-config --cflags --libs leakcheck builds and runs a program" pc_build "$pcdir" "$work/pc_test"

# Relocation: the original tree is moved away while the copy is used, so any
# absolute path recorded at install time would break these.
cp -a "$prefix" "$prefix.moved"
mv "$prefix" "$prefix.away"
check "moved tree: consumer project builds and passes" consumer "$work/moved" "$prefix.moved"
check "moved tree: tests link the moved library" \
    bash -c "readelf -d '$work/moved/scope_test' | grep -q '$prefix.moved/'"
check "moved tree: pkg-config" pc_build "${pcdir/$prefix/$prefix.moved}" "$work/pc_test_moved"
check "moved tree: leakcheck run finds its library" \
    bash -c "'$prefix.moved/bin/leakcheck' run -- true 2>&1 | grep -q 'no leaks'"
mv "$prefix.away" "$prefix"
rm -rf "$prefix.moved"
echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
