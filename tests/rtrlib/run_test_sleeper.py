#!/usr/bin/python3
"""Runs test_sleeper (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and
checks that the watchdog thread a test leaves asleep stays asleep while
leakcheck samples it (no "woke early", the binary's status is cmocka's 2),
that leaves_watchdog is a thread leak created at leaves_watchdog, and that
joins_napper, whose thread sleeps 1 ms and is joined, is clean, and that
once_after_watchdog, judged from its single run by a scan that stops the
watchdog too, is a leak naming drop_once (before, the scan woke the
watchdog, which ended the binary).

Usage: run_test_sleeper.py LIBLEAKCHECK TEST_SLEEPER"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "pre.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("the watchdog stays asleep", "woke early" not in out, out)
    check("exit status 2 (cmocka: two tests failed)", p.returncode == 2, out)
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    check("joins_napper clean", tests.get("joins_napper", {}).get("verdict") == "clean", out)
    t = tests.get("leaves_watchdog", {})
    check("leaves_watchdog leak", t.get("verdict") == "leak", out)
    threads = [f for f in t.get("findings", []) if f.get("kind") == "thread"]
    named = [f for f in threads if "leaves_watchdog" in json.dumps(f)]
    check("leaves_watchdog: thread findings created at leaves_watchdog", bool(named),
          json.dumps(t)[-1500:])

    t = tests.get("once_after_watchdog", {})
    check("once_after_watchdog: a single-run leak naming drop_once",
          t.get("verdict") == "leak" and t.get("reason") == "single_run" and
          "drop_once" in json.dumps(t.get("findings", [])), json.dumps(t)[-1500:])

for f in failures:
    print("FAIL:", f)
print("rtrlib_test_sleeper:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
