#!/usr/bin/env bash
# The smaller items of issue 10: a NUL byte in a suppressions file, internal
# options from the environment, %e from a crafted argv[0], control characters
# in test names on the console, and `leakcheck baseline update` writing only
# baselines it reads back.
# Usage: test_bad_input.sh PROBE STREAM_PROBE TOOL PYTHON
set -u
probe=$1 sprobe=$2 tool=$3 py=$4
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check
one_line() { test "$(wc -l <"$1")" -eq 1; }

# ---- a NUL byte in a suppressions file ----
printf 'leak:one\nleak:t\0wo\nleak:three\n' >"$tmp/sup.txt"
LEAKCHECK_SUPPRESSIONS=$tmp/sup.txt timeout 60 "$probe" >"$tmp/out" 2>"$tmp/err"
check "NUL in suppressions: exit 2" test $? -eq 2
check "NUL in suppressions: one line with file and line" \
    eval 'one_line "$tmp/err" && grep -q "suppressions file '"'"'$tmp/sup.txt'"'"' line 2: a NUL byte" "$tmp/err"'

# ---- internal options are leakcheck run's ----
mkdir -p "$tmp/result"
for opt in LEAKCHECK_RUN_MODE=1 LEAKCHECK_RUN_DIR=$tmp/result LEAKCHECK_RUN_PID=1; do
    env "$opt" timeout 60 "$probe" >"$tmp/out" 2>"$tmp/err"
    check "${opt%%=*} from the environment: exit 2" test $? -eq 2
    check "${opt%%=*} from the environment: one line" \
        eval 'one_line "$tmp/err" && grep -q "${opt%%=*} is internal to \`leakcheck run\`" "$tmp/err"'
done
check "RUN_DIR refused: nothing written there" test -z "$(ls -A "$tmp/result")"
"$tool" run -- true >/dev/null 2>"$tmp/err"
check "leakcheck run still sets them" test $? -eq 0

# ---- %e from argv[0] ----
mkdir -p "$tmp/reports"
LEAKCHECK_JSON=$tmp/reports/%e.json bash -c 'exec -a "x/.." "$0"' "$probe" >/dev/null 2>&1
check "%e of argv[0] 'x/..': stays in the directory" test -f "$tmp/reports/__.json"
check "%e of argv[0] 'x/..': nothing one level up" test ! -e "$tmp/.json"

# ---- control characters in test names on the console ----
timeout 60 "$probe" hostile >"$tmp/out" 2>&1
check "hostile name: no raw escape character" bash -c "! grep -q $'\x1b' '$tmp/out'"
check "hostile name: no forged CLEAN line" bash -c "! grep -q '^\[  CLEAN \] forged' '$tmp/out'"
check "hostile name: shown escaped" grep -qF 'evil\x1b[2J\x0a[  CLEAN ] forged' "$tmp/out"

# ---- baselines written are baselines read back ----
LEAKCHECK_JSON=$tmp/r.json timeout 60 "$sprobe" >/dev/null 2>&1
"$tool" baseline update "$tmp/bl.json" "$tmp/r.json" >/dev/null 2>"$tmp/err"
check "baseline update: exit 0" test $? -eq 0
"$tool" baseline update "$tmp/bl.json" "$tmp/r.json" >"$tmp/out" 2>"$tmp/err"
check "baseline update: reads its own baseline back" grep -q '0 new, 0 changed' "$tmp/out"
"$tool" compare "$tmp/bl.json" "$tmp/bl.json" >/dev/null 2>"$tmp/err"
check "baseline compare: reads it" test $? -eq 0
LEAKCHECK_BASELINE=$tmp/bl.json timeout 60 "$sprobe" >"$tmp/out" 2>&1
check "the library reads it (0 regressions)" grep -q "baseline '$tmp/bl.json': 0 regressions" "$tmp/out"
"$py" - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
doc = json.load(open(d + "/r.json"))
b = doc["benchmarks"][0]
b["allocs_per_op"] = -3.0          # a corrupt report: a count below zero
doc["benchmarks"][1]["name"] = "a" + "é" * 800  # longer than the key buffer, cut mid-character
json.dump(doc, open(d + "/bad.json", "w"))
doc["benchmarks"][0]["allocs_per_op"] = 1.0
json.dump(doc, open(d + "/long.json", "w"))
PY
cp "$tmp/bl.json" "$tmp/bl.before"
"$tool" baseline update "$tmp/bl.json" "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"
check "unreadable update: exit 2" test $? -eq 2
check "unreadable update: one line naming why" \
    eval 'one_line "$tmp/err" && grep -q "would not read back: benchmarks.*allocs is negative (not written)" "$tmp/err"'
check "unreadable update: the old baseline untouched" cmp -s "$tmp/bl.json" "$tmp/bl.before"
"$tool" baseline update "$tmp/bl.json" "$tmp/long.json" >"$tmp/out" 2>"$tmp/err"
check "long UTF-8 name: written" test $? -eq 0
check "long UTF-8 name: its entry is there (cut at a character)" "$py" -c '
import json, sys
keys = json.load(open(sys.argv[1]))["benchmarks"]
assert any(k.startswith("group_b::aéé") for k in keys), list(keys)' "$tmp/bl.json"
"$tool" baseline update "$tmp/bl.json" "$tmp/long.json" >"$tmp/out" 2>"$tmp/err"
check "long UTF-8 name: read back" grep -q '0 new, 0 changed' "$tmp/out"
# the library's LEAKCHECK_BASELINE_UPDATE writes a baseline the tool reads back
LEAKCHECK_BASELINE=$tmp/lib.json LEAKCHECK_BASELINE_UPDATE=1 timeout 60 "$sprobe" >/dev/null 2>&1
LEAKCHECK_BASELINE=$tmp/lib.json LEAKCHECK_BASELINE_UPDATE=1 timeout 60 "$probe" hostile >/dev/null 2>&1
"$tool" baseline update "$tmp/lib.json" "$tmp/r.json" >"$tmp/out" 2>"$tmp/err"
check "library-written baseline: the tool reads it back" test $? -eq 0
exit $fail
