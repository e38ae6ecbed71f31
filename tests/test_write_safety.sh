#!/usr/bin/env bash
# Report files that cannot be hijacked (safe_write.c): symlinks, FIFOs and
# device nodes planted at a report path and at predictable temp names; a
# directory and a socket at the path; orphan temp files. Checks that nothing
# outside the report is touched, that nothing hangs (every run bounded by
# timeout) and that each refusal is one line naming the path. The links of
# "another user" are planted as nobody when this runs as root; otherwise that
# part is skipped with a message.
# Usage: test_write_safety.sh PROBE TOOL PYTHON
set -u
probe=$1 tool=$2 py=$3
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check
chmod 1777 "$tmp" # a shared, sticky directory like /tmp
valid_json() { "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
run_probe() { # json-path junit-path: runs the probe, stderr in $tmp/err
    env -u LEAKCHECK_JSON -u LEAKCHECK_JUNIT LEAKCHECK_JSON="$1" LEAKCHECK_JUNIT="$2" \
        LEAKCHECK_EXIT_CODE=0 timeout 60 "$probe" >"$tmp/out" 2>"$tmp/err"
}
victim=$tmp/victim
printf 'secret\n' >"$victim"
chmod 600 "$victim"
untouched() { test "$(cat "$victim")" = secret && test "$(stat -c %a "$victim")" = 600; }
as_root=0
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && as_root=1
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# ---- a plain run: regular files, mode 0644 minus the umask ----
(umask 027 && run_probe "$tmp/r.json" "$tmp/r.xml")
check "plain: exit 0" test $? -eq 0
check "plain: JSON valid" valid_json "$tmp/r.json"
check "plain: JUnit well formed" xmllint --noout "$tmp/r.xml"
check "plain: mode 0644 minus umask 027" test "$(stat -c %a "$tmp/r.json")" = 640
check "plain: no temp file left" test -z "$(ls -A "$tmp" | grep lctmp)"

# ---- symlinks at the report path ----
if [ $as_root -eq 1 ] && ! as_nobody ln -s "$victim" "$tmp/hijack.json" 2>/dev/null; then
    echo "skip foreign-user symlinks: nobody cannot reach $tmp (TMPDIR not world-searchable?)"
    as_root=0
elif [ $as_root -eq 1 ]; then
    run_probe "$tmp/hijack.json" ""
    check "foreign symlink: victim untouched" untouched
    check "foreign symlink: link left as it is" test -L "$tmp/hijack.json"
    check "foreign symlink: one line names the path" \
        grep -qx "leakcheck: cannot write report '$tmp/hijack.json': a symlink owned by another user (not followed)" "$tmp/err"
    check "foreign symlink: said once" test "$(grep -c hijack.json "$tmp/err")" -eq 1
else
    echo "skip foreign-user symlinks: not root (cannot plant links as another user)"
fi
ln -s "$tmp/not-there" "$tmp/dangling.json"
run_probe "$tmp/dangling.json" ""
check "dangling symlink: nothing created" test ! -e "$tmp/not-there"
check "dangling symlink: one line" grep -q "cannot write report '$tmp/dangling.json': a symlink to a missing file" "$tmp/err"
ln -s "$tmp/mine.json" "$tmp/own-link.json"
: >"$tmp/mine.json"
run_probe "$tmp/own-link.json" ""
check "own symlink: followed, target replaced with the report" valid_json "$tmp/mine.json"
check "own symlink: still a link" test -L "$tmp/own-link.json"

# ---- FIFOs and devices at the report path ----
mkfifo "$tmp/fifo.json"
run_probe "$tmp/fifo.json" ""
check "FIFO without reader: no hang (timeout not hit)" test $? -ne 124
check "FIFO without reader: still a FIFO" test -p "$tmp/fifo.json"
check "FIFO without reader: one line" grep -q "cannot write report '$tmp/fifo.json': a FIFO with no reader" "$tmp/err"
# the reader opens the FIFO before the probe starts (no race, no sleep) and
# reads while it runs
"$py" - "$tmp/fifo.json" "$tmp/from-fifo" "$probe" <<'PY'
import os, select, subprocess, sys
fifo, out, probe = sys.argv[1:4]
fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
env = dict(os.environ, LEAKCHECK_JSON=fifo, LEAKCHECK_JUNIT="")
p = subprocess.Popen([probe], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
data = b""
while True:
    r, _, _ = select.select([fd], [], [], 0.2)
    chunk = os.read(fd, 65536) if r else b""
    data += chunk
    if not chunk and p.poll() is not None:
        break
p.wait(timeout=60)
open(out, "wb").write(data)
PY
check "FIFO with reader: the reader gets the whole report" valid_json "$tmp/from-fifo"
check "FIFO with reader: still a FIFO" test -p "$tmp/fifo.json"
run_probe /dev/null /dev/null
check "/dev/null: still a character device" test -c /dev/null
check "/dev/null: no error" eval "! grep -q \"cannot write\" \"$tmp/err\""
if [ $as_root -eq 1 ] && ! mknod "$tmp/null.json" c 1 3 2>/dev/null; then
    echo "skip device nodes made with mknod: not permitted here (a container without CAP_MKNOD?)"
elif [ $as_root -eq 1 ]; then
    run_probe "$tmp/null.json" "$tmp/null.json"
    check "device node at the path: still a character device" test -c "$tmp/null.json"
    run_probe "$tmp/r2.json" /dev/full
    check "/dev/full: still a character device" test -c /dev/full
    check "/dev/full: one line" grep -q "cannot write report '/dev/full': No space left on device" "$tmp/err"
else
    echo "skip device nodes made with mknod: not root"
fi
LEAKCHECK_JSON="" LEAKCHECK_JUNIT=/dev/stdout timeout 60 "$probe" 2>/dev/null | grep -q '<testsuites'
check "/dev/stdout: the JUnit report arrives on stdout" test $? -eq 0
echo first >"$tmp/stdout.txt"
LEAKCHECK_JSON="" LEAKCHECK_JUNIT=/dev/stdout timeout 60 "$probe" >>"$tmp/stdout.txt" 2>/dev/null
check "/dev/stdout redirected to a file: appended, nothing overwritten" \
    eval 'test "$(head -1 "$tmp/stdout.txt")" = first && grep -q "<testsuites" "$tmp/stdout.txt"'
mkdir "$tmp/dir.json"
run_probe "$tmp/dir.json" ""
check "directory: refused in one line" grep -q "cannot write report '$tmp/dir.json': a directory" "$tmp/err"
"$py" -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/sock.json"
run_probe "$tmp/sock.json" ""
check "socket: refused in one line" grep -q "cannot write report '$tmp/sock.json': a socket" "$tmp/err"
check "socket: still a socket" test -S "$tmp/sock.json"

# ---- predictable temp names: the old PATH.tmp.PID and guesses of ours ----
plant=ln
[ $as_root -eq 1 ] && plant="as_nobody ln"
for i in $(seq 1 300); do
    $plant -s "$victim" "$tmp/t.json.tmp.$(($$ + i))" 2>/dev/null
done
mkfifo "$tmp/t.json.tmp.$(($$ + 301))"
mknod "$tmp/t.json.tmp.$(($$ + 302))" c 1 3 2>/dev/null || ln -s /dev/null "$tmp/t.json.tmp.$(($$ + 302))"
mknod "$tmp/.t.json.lctmp-$(($$ + 4))-0000000000000000" c 1 3 2>/dev/null ||
    ln -s /dev/null "$tmp/.t.json.lctmp-$(($$ + 4))-0000000000000000"
for g in 0 1 2 3; do $plant -s "$victim" "$tmp/.t.json.lctmp-$(($$ + g))-0000000000000000"; done
listing() { (cd "$tmp" && find . -printf '%p %y %s %T@\n' | grep -v -e '^\./err ' -e '^\./out ' | sort); }
listing >"$tmp/../before.$$"
run_probe "$tmp/t.json" "$tmp/t.xml"
check "planted temp names: run finished" test $? -eq 0
listing >"$tmp/../after.$$"
check "planted temp names: nothing else in the directory changed" \
    test "$(diff "$tmp/../before.$$" "$tmp/../after.$$" | grep '^[<>]' | grep -v -e ' \./t\.json ' -e ' \./t\.xml ' -e '^< \. ' -e '^> \. ')" = ""
rm -f "$tmp/../before.$$" "$tmp/../after.$$"
check "planted temp names: victim untouched" untouched
check "planted temp names: report written" valid_json "$tmp/t.json"
check "planted temp names: planted links still links" test -L "$tmp/t.json.tmp.$(($$ + 1))"

# ---- orphan temp files (a writer killed by SIGKILL) ----
true &
dead=$!
wait $dead
printf 'half' >"$tmp/.o.json.lctmp-$dead-0123456789abcdef"
ln -s "$victim" "$tmp/.o.json.lctmp-$dead-fedcba9876543210"
printf 'busy' >"$tmp/.o.json.lctmp-$$-0123456789abcdef"
run_probe "$tmp/o.json" ""
check "orphan of a dead writer removed" test ! -e "$tmp/.o.json.lctmp-$dead-0123456789abcdef"
check "orphan symlink left alone, victim untouched" eval 'test -L "$tmp/.o.json.lctmp-$dead-fedcba9876543210" && untouched'
check "temp file of a live writer kept" test -e "$tmp/.o.json.lctmp-$$-0123456789abcdef"

# ---- the tool writes through the same helper ----
"$tool" report "$tmp/r.json" --junit /dev/null >/dev/null 2>"$tmp/err"
check "leakcheck report --junit /dev/null: still a character device" test -c /dev/null
if [ $as_root -eq 1 ]; then
    as_nobody ln -s "$victim" "$tmp/tool.xml"
    "$tool" report "$tmp/r.json" --junit "$tmp/tool.xml" >/dev/null 2>"$tmp/err"
    check "tool: foreign symlink refused, victim untouched" untouched
    check "tool: one line" grep -q "leakcheck: report: cannot write '$tmp/tool.xml': a symlink owned by another user" "$tmp/err"
fi
exit $fail
