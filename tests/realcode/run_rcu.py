#!/usr/bin/python3
"""Runs realcode_rcu_memb and realcode_rcu_qsbr (plain cmocka suites that
retire one object per run through liburcu's call_rcu) preloaded with
LEAKCHECK_CMOCKA=1 and under `leakcheck run --cmocka`: the test whose callback
frees everything is clean, repeated as usual, because the frees it queued are
waited for before each run is counted; the twin whose callback keeps the
payload leaks one block per run allocated in make_payload. In QSBR the test's
thread is a registered reader, online between runs: the wait does not block
on it.

Usage: run_rcu.py LIBLEAKCHECK LEAKCHECK_TOOL MEMB_BINARY QSBR_BINARY"""
import json
import os
import subprocess
import sys
import tempfile

lib, tool, memb, qsbr = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def functions(t):
    return {fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])}


def verdicts(label, p, js):
    out = p.stdout + p.stderr
    check(f"{label}: exit 1 (one leak)", p.returncode == 1, f"{p.returncode}\n{out}")
    try:
        tests = {t["name"]: t for t in json.load(open(js))["tests"]}
    except (OSError, ValueError) as e:
        check(f"{label}: a JSON report", False, f"{e}\n{out}")
        return
    t = tests.get("clean_call_rcu_retire", {})
    check(f"{label}: clean_call_rcu_retire clean", t.get("verdict") == "clean",
          str(t.get("message")))
    check(f"{label}: clean_call_rcu_retire repeated", not t.get("not_repeatable"),
          str(t.get("not_repeatable")))
    t = tests.get("leak_call_rcu_payload", {})
    check(f"{label}: leak_call_rcu_payload leaks +1 block per iteration",
          t.get("verdict") == "leak" and "+1 block, +48 B per iteration" in str(t.get("message")),
          str(t.get("message")))
    check(f"{label}: leak_call_rcu_payload names make_payload", "make_payload" in functions(t),
          str(functions(t)))


with tempfile.TemporaryDirectory() as tmp:
    for name, binary in (("memb", memb), ("qsbr", qsbr)):
        js = os.path.join(tmp, f"{name}.json")
        env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
        verdicts(f"{name} preloaded", p, js)
        js = os.path.join(tmp, f"{name}-run.json")
        env = dict(os.environ, LEAKCHECK_JSON=js)
        p = subprocess.run([tool, "run", "--cmocka", "--", binary], env=env,
                           capture_output=True, text=True, timeout=100)
        verdicts(f"{name} run --cmocka", p, js)
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: call_rcu retirement clean, a kept payload leaks, memb and QSBR, preloaded and run --cmocka")
