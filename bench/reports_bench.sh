#!/usr/bin/env bash
# reports_bench.sh: times reports_bench (N trivial leakcheck tests) without
# reports and with JSON + JUnit, and checks that the reports it wrote are
# complete (N tests in each). Prints both wall times and their ratio.
# Usage: bench/reports_bench.sh BINARY [N] [PYTHON]
#   e.g. bench/reports_bench.sh build/out/reports_bench 1000
set -u
bin=$1 n=${2:-1000} py=${3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
t0=$(now)
env -u LEAKCHECK_JSON -u LEAKCHECK_JUNIT "$bin" "$n" >/dev/null 2>&1 || { echo "FAIL run without reports"; exit 1; }
t1=$(now)
LEAKCHECK_JSON=$tmp/r.json LEAKCHECK_JUNIT=$tmp/r.xml "$bin" "$n" >/dev/null 2>"$tmp/err" ||
    { echo "FAIL run with reports"; cat "$tmp/err"; exit 1; }
t2=$(now)
"$py" - "$tmp/r.json" "$tmp/r.xml" "$n" <<'PY' || exit 1
import json, sys, xml.etree.ElementTree as ET
j = json.load(open(sys.argv[1]))
x = ET.parse(sys.argv[2]).getroot()
n = int(sys.argv[3])
cases = x.findall(".//testcase")
assert len(j["tests"]) == n, ("json tests", len(j["tests"]))
assert [t["name"] for t in j["tests"]] == ["trivial_%05d" % i for i in range(n)]
assert all(t["verdict"] == "clean" for t in j["tests"])
assert len(cases) == n and x.get("tests") == str(n), ("junit", len(cases), x.get("tests"))
PY
"$py" -c "
a, b, c = $t0, $t1, $t2
print('reports_bench: %d tests: %.2f s without reports, %.2f s with JSON+JUnit, ratio %.2fx'
      % ($n, b - a, c - b, (c - b) / max(b - a, 1e-9)))"
