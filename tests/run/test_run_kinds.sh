#!/usr/bin/env bash
# `leakcheck run` on planted programs: each leak kind with the right function,
# the fd left open, the clean twin, --leak-kinds, exec, a killed program, a
# program that closes every fd, one that execs with a cleared environment, nested use on a LEAKCHECK_TEST suite,
# and bad input. Usage: test_run_kinds.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check
# kinds.py REPORT 'function:kind:blocks:bytes:fails' ...: the report's memory
# findings for these functions are exactly these (order-free); fd findings
# are given as 'fd:TARGET_SUFFIX:FUNCTION'.
cat >"$tmp/kinds.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["tests"][0]
want = sorted(sys.argv[2:])
got = []
for f in t["findings"]:
    fns = [fr["function"] for fr in f["stack"] if fr.get("function")]
    if f["kind"] == "memory":
        mine = [fn for fn in fns if fn.startswith("make_")]
        if not mine:
            continue
        got.append("%s:%s:%d:%d:%s" % (mine[0], f["leak_kind"], f["blocks"], f["bytes"],
                                       "no" if f.get("fails") is False else "yes"))
    elif f["kind"] == "fd":
        got.append("fd:%s:%s" % (f["target"].split("/")[-1], fns[0] if fns else "?"))
got.sort()
if got != want:
    print("got ", got)
    print("want", want)
    sys.exit(1)
PY

"$tool" run --json="$tmp/k.json" -- "$bin/run_kinds" 2>"$tmp/err"
check "planted kinds: exit 1" test $? -eq 1
check "planted kinds: each kind with its function, the fd with its opener" python3 "$tmp/kinds.py" "$tmp/k.json" \
    make_lost:definite:1:24:yes make_cycle:definite:1:48:yes make_cycle:indirect:1:48:yes \
    make_interior:possible:1:64:no make_kept:reachable:1:40:no fd:null:open_forever
check "console: definitely lost named" grep -Eq 'definitely lost: 2 blocks, 72 bytes' "$tmp/err"
check "console: indirect counted" grep -Eq 'indirectly lost: 1 block, 48 bytes' "$tmp/err"
check "console: the lost block's function" grep -Eq '#0 +make_lost \(.*run_kinds\.c:[0-9]+\)' "$tmp/err"
check "console: the fd and its opener" grep -Eq 'fd [0-9]+ \(/dev/null\) open at exit' "$tmp/err"

"$tool" run --json="$tmp/c.json" -- "$bin/run_kinds" clean 2>"$tmp/err"
check "clean twin: exit 0" test $? -eq 0
check "clean twin: no leaks" grep -q 'run_kinds (pid [0-9]*): no leaks' "$tmp/err"
check "clean twin: nothing listed" python3 "$tmp/kinds.py" "$tmp/c.json"

"$tool" run --leak-kinds=definite,indirect,possible --track-fds=no -- "$bin/run_kinds" 2>"$tmp/err"
check "--leak-kinds with possible: exit 1" test $? -eq 1
check "--leak-kinds with possible: the interior block fails" grep -Eq '#0 +make_interior' "$tmp/err"
check "--track-fds=no: the fd is not a failure" bash -c "! grep -q 'open at exit' '$tmp/err'"
"$tool" run --leak-kinds=reachable --track-fds=no -- "$bin/run_kinds" clean 2>/dev/null
check "--leak-kinds=reachable on the clean twin: exit 0" test $? -eq 0

"$tool" run -- sh -c "exec '$bin/run_kinds'" 2>"$tmp/err"
check "sh -c 'exec prog': exit 1" test $? -eq 1
check "sh -c 'exec prog': the exec'd program's leak" grep -Eq '#0 +make_lost' "$tmp/err"
"$tool" run -- sh -c 'kill -9 $$' 2>"$tmp/err"
check "killed program: exit 137" test $? -eq 137
check "killed program: one line says so" grep -q 'killed by signal 9 (Killed) before its exit handlers ran; no leak report' "$tmp/err"
"$tool" run -- "$bin/run_closefds" 2>"$tmp/err"
check "a program that closes every fd still reports: exit 0" test $? -eq 0
check "a program that closes every fd: its report" grep -q 'run_closefds (pid [0-9]*): no leaks' "$tmp/err"
"$tool" run -- env -i "$bin/run_kinds" clean 2>"$tmp/err"
check "exec with a cleared environment: no report, exit 125" test $? -eq 125
check "no report: one line says why" test "$(grep -c 'without a leak report' "$tmp/err")" -eq 1
"$tool" run --allow-no-report -- env -i "$bin/run_kinds" clean 2>/dev/null
check "--allow-no-report: the program's status" test $? -eq 0

"$tool" run --json="$tmp/n.json" -- "$bin/run_nested" >"$tmp/out" 2>"$tmp/err"
check "nested: exit 1 (a once-only leak at exit)" test $? -eq 1
check "nested: per-test verdicts still run and pass" grep -q '2 tests: 2 clean, 0 leak' "$tmp/out"
check "nested: the once-only leak named" grep -Eq '#0 +once_only_init' "$tmp/err"
check "nested: one definite block of 100 bytes" grep -q 'definitely lost: 1 block, 100 bytes' "$tmp/err"

"$tool" run --cmocka -- "$bin/toy_suite" >"$tmp/out" 2>"$tmp/err"
check "run --cmocka on a plain cmocka suite: exit 1" test $? -eq 1
check "run --cmocka: every test judged per test" grep -q 'cmocka ran 18 tests in 2 groups; leakcheck judged 18' "$tmp/out"
check "run --cmocka: the per-test leaks" grep -q '18 tests: 11 clean, 7 leak' "$tmp/out"
check "run --cmocka: leakcheck's own fds (libdw's) are not reported at exit" \
    bash -c "! grep -q 'libleakcheck.so[^ ]*) open at exit' '$tmp/err'"

"$tool" run --leak-kinds=bogus -- true 2>"$tmp/err"
check "bad --leak-kinds: exit 2" test $? -eq 2
check "bad --leak-kinds: names the accepted kinds" grep -q 'definite,indirect,possible,reachable' "$tmp/err"
check "bad --leak-kinds: one line" test "$(wc -l <"$tmp/err")" -eq 1
"$tool" run -- "$tmp/nope" 2>"$tmp/err"
check "missing program: exit 127, one line" test $? -eq 127 -a "$(wc -l <"$tmp/err")" -eq 1
printf 'x' >"$tmp/notexec"
"$tool" run -- "$tmp/notexec" 2>"$tmp/err"
check "not executable: exit 126" test $? -eq 126
check "not executable: one line" grep -q "is not an executable file" "$tmp/err"
cp "$bin/run_closefds" "$tmp/suid" && chmod u+s "$tmp/suid"
"$tool" run -- "$tmp/suid" 2>"$tmp/err"
check "setuid program: refused, exit 2" test $? -eq 2
check "setuid program: says nothing was run" grep -q "set-user-ID.*nothing was run" "$tmp/err"
exit $fail
