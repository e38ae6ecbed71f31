#!/usr/bin/env bash
# `leakcheck report` on reports whose arrays disagree (tools/report.c): a
# growth_bytes shorter or longer than growth, or present without growth, is
# one line naming the field and exit 2, never a read past the array. When
# valgrind is installed, the tool also runs under memcheck on the bad file and
# on the good one, with no error.
# Usage: test_report_input.sh TOOL PROBE PYTHON
set -u
tool=$1 probe=$2 py=$3
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check
LEAKCHECK_JSON=$tmp/good.json timeout 60 "$probe" >/dev/null 2>&1
"$py" - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
doc = json.load(open(d + "/good.json"))
f = next(f for t in doc["tests"] for f in t["findings"] if f["kind"] == "memory")
assert len(f["growth"]) > 1, f
def variant(name, change):
    g = json.load(open(d + "/good.json"))
    m = next(f for t in g["tests"] for f in t["findings"] if f["kind"] == "memory")
    change(m)
    json.dump(g, open(d + "/" + name + ".json", "w"))
variant("short", lambda m: m.update(growth_bytes=m["growth_bytes"][:1]))
variant("long", lambda m: m.update(growth_bytes=m["growth_bytes"] + [1] * 1000))
variant("nogrowth", lambda m: m.pop("growth"))
PY
"$tool" report "$tmp/good.json" >/dev/null 2>"$tmp/err"
check "good report: exit 0" test $? -eq 0
for v in short long nogrowth; do
    "$tool" report "$tmp/$v.json" >"$tmp/out" 2>"$tmp/err"
    check "$v growth_bytes: exit 2" test $? -eq 2
    check "$v growth_bytes: one line naming the field" \
        eval 'test "$(wc -l <"$tmp/err")" -eq 1 && grep -q "growth_bytes has [0-9]* entr[a-z]*, growth has [0-9]*" "$tmp/err"'
done
if command -v valgrind >/dev/null; then
    for v in good short; do
        valgrind -q --error-exitcode=99 "$tool" report "$tmp/$v.json" >/dev/null 2>"$tmp/vg"
        check "valgrind: no memcheck error on the $v report" test $? -ne 99
    done
else
    echo "skip valgrind runs: valgrind is not installed"
fi
exit $fail
