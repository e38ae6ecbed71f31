#!/usr/bin/env bash
# Never fail open (src/failsafe.c): when the tracker cannot map its memory
# (an address-space limit below the stack depot's 1 GiB reservation) or
# LEAKCHECK_CHECKS turns every check off, every test is an error with one line
# saying why and the binary exits non-zero; never CLEAN. The clean twin (the
# same binary, normal limits) passes. (Another allocator, a sanitizer or
# valgrind taking malloc: sanitizer.c and its tests.)
# Usage: test_failsafe.sh PROBE PYTHON
set -u
probe=$1 py=$2
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check
verdicts() { # json: prints "name verdict failure_type" per test
    "$py" -c '
import json, sys
for t in json.load(open(sys.argv[1]))["tests"]:
    print(t["name"], t["verdict"], t["failure_type"])' "$1"
}

env LEAKCHECK_JSON="$tmp/ok.json" timeout 120 "$probe" clean >"$tmp/out" 2>&1
check "clean twin: exit 0" test $? -eq 0
check "clean twin: CLEAN" grep -q 'CLEAN.*probe_clean' "$tmp/out"

# Under a looser address-space limit the stack depot is reserved smaller and
# the tests are judged as usual.
(ulimit -v 900000 && LEAKCHECK_JSON="$tmp/ulimit900.json" timeout 120 "$probe" strict) >"$tmp/out" 2>&1
check "ulimit -v 900000: judged as usual" \
    test "$(verdicts "$tmp/ulimit900.json" | tr '\n' ';')" = "probe_clean clean None;probe_leaks leak None;"

for case in ulimit checks; do
    if [ $case = ulimit ]; then
        (ulimit -v 60000 && LEAKCHECK_JSON="$tmp/$case.json" timeout 120 "$probe" strict) \
            >"$tmp/out" 2>&1
        rc=$?
        why="the tracker could not map its memory"
    else
        LEAKCHECK_CHECKS= LEAKCHECK_JSON="$tmp/$case.json" timeout 120 "$probe" strict \
            >"$tmp/out" 2>&1
        rc=$?
        why="LEAKCHECK_CHECKS turns every check off"
    fi
    check "$case: exit non-zero" test $rc -ne 0 -a $rc -ne 124
    check "$case: never CLEAN" bash -c "! grep -q CLEAN '$tmp/out'"
    check "$case: one line per test saying why" \
        test "$(grep -c "\] probe_[a-z]*: leakcheck: cannot observe this test: $why" "$tmp/out")" -eq 2
    check "$case: the report has both tests as tracker errors" \
        test "$(verdicts "$tmp/$case.json" | tr '\n' ';')" = "probe_clean failed tracker;probe_leaks failed tracker;"
done
# a main that drops cmocka's result still exits non-zero
LEAKCHECK_CHECKS= timeout 120 "$probe" >"$tmp/out" 2>&1
check "main drops the result: exit still non-zero" test $? -ne 0

exit $fail
