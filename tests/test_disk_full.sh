#!/usr/bin/env bash
# A full disk never damages a report (report_stream.c, safe_write.c): on a
# tiny tmpfs, a report that outgrows the disk keeps its last complete version
# and says so in one line, a previous good report is never replaced by a
# failed write, and the console still shows every test. Needs root (mount);
# skipped with exit 77 otherwise.
# Usage: test_disk_full.sh REPORTS_BENCH SAFETY_PROBE PYTHON
set -u
bench=$1 probe=$2 py=$3
if [ "$(id -u)" -ne 0 ]; then
    echo "skip: mounting a tiny tmpfs needs root"
    exit 77
fi
tmp=$(mktemp -d)
mnt=$tmp/full
mkdir "$mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$tmp/mount.err"; then
    echo "skip: cannot mount a tmpfs: $(cat "$tmp/mount.err")"
    rm -rf "$tmp"
    exit 77
fi
trap 'umount "$mnt"; rm -rf "$tmp"' EXIT
fail=0
check() { # description, command...
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
ntests() { "$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tests"]))' "$1" 2>/dev/null; }

# ---- a report that outgrows the disk ----
LEAKCHECK_JSON=$mnt/big.json LEAKCHECK_JUNIT= timeout 120 "$bench" 300 >"$tmp/out" 2>&1
check "outgrown: the run finishes, and fails for the report it could not write (exit 1)" \
    test $? -eq 1
check "outgrown: one line says why the exit status is 1" \
    grep -q '\[leakcheck\] 1 report could not be written (said above): exit status 1' "$tmp/out"
n=$(ntests "$mnt/big.json")
check "outgrown: the report is its last complete version (valid JSON, $n tests)" test -n "$n"
check "outgrown: some tests are in it" test "${n:-0}" -gt 0 -a "${n:-0}" -lt 300
check "outgrown: one line names the report and the cause" \
    test "$(grep -c "leakcheck: cannot write report '$mnt/big.json': No space left on device" "$tmp/out")" -eq 1
check "outgrown: the console still has every test" grep -q '\[leakcheck\] 300 tests: 300 clean' "$tmp/out"
check "outgrown: no temp file left" test -z "$(ls -A "$mnt" | grep lctmp)"

# ---- a previous good report and a disk with no room for the next ----
rm -f "$mnt/big.json"
LEAKCHECK_JSON=$mnt/good.json timeout 60 "$probe" >/dev/null 2>&1
cp "$mnt/good.json" "$tmp/good.json"
head -c 1000000 /dev/zero >"$mnt/filler" 2>/dev/null # fill the disk
LEAKCHECK_JSON=$mnt/good.json timeout 60 "$probe" >"$tmp/out" 2>&1
rc=$?
check "full disk: the run fails (exit $rc, not 0)" test $rc -ne 0
check "full disk: the previous good report is untouched" cmp -s "$mnt/good.json" "$tmp/good.json"
check "full disk: one line names it" \
    test "$(grep -c "leakcheck: cannot write report '$mnt/good.json': No space left on device" "$tmp/out")" -eq 1
check "full disk: the console still has the verdicts" grep -q 'LEAK.*probe_leaks' "$tmp/out"
check "full disk: no temp file left" test -z "$(ls -A "$mnt" | grep lctmp)"
exit $fail
