#!/usr/bin/env bash
# `leakcheck run` while the program runs (tests/run/live_server.c, stepped
# through its stdin, never by sleeping): a cache grown between two snapshots
# (by `leakcheck snapshot PID` and by the signal itself) shows exactly that
# growth at cache_store in the profiles and in `leakcheck diff`; snapshots of
# four churning threads each hold exactly their kept blocks; the program's
# own SIGUSR2 handler wins, installed later or before leakcheck's constructor
# (one line, its handler runs, no snapshot); the time
# series is monotone where it must be; --snapshot-every writes on its own; --sample scales within a tolerance
# derived from the binomial law and keeps counts exact; bad input gets one
# line. Usage: test_live.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
here=$(cd "$(dirname "$0")" && pwd)
read_pprof="python3 $here/pprof_read.py"
tmp=$(mktemp -d)
trap "${KEEP_TMP:+:} rm -rf $tmp" EXIT
fail=0
check() { # description, command...
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

# srv_start OPTION...: leakcheck run OPTIONS -- live_server, as a coprocess;
# its stderr (the tool's lines) comes through a FIFO read by wait_err.
srv_start() {
    rm -f "$tmp/errfifo" "$tmp/err.log"
    mkfifo "$tmp/errfifo"
    coproc SRV { exec "$tool" run "$@" -- "$bin/live_server" 2>"$tmp/errfifo"; }
    exec {ERR}<"$tmp/errfifo"
    read -r -t 60 -u "${SRV[0]}" _ pid || { echo "FAIL live_server did not start"; exit 1; }
}
say() { # a command; waits for its answer (in $ans)
    echo "$*" >&"${SRV[1]}"
    read -r -t 60 -u "${SRV[0]}" ans || ans="(no answer)"
}
wait_err() { # regex: reads the tool's lines until one matches
    local l
    while IFS= read -r -t 60 -u "$ERR" l; do
        echo "$l" >>"$tmp/err.log"
        [[ $l =~ $1 ]] && return 0
    done
    return 1
}
srv_stop() { # sends quit; the tool's exit status in $rc, its lines in err.log
    local tool_pid=$SRV_PID
    say quit
    eval "exec ${SRV[1]}>&-"
    cat <&"$ERR" >>"$tmp/err.log"
    exec {ERR}<&-
    wait "$tool_pid"
    rc=$?
}
# leaf PROFILE FUNCTION [BASE]: "inuse_objects inuse_space" at FUNCTION
leaf() {
    $read_pprof "$1" ${3:+"$3"} | python3 -c '
import json, sys
p = json.load(sys.stdin)
v = p["leaf"].get(sys.argv[1], [0, 0, 0, 0])
i = p["types"].index("inuse_objects")
print(v[i], v[p["types"].index("inuse_space")])' "$2"
}

# ---- two snapshots around a growing cache ----
srv_start --snapshot-signal=SIGUSR2 --snapshot-pprof="$tmp/grow.%n.pb.gz" --json="$tmp/g.json"
say grow 10
"$tool" snapshot "$pid" 2>"$tmp/snap.err"
check "leakcheck snapshot PID: exit 0" test $? -eq 0
check "leakcheck snapshot PID: says what it sent" grep -q "sent SIGUSR2 to pid $pid" "$tmp/snap.err"
check "snapshot 1 written" wait_err "snapshot 1 at .* -> $tmp/grow.1.pb.gz"
say grow 25
kill -USR2 "$pid"
check "snapshot 2 (the signal itself) written" wait_err "snapshot 2 at .* -> $tmp/grow.2.pb.gz"
srv_stop
check "clean server: exit 0" test "$rc" -eq 0
check "clean server: no leaks" grep -q "live_server (pid $pid): no leaks" "$tmp/err.log"
check "snapshot 1: 10 entries at cache_store" test "$(leaf "$tmp/grow.1.pb.gz" cache_store)" = "10 640"
check "snapshot 2: 35 entries at cache_store" test "$(leaf "$tmp/grow.2.pb.gz" cache_store)" = "35 2240"
$read_pprof "$tmp/grow.2.pb.gz" "$tmp/grow.1.pb.gz" >"$tmp/delta.json"
check "between the snapshots only cache_store grew, by 25 entries" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
i, j = d["types"].index("inuse_objects"), d["types"].index("inuse_space")
grew = dict((k, (v[i], v[j])) for k, v in d["leaf"].items() if v[i] or v[j])
sys.exit(0 if grew == {"cache_store": (25, 1600)} else print(grew) or 1)' "$tmp/delta.json"
"$tool" diff "$tmp/grow.1.pb.gz" "$tmp/grow.2.pb.gz" >"$tmp/diff.out" 2>&1
check "leakcheck diff: exit 1 (something grew)" test $? -eq 1
check "leakcheck diff: +1600 B, +25 objects in all" grep -q "+1600 B, +25 objects" "$tmp/diff.out"
check "leakcheck diff: the growth at cache_store" grep -Eq 'cache_store.*live_server\.c' "$tmp/diff.out"
check "a snapshot run's JSON: no series, sampling null" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if "series" not in d and d["sampling"] is None else 1)' "$tmp/g.json"

