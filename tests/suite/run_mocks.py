#!/usr/bin/python3
"""Runs mocks_repeat (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and
checks from its JSON and JUnit reports that mock errors in a later iteration
(will_return values, expect_* parameter checks and expect_function_call
calls left unused) make a test "not repeatable", judged from a single run (never a cmocka
failure caused by the repetition), that a per-test setup failing in the first
run is an error as cmocka says, and that `leakcheck report` prints a single
run as a single run and a repeated leak in whole numbers.

Usage: run_mocks.py LIBLEAKCHECK MOCKS_REPEAT LEAKCHECK_TOOL"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


with tempfile.TemporaryDirectory() as tmp:
    js, xml = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.xml")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js,
               LEAKCHECK_JUNIT=xml)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    check("exit status non-zero (two leaks, one setup error)", p.returncode != 0)
    tests = {t["name"]: t for t in json.load(open(js))["tests"]}
    for name, nr_text in (("cache_queued_every_run", "remaining non-returned value"),
                          ("value_queued_once", "Could not get value"),
                          ("checks_queued_every_run", "never checked (expected at")):
        t = tests.get(name, {})
        check(f"{name} clean", t.get("verdict") == "clean", t.get("message", "missing"))
        nr = t.get("not_repeatable") or {}
        check(f"{name} not repeatable at iteration 2", nr.get("iteration") == 2, str(nr))
        check(f"{name} names cmocka's error", nr_text in (nr.get("message") or ""), str(nr))
        check(f"{name} says single run", "single run" in t.get("message", ""))
        check(f"{name} not failed by cmocka", not re.search(rf"FAILED.*\b{name}\b", out), out)
    t = tests.get("value_queued_once_leaks", {})
    check("value_queued_once_leaks leak", t.get("verdict") == "leak", t.get("message", ""))
    check("value_queued_once_leaks not repeatable", bool(t.get("not_repeatable")))
    fns = [fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])]
    check("value_queued_once_leaks names mocks_leaky_open", "mocks_leaky_open" in fns, str(fns))
    t = tests.get("value_queued_every_run", {})
    check("value_queued_every_run clean and repeatable",
          t.get("verdict") == "clean" and not t.get("not_repeatable"), str(t.get("message")))
    t = tests.get("checks_met_every_run", {})
    check("checks_met_every_run clean and repeatable",
          t.get("verdict") == "clean" and not t.get("not_repeatable"), str(t.get("message")))
    check("no cmocka complaint about drained checks or calls",
          "haven't been checked" not in out and "was expected to be called" not in out and
          "Check of parameter" not in out, out)
    t = tests.get("value_queued_every_run_leaks", {})
    check("value_queued_every_run_leaks leak", t.get("verdict") == "leak", str(t.get("message")))
    check("its message in whole figures", "+1 block, +40 B per iteration" in t.get("message", ""),
          str(t.get("message")))
    t = tests.get("body_never_runs", {})
    check("setup failure is failed/setup",
          t.get("verdict") == "failed" and t.get("failure_type") == "setup", str(t))
    check("setup failure reads as cmocka's", "Test setup failed" in (t.get("message") or ""))
    check("console says ERROR", re.search(r"\[ +ERROR +\] body_never_runs", out) is not None, out)
    suite = ET.parse(xml).getroot().find("testsuite")
    check("JUnit counts one error", suite.get("errors") == "1", str(suite.attrib))
    case = [c for c in suite.iter("testcase") if c.get("name") == "body_never_runs"][0]
    check("JUnit <error type=setup>", case.find("error") is not None and
          case.find("error").get("type") == "setup")
    r = subprocess.run([tool, "report", js], capture_output=True, text=True, timeout=60)
    lines = {n: l for l in r.stdout.splitlines() for n in tests if l.rstrip().endswith(":: " + n)}
    text = r.stdout
    check("report: single-run leak is not per iteration",
          re.search(r"single run \(not repeatable, iteration 2 failed\): 1 block, 48 B lost",
                    text) is not None, text)
    check("report: repeated leak in whole numbers",
          "+1 block, +40 B per iteration" in text and "e+" not in text, text)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: mock errors in later iterations, setup errors and report figures")
