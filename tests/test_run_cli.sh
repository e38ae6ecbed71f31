#!/usr/bin/env bash
# `leakcheck run` end to end: a planted leak is caught with the leaking
# function named, a clean program passes, bad options and report paths fail
# with one clear line. Usage: test_run_cli.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check

"$tool" run -- "$bin/leaky_program" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "leak gives exit 1" test $rc -eq 1
check "leaking function named with file:line" grep -Eq '#0 +record_new \(.*leaky_program\.c:[0-9]+\)' "$tmp/err"
check "caller named" grep -Eq '#1 +load_records' "$tmp/err"
check "one block of 32 bytes" grep -q '1 leaked block, 32 bytes' "$tmp/err"
check "program output untouched" grep -q 'loaded 3 records' "$tmp/out"

"$tool" run -- "$bin/clean_program" >"$tmp/out" 2>"$tmp/err"
check "clean program exits 0" test $? -eq 0
check "clean program: no leaks" grep -q 'no leaks' "$tmp/err"

"$tool" run --exit-code=7 -- "$bin/leaky_program" >/dev/null 2>&1
check "--exit-code is used" test $? -eq 7

"$tool" run --json="$tmp/r-%p.json" -- "$bin/leaky_program" >/dev/null 2>&1
f=$(ls "$tmp"/r-*.json 2>/dev/null | head -1)
check "JSON report written with %p expanded" test -n "$f"
check "JSON parses and names the leak" python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
assert d["schema"]=={"name":"leakcheck-report","version":2}
t=d["tests"][0]; assert t["verdict"]=="leak"
fns=[fr["function"] for fr in t["findings"][0]["stack"]]
assert "record_new" in fns, fns
' "$f"
check "no temp file left" test -z "$(ls "$tmp"/*.tmp.* 2>/dev/null)"

"$tool" run --json=/nonexistent-dir/r.json -- "$bin/leaky_program" >/dev/null 2>"$tmp/err"
check "unwritable report: exit still 1" test $? -eq 1
check "unwritable report: one-line error" grep -q "cannot write report '/nonexistent-dir/r.json'" "$tmp/err"
check "unwritable report: summary still on stderr" grep -q 'record_new' "$tmp/err"
"$tool" run --json=/nonexistent-dir/r.json -- "$bin/clean_program" >/dev/null 2>"$tmp/err"
check "unwritable report, clean program: exit 1, not 0" test $? -eq 1
check "unwritable report, clean program: one line says why" \
    grep -q "a report could not be written (said above): exit status 1" "$tmp/err"
"$tool" run --exit-code=0 --json=/nonexistent-dir/r.json -- "$bin/clean_program" >/dev/null 2>"$tmp/err"
check "unwritable report, --exit-code=0: exit 0" test $? -eq 0

"$tool" run --stack-depth=0 -- true 2>"$tmp/err"
check "bad flag value: exit 2" test $? -eq 2
check "bad flag value: names option and accepted values" grep -q "invalid value '0' for LEAKCHECK_STACK_DEPTH (accepted: an integer 1..128)" "$tmp/err"
LEAKCHECK_STACKS=maybe "$tool" run -- true 2>"$tmp/err"
check "bad env value: exit 2" test $? -eq 2
check "bad env value: named" grep -q "LEAKCHECK_STACKS" "$tmp/err"
LEAKCHECK_STACK_DEPHT=3 "$tool" run -- true 2>"$tmp/err"
check "unknown env option: exit 2" test $? -eq 2
check "unknown env option: named" grep -q "unknown option LEAKCHECK_STACK_DEPHT" "$tmp/err"
"$tool" run --bogus -- true 2>"$tmp/err"
check "unknown flag: exit 2" test $? -eq 2
LEAKCHECK_STACKS=maybe "$bin/clean_program" >/dev/null 2>"$tmp/err"
check "bad env in a linked program: exit 2 before running" test $? -eq 2
"$tool" run -- /nonexistent/cmd 2>"$tmp/err"
check "missing command: exit 127" test $? -eq 127

"$tool" run -- "$bin/closes_stderr" >/dev/null 2>"$tmp/err"
check "a program that closes stderr at exit: exit 1" test $? -eq 1
check "a program that closes stderr at exit: the report still shows" grep -Eq '#0 +leak_before_exit' "$tmp/err"

"$tool" run -- sh -c "\"$bin/leaky_program\"; true" >/dev/null 2>"$tmp/err"
check "children are not tracked by default" bash -c "! grep -q record_new '$tmp/err'"
"$tool" run --follow-children -- sh -c "\"$bin/leaky_program\"; true" >/dev/null 2>"$tmp/err"
check "--follow-children: a child reports its own leak" grep -Eq '#0 +record_new' "$tmp/err"

# The allocator probe at start-up must not load a C++ runtime into a C program
# (it once called our own operator new, which dlopens libstdc++).
"$tool" run -- grep -c 'libstdc++' /proc/self/maps >"$tmp/out" 2>/dev/null
check "a C program gets no libstdc++ loaded" test "$(cat "$tmp/out")" = 0

# An address-space limit set in the traced program (after an exec: the tool
# and the shell run without it): the stack depot shrinks to fit, or the
# tracker says in one line that it could not start; never a silent verdict.
"$tool" run -- sh -c 'ulimit -v 150000; exec "$0" -c "echo \$((1+1))"' bash >"$tmp/out" 2>"$tmp/err"
check "under ulimit -v 150000: checked (smaller depot)" grep -q 'no leaks' "$tmp/err"
"$tool" run -- sh -c 'ulimit -v 40000; exec "$0" -c "echo \$((1+1))"' bash >"$tmp/out" 2>"$tmp/err"
rc=$?
check "under ulimit -v 40000: no report, exit 125" test $rc -eq 125
check "under ulimit -v 40000: the tool's line says why" \
    grep -q 'without a leak report: bash (pid [0-9]*): the tracker could not start (out of memory' "$tmp/err"
check "under ulimit -v 40000: one line, no guess at other causes" \
    test "$(grep -c . "$tmp/err")" = 1
check "under ulimit -v 40000: the program still ran" grep -qx 2 "$tmp/out"

"$tool" run -- sh -c 'exit 3' 2>/dev/null
check "program's own failure status wins" test $? -eq 3
exit $fail