# ---- snapshots under load from four threads ----
srv_start --snapshot-signal=SIGUSR2 --snapshot-pprof="$tmp/load.%n.pb.gz"
say load 4
for n in 1 2; do
    "$tool" snapshot "$pid" 2>/dev/null
    check "under load: snapshot $n written" wait_err "snapshot $n at .* -> $tmp/load.$n.pb.gz"
done
kill -USR2 "$SRV_PID" # leakcheck run itself passes the signal on
check "under load: snapshot 3 (the signal sent to leakcheck run) written" \
    wait_err "snapshot 3 at .* -> $tmp/load.3.pb.gz"
say unload
srv_stop
check "under load: exit 0, no leaks" test "$rc" -eq 0
for n in 1 2 3; do
    check "under load: snapshot $n holds the 400 kept blocks at worker_keep" \
        test "$(leaf "$tmp/load.$n.pb.gz" worker_keep)" = "400 19200"
done

# ---- periodic snapshots ----
srv_start --snapshot-every=1 --snapshot-pprof="$tmp/every.%n.pb.gz"
say grow 7
check "--snapshot-every: a snapshot arrives by itself" wait_err "snapshot 1 at [0-9.]+ s: .* -> $tmp/every.1.pb.gz"
srv_stop
check "--snapshot-every: exit 0" test "$rc" -eq 0
check "--snapshot-every: the profile holds the 7 entries" test "$(leaf "$tmp/every.1.pb.gz" cache_store)" = "7 448"

# ---- the program installs its own SIGUSR2 handler ----
srv_start --snapshot-signal=SIGUSR2 --snapshot-pprof="$tmp/own.%n.pb.gz"
say handler
check "own handler: one line says the program's handler wins" \
    wait_err "SIGUSR2 is now handled by the program: snapshots by signal are off"
kill -USR2 "$pid"
say usr2 1
check "own handler: the program's handler ran" test "$ans" = "usr2 1"
srv_stop
check "own handler: exit 0" test "$rc" -eq 0
check "own handler: no snapshot written" test ! -e "$tmp/own.1.pb.gz"
check "own handler: nothing said about a snapshot" bash -c "! grep -q snapshot.*-\\> '$tmp/err.log'"

# ---- a handler installed before leakcheck's constructor (a preloaded library's) ----
LD_PRELOAD="$bin/liblive_preinstall.so" srv_start --snapshot-signal=SIGUSR2 \
    --snapshot-pprof="$tmp/pre.%n.pb.gz"
check "handler from before start-up: one line, the program's handler wins" \
    wait_err "SIGUSR2 already has a handler in the program: snapshots by signal are off"
kill -USR2 "$pid"
say grow 1
srv_stop
check "handler from before start-up: the program survived the signal, exit 0" test "$rc" -eq 0
check "handler from before start-up: no snapshot" test ! -e "$tmp/pre.1.pb.gz"

# ---- memory over time ----
srv_start --stats-interval=2 --json="$tmp/t.json"
say grow 2000
say load 2
say unload
srv_stop
check "series: exit 0" test "$rc" -eq 0
check "series: monotone counters, peak above live, last point at exit" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["series"]
keys = ["t_ms", "allocs", "frees", "live_blocks", "live_bytes", "peak_bytes", "threads", "fds"]
assert s and all(sorted(p) == sorted(keys) for p in s), s[:2]
for a, b in zip(s, s[1:]):
    assert b["t_ms"] >= a["t_ms"] and b["allocs"] >= a["allocs"] and b["frees"] >= a["frees"], (a, b)
    assert b["peak_bytes"] >= a["peak_bytes"], (a, b)
for p in s:
    assert p["peak_bytes"] >= p["live_bytes"] and p["live_blocks"] == p["allocs"] - p["frees"], p
last = s[-1]
assert last["threads"] == 1, last   # the workers joined; the helper thread is not counted
assert last["peak_bytes"] >= 2000 * 64, last   # the cache was live once
' "$tmp/t.json"
# one point when the sampler thread was not scheduled before exit (a loaded
# machine): the point taken at exit is always there
check "series: the console line" grep -Eq 'live_server \(pid [0-9]+\): over [0-9.]+ s \([0-9]+ points?\)' "$tmp/err.log"

