#!/usr/bin/python3
"""Runs single_run_stale (a plain cmocka binary whose tests only their first
run passes) under LEAKCHECK_CMOCKA=1 with libleakcheck preloaded, and checks
from the JSON report, in each of 6 runs, that every test is judged from its
single run, that the block whose address only passed through a register is
a leak naming drop_block, and that OpenSSL's first use and the block kept in
a global are clean.

Usage: run_single_run_stale.py LIBLEAKCHECK SINGLE_RUN_STALE"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def functions(t):
    return {fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])}


# Where the stale copies land depends on the stack's random placement: on
# main's library the dropped block read as reachable in about half the runs,
# so the binary runs RUNS times and every run must judge alike.
RUNS = 6


def check_run(tests, run):
    for name, t in tests.items():
        check(f"run {run}: {name}: judged from its single run",
              t.get("reason") == "single_run" or t.get("not_repeatable"), str(t.get("message")))
    for name, fn in (("once_block_dropped", "drop_block"),):
        t = tests.get(name, {})
        check(f"run {run}: {name}: leak", t.get("verdict") == "leak",
              str(t.get("message", "missing")))
        check(f"run {run}: {name}: a finding names {fn}", fn in functions(t), str(functions(t)))
    for name in ("once_openssl_first_use", "once_block_kept"):
        t = tests.get(name, {})
        check(f"run {run}: {name}: clean", t.get("verdict") == "clean",
              str(t.get("message", "missing")))


with tempfile.TemporaryDirectory() as tmp:
    for run in range(1, RUNS + 1):
        js = os.path.join(tmp, f"pre{run}.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
        env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
        if run == 1:
            sys.stdout.write(p.stdout[-3000:] + p.stderr[-2000:])
        check_run({t["name"]: t for t in json.load(open(js))["tests"]}, run)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: single runs: a lost block with stale copies of its address is a leak, "
      "OpenSSL's one-time state and a kept block are clean")
