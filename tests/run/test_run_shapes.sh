#!/usr/bin/env bash
# Shapes found by running everyday programs under `leakcheck run` beside
# memcheck (README "leakcheck run", "Everyday programs against memcheck"),
# each as a small program of ours:
#   late_fini   a library's destructor closes what its constructor opened
#               (libuv's signal pipe in cmake): judged after that destructor.
#   pipe_writer a followed process killed by SIGPIPE (seq in `seq | head`)
#               is named, never silently missing from the report.
#   exit_regs   a block whose only pointer is in a callee-saved register of
#               the frame calling exit() (busybox sort's line array in rbx)
#               is reachable, as memcheck says; cleared first, it is lost.
#   ulimit -v   under an address-space limit the stack depot leaves room for
#               the exit scan (ls under ulimit -v 120000 had every block
#               "definitely lost" after 'reachability scan failed').
#   exit_no_room a program that leaves the exit check no address space:
#               memory not judged (exit 125, one line), never "no leaks"
#               nor its blocks called lost; with room, the block is lost.
# Usage: test_run_shapes.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check

# -- a library that cleans up in its destructor, after libleakcheck's
"$tool" run -- "$bin/late_fini" 2>"$tmp/err"
rc=$?
check "late_fini: exit 0 (the destructor closed its pipe)" test $rc -eq 0
check "late_fini: no leaks" grep -q 'late_fini (pid [0-9]*): no leaks' "$tmp/err"
LC_LATE_FINI_KEEP=1 "$tool" run -- "$bin/late_fini" 2>"$tmp/err"
rc=$?
check "late_fini kept: exit 1" test $rc -eq 1
check "late_fini kept: both pipe fds, opened in late_fini_open" \
    test "$(grep -Ec 'fd [0-9]+ \(pipe:\[[0-9]+\]\) open at exit' "$tmp/err")" -eq 2 \
    -a "$(grep -Ec '#0 +late_fini_open \(.*late_fini_lib\.c:[0-9]+\)' "$tmp/err")" -eq 2

# -- a followed child that dies of SIGPIPE, and its twin that finishes
mkdir "$tmp/t"
TMPDIR=$tmp/t "$tool" run --follow-children -- sh -c "'$bin/pipe_writer' | head -1 >/dev/null" \
    2>"$tmp/err"
rc=$?
check "pipe_writer | head: exit 0 (sh and head are clean)" test $rc -eq 0
check "pipe_writer | head: head reported" grep -q 'head (pid [0-9]*): no leaks' "$tmp/err"
check "pipe_writer | head: the killed writer named" grep -Eq \
    '^leakcheck: run: pipe_writer \(pid [0-9]+\), followed, left no leak report: it was killed by a signal' \
    "$tmp/err"
check "pipe_writer | head: the run directory removed" test -z "$(ls -A "$tmp/t")"
TMPDIR=$tmp/t "$tool" run --follow-children -- sh -c "'$bin/pipe_writer' 100 | head -1000 >/dev/null" \
    2>"$tmp/err"
rc=$?
check "pipe_writer 100: exit 0" test $rc -eq 0
check "pipe_writer 100: its own report" grep -q 'pipe_writer (pid [0-9]*): no leaks' "$tmp/err"
check "pipe_writer 100: no process left unreported" bash -c "! grep -q 'left no leak report' '$tmp/err'"
check "pipe_writer 100: the run directory removed" test -z "$(ls -A "$tmp/t")"

# -- the exit path's saved registers are the program's roots
for way in exit _exit; do
    "$tool" run --json="$tmp/r.json" -- "$bin/exit_regs" keep $way 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 77 ]; then
        echo "skip exit_regs: not x86-64"
        break
    fi
    check "exit_regs keep $way: exit 0" test $rc -eq 0
    check "exit_regs keep $way: the block reachable" \
        grep -q 'still reachable: 1 block, 4000 bytes' "$tmp/err"
    "$tool" run -- "$bin/exit_regs" drop $way 2>"$tmp/err"
    rc=$?
    check "exit_regs drop $way: exit 1" test $rc -eq 1
    check "exit_regs drop $way: definitely lost in make_block" grep -Eq \
        '#0 +make_block \(.*exit_regs\.c:[0-9]+\)' "$tmp/err"
    check "exit_regs drop $way: 1 block" grep -q 'definitely lost: 1 block, 4000 bytes' "$tmp/err"
done

# -- address-space limits: checked (or not checked, 125), never a failed scan
bad=
for v in $(seq 76000 4000 400000); do
    (ulimit -v $v && exec "$tool" run -- ls / >/dev/null 2>"$tmp/err")
    rc=$?
    if grep -q 'reachability scan failed\|memory not judged' "$tmp/err" || { [ $rc -ne 0 ] && [ $rc -ne 125 ]; }; then
        bad="$bad $v(exit $rc)"
    fi
done
: >"$tmp/err"
check "ls / under ulimit -v 76000..400000 KiB: every run checked or not checked, no failed scan${bad:+:$bad}" \
    test -z "$bad"

# -- no room for the exit check: not judged, never clean, never all lost
bad= listed=0 scanned=0 judged=0
for slack in $(seq 0 16 512); do
    "$tool" run -- "$bin/exit_no_room" $slack 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 125 ] && grep -q 'memory not judged (no memory to list the live blocks' "$tmp/err"; then
        listed=$((listed + 1))
    elif [ $rc -eq 125 ] && grep -q 'memory not judged (the reachability scan at exit failed' "$tmp/err" &&
        grep -q 'not classified: 1 block, 100 bytes in 1 site' "$tmp/err"; then
        scanned=$((scanned + 1))
    elif [ $rc -eq 1 ] && grep -q 'definitely lost: 1 block, 100 bytes in 1 site' "$tmp/err" &&
        grep -Eq '#0 +main \(.*exit_no_room\.c:[0-9]+\)' "$tmp/err"; then
        judged=$((judged + 1))
    else
        bad="$bad $slack(exit $rc)"
    fi
    if grep -q 'no leaks' "$tmp/err"; then
        bad="$bad $slack(no leaks)"
    fi
done
check "exit_no_room, 0..512 KiB of room: each run not judged (125) or the block lost (1)${bad:+:$bad}" \
    test -z "$bad"
check "exit_no_room: no room at all: not judged ($listed runs)" test $listed -ge 1
check "exit_no_room: room to list, not to scan: not judged ($scanned runs)" test $scanned -ge 1
check "exit_no_room: room enough: the block definitely lost in main ($judged runs)" test $judged -ge 1

exit $fail
