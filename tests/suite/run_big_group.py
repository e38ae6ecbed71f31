#!/usr/bin/python3
"""Runs big_group (a plain cmocka binary, one group of 1,500 tests) under
LEAKCHECK_CMOCKA=1 with libleakcheck preloaded and checks from the JSON
report that every test was judged, under its own name: the three that leak
(t0007, t1030, t1499) with leak_entry in their stacks, every other one clean;
then with a cmocka test filter that selects t1030 alone (the 1,030 tests
before it skipped, so that test runs first, through the trampoline of
position 6): judged as a leak under its name, with leak_entry.

Usage: run_big_group.py LIBLEAKCHECK BIG_GROUP"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

LEAKY = {"t0007", "t1030", "t1499"}


def functions(finding):
    return [fr.get("function") for fr in finding.get("stack", [])]


def run(tmp, tag, args):
    js = os.path.join(tmp, tag + ".json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js,
               LEAKCHECK_ITERATIONS="4", LEAKCHECK_WARMUP="1")
    p = subprocess.run([binary] + args, env=env, capture_output=True, text=True, timeout=600)
    sys.stdout.write(p.stdout[-1500:] + p.stderr[-1500:])
    check(f"{tag}: exit status non-zero (leaks)", p.returncode != 0, str(p.returncode))
    return p, {t["name"]: t for t in json.load(open(js))["tests"]}


def check_leaks(tag, tests, names):
    for name in sorted(names):
        t = tests.get(name, {})
        check(f"{tag}: {name} leak", t.get("verdict") == "leak", str(t.get("message", "missing")))
        check(f"{tag}: {name} names leak_entry",
              any("leak_entry" in functions(f) for f in t.get("findings", [])),
              str([functions(f) for f in t.get("findings", [])]))


with tempfile.TemporaryDirectory() as tmp:
    p, tests = run(tmp, "all", [])
    check("all: 1500 tests judged", len(tests) == 1500, str(len(tests)))
    check("all: cmocka's count and leakcheck's agree",
          "cmocka ran 1500 tests in 1 group; leakcheck judged 1500" in p.stdout + p.stderr,
          (p.stdout + p.stderr)[-400:])
    check_leaks("all", tests, LEAKY)
    dirty = [n for n, t in tests.items() if n not in LEAKY and t.get("verdict") != "clean"]
    check("all: every other test clean", not dirty,
          str([(n, tests[n].get("message")) for n in dirty[:5]]))

    p, tests = run(tmp, "filtered", ["t1030"])
    check("filtered: only t1030 judged", sorted(tests) == ["t1030"], str(sorted(tests)[:10]))
    check_leaks("filtered", tests, {"t1030"})

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: a 1,500-test group judged test by test under its names, filtered or not")
