#!/usr/bin/env bash
# legacy_runner (cmocka's deprecated run_tests) under LEAKCHECK_CMOCKA=1
# preloaded and under `leakcheck run --cmocka`: one line names the deprecated
# runner (not "not a cmocka suite"); preloaded, the status is 2 (nothing judged).
# Usage: run_legacy.sh LIBLEAKCHECK LEGACY_RUNNER LEAKCHECK_TOOL
set -u
lib=$1 bin=$2 tool=$3
fail=0
err=$(env -u LEAKCHECK_JSON LEAKCHECK_CMOCKA=1 LD_PRELOAD="$lib" "$bin" 2>&1 >/dev/null)
rc=$?
if [ "$rc" -ne 2 ]; then echo "FAIL preloaded: exit status $rc, expected 2"; fail=1; fi
if ! grep -q "LEAKCHECK_CMOCKA=1, but legacy_runner ran its tests through cmocka's deprecated run_tests()" <<<"$err"; then
    echo "FAIL preloaded: no line naming the deprecated runner: $err"; fail=1
fi
if grep -q "not a cmocka suite" <<<"$err"; then echo "FAIL preloaded: says not a cmocka suite"; fail=1; fi
err=$("$tool" run --cmocka -- "$bin" 2>&1 >/dev/null)
rc=$?
if [ "$rc" -ne 0 ]; then echo "FAIL run --cmocka: exit status $rc (the process is clean)"; fail=1; fi
if ! grep -q "run --cmocka, but legacy_runner ran its tests through cmocka's deprecated run_tests()" <<<"$err"; then
    echo "FAIL run --cmocka: no line naming the deprecated runner: $err"; fail=1
fi
[ "$fail" -eq 0 ] && echo "ok: the deprecated run_tests() is named in both modes"
exit "$fail"
