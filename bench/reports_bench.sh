#!/usr/bin/env bash
# reports_bench.sh: times reports_bench (N trivial leakcheck tests) without
# reports and with JSON + JUnit, REPS times each, interleaved so that load from
# other processes falls on both alike, and checks that every report written is
# complete (N tests in each). Prints the medians of wall time and of CPU time
# (user + system, which moves less when other processes take the CPU) and
# their ratios.
# Usage: bench/reports_bench.sh BINARY [N] [PYTHON] [REPS]
#   e.g. bench/reports_bench.sh build/out/reports_bench 1000 python3 5
set -u
bin=$1 n=${2:-1000} py=${3:-python3} reps=${4:-1}
exec "$py" - "$bin" "$n" "$reps" <<'PY'
import json, os, resource, statistics, subprocess, sys, tempfile, time
import xml.etree.ElementTree as ET
binary, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def run(env):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run([binary, str(n)], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("FAIL reports_bench exited %d: %s" % (p.returncode, p.stderr[-500:]))
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

with tempfile.TemporaryDirectory() as tmp:
    js, xml = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.xml")
    base = {k: v for k, v in os.environ.items() if k not in ("LEAKCHECK_JSON", "LEAKCHECK_JUNIT")}
    off, on = [], []
    for _ in range(reps):
        off.append(run(base))
        on.append(run(dict(base, LEAKCHECK_JSON=js, LEAKCHECK_JUNIT=xml)))
        j = json.load(open(js))
        x = ET.parse(xml).getroot()
        assert [t["name"] for t in j["tests"]] == ["trivial_%05d" % i for i in range(n)]
        assert all(t["verdict"] == "clean" for t in j["tests"])
        assert len(x.findall(".//testcase")) == n and x.get("tests") == str(n)
    med = lambda v, k: statistics.median(x[k] for x in v)
    print("reports_bench: %d tests, median of %d: wall %.3f s without reports, %.3f s with "
          "JSON+JUnit (%.2fx); cpu %.3f s / %.3f s (%.2fx)"
          % (n, reps, med(off, 0), med(on, 0), med(on, 0) / max(med(off, 0), 1e-9),
             med(off, 1), med(on, 1), med(on, 1) / max(med(off, 1), 1e-9)))
PY
