#!/usr/bin/python3
"""Runs talloc's shapes under `leakcheck run` and checks the reports:
unjoined_threads (100 threads started into one pthread_t, none joined, as
talloc_testsuite's pthread_talloc_passing) exits clean, its summary reads
`threads at exit: 100 (information: 0 running, 100 exited and never
joined)`, and the JSON has 100 thread findings, none failing. talloc_like
(blocks laid out as talloc's chunks): the two held in a static list by the
address past their header are still reachable (memcheck: possibly lost), the
dropped one definitely lost, the decoy held at the same offset without the
size field possibly lost.

Usage: run_talloc.py LEAKCHECK_TOOL UNJOINED_THREADS TALLOC_LIKE"""
import json
import os
import subprocess
import sys
import tempfile

tool, unjoined, like = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "run.json")
    p = subprocess.run([tool, "run", f"--json={js}", "--", unjoined], env=env,
                       capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout + p.stderr)
    check("unjoined_threads: status 0", p.returncode == 0, str(p.returncode))
    line = "threads at exit: 100 (information: 0 running, 100 exited and never joined)"
    check("unjoined_threads: the summary counts the 100 threads", line in p.stderr, p.stderr)
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    thr = [f for t in doc["tests"] for f in t["findings"] if f["kind"] == "thread"]
    check("unjoined_threads: 100 thread findings", len(thr) == 100, str(len(thr)))
    check("unjoined_threads: none fails", all(f.get("fails") is False for f in thr))
    check("unjoined_threads: each exited and never joined",
          all(f.get("state") == "exited-unjoined" for f in thr),
          str({f.get("state") for f in thr}))

    js = os.path.join(tmp, "like.json")
    p = subprocess.run([tool, "run", f"--json={js}", "--", like], env=env,
                       capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout + p.stderr)
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    kinds = {}
    for t in doc["tests"]:
        for f in t["findings"]:
            names = [fr.get("function") for fr in f.get("stack", [])]
            for fn in ("kept_chunk", "pool_chunk", "lost_chunk", "decoy_block"):
                if fn in names:
                    kinds[fn] = f.get("leak_kind")
    want = {"kept_chunk": "reachable", "pool_chunk": "reachable", "lost_chunk": "definite",
            "decoy_block": "possible"}
    for fn, kind in want.items():
        check(f"talloc_like: {fn} is {kind}", kinds.get(fn) == kind, str(kinds))
    check("talloc_like: fails on the lost chunk", p.returncode != 0, str(p.returncode))

for f in failures:
    print("FAIL", f)
print("talloc_shapes:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