# ---- sampling ----
# N blocks of S bytes at sampled_site with a mean of R bytes between samples:
# each is sampled with p = 1 - exp(-S/R); the scaled estimate k/p of N has a
# standard deviation of sqrt(N (1 - p) / p); five of them are allowed.
N=20000 S=256 R=4096
sampled_run() { # N: the blocks; the JSON in $tmp/s$1.json, a snapshot in $tmp/s$1.1.pb.gz
    srv_start --sample=${R} --stats-interval=3600000 --snapshot-signal=SIGUSR2 \
        --snapshot-pprof="$tmp/s$1.%n.pb.gz" --json="$tmp/s$1.json"
    say sample "$1" "$S"
    kill -USR2 "$pid"
    wait_err "snapshot 1 at"
    srv_stop
}
sampled_run "$N"
check "sampled: exit 0" test "$rc" -eq 0
check "sampled: memory not judged (never 'no leaks')" grep -q "memory not judged (--sample=$R" "$tmp/err.log"
sampled_run 0
check "sampled: exact counts (allocs and frees differ by exactly N)" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["series"][-1]
b = json.load(open(sys.argv[2]))["series"][-1]
n = int(sys.argv[3])
sys.exit(0 if a["allocs"] - b["allocs"] == n and a["frees"] - b["frees"] == n else print(a, b) or 1)
' "$tmp/s$N.json" "$tmp/s0.json" "$N"
check "sampled: the JSON says the rate" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["sampling"] == {"bytes": int(sys.argv[2])} and d["tests"][0]["verdict"] == "skipped" else 1)
' "$tmp/s$N.json" "$R"
read -r objs bytes <<<"$(leaf "$tmp/s$N.1.pb.gz" sampled_site)"
check "sampled: the profile's estimate of $N blocks is within 5 sigma (got $objs)" python3 -c '
import math, sys
n, s, r, est, space = map(float, sys.argv[1:6])
p = 1 - math.exp(-s / r)
sigma = math.sqrt(n * (1 - p) / p)
sys.exit(0 if abs(est - n) <= 5 * sigma and abs(space - est * s) <= s * 2 else 1)
' "$N" "$S" "$R" "$objs" "$bytes"
check "sampled: the profile holds k sampled blocks scaled by 1/p (k a fraction of N)" python3 -c '
import math, sys
n, s, r, est = map(float, sys.argv[1:5])
p = 1 - math.exp(-s / r)
k = round(est * p)
sys.exit(0 if 0 < k < n / 4 and abs(k / p - est) <= 1 else 1)
' "$N" "$S" "$R" "$objs"

# four threads churning, exact and sampled: the same blocks live at exit
for mode in exact sampled; do
    opt=()
    [ "$mode" = sampled ] && opt=(--sample=$R)
    srv_start "${opt[@]}" --stats-interval=3600000 --json="$tmp/tw.$mode.json"
    say load 4
    say unload
    srv_stop
done
check "sampled with four threads: live blocks at exit as in the exact run" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["series"][-1]
b = json.load(open(sys.argv[2]))["series"][-1]
sys.exit(0 if a["live_blocks"] == b["live_blocks"] == a["allocs"] - a["frees"] else print(a, b) or 1)
' "$tmp/tw.exact.json" "$tmp/tw.sampled.json"

# ---- bad input ----
"$tool" run --snapshot-signal=SIGBOGUS -- /bin/true 2>"$tmp/bad"
check "a signal that does not exist: exit 2" test $? -eq 2
check "a signal that does not exist: one line naming it" \
    bash -c "test \$(wc -l <'$tmp/bad') -eq 1 && grep -q \"SIGBOGUS' is not a signal\" '$tmp/bad'"
"$tool" run --snapshot-signal=SIGSEGV -- /bin/true 2>"$tmp/bad"
check "a reserved signal: exit 2, one line" \
    bash -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad') -eq 1 && grep -q 'SIGSEGV reports a fault' '$tmp/bad'"
(trap '' USR2; exec "$tool" run --snapshot-signal=USR2 -- /bin/true) 2>"$tmp/bad"
check "an inherited ignored signal: exit 2, one line, nothing run" \
    bash -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad') -eq 1 && grep -q 'SIGUSR2 is ignored.*nothing was run' '$tmp/bad'"
"$tool" run --sample=12XB -- /bin/true 2>"$tmp/bad"
check "a bad size: exit 2, one line" \
    bash -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad') -eq 1 && grep -q \"LEAKCHECK_SAMPLE='12XB' is not a size\" '$tmp/bad'"
"$tool" snapshot $$ 2>"$tmp/bad"
check "snapshot of a process leakcheck run did not start: exit 2, one line" \
    bash -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad') -eq 1 && grep -q 'is not a program leakcheck run started' '$tmp/bad'"
"$tool" snapshot 999999999 2>"$tmp/bad"
check "snapshot of no process: exit 2, one line" \
    bash -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad') -eq 1"
"$tool" snapshot abc 2>"$tmp/bad"
check "snapshot of a non-number: exit 2" test $? -eq 2
srv_start --stats-interval=1000
"$tool" snapshot "$pid" 2>"$tmp/bad"
check "snapshot of a run without --snapshot-signal: exit 2, one line" \
    bash -c "test $? -eq 2 && grep -q 'without --snapshot-signal' '$tmp/bad'"
srv_stop
check "that run still ends cleanly" test "$rc" -eq 0
exit $fail
