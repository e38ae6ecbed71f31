#!/usr/bin/python3
"""A child test binary never writes the report paths it inherited from its
parent; with %p in the path each process writes its own.

usage: run_child_reports.py CHILD_REPORTS_BINARY"""
import glob
import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def names(path):
    with open(path) as f:
        return {t["name"]: t["verdict"] for t in json.load(f)["tests"]}


binary = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    j, x = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.xml")
    env = dict(os.environ, LEAKCHECK_JSON=j, LEAKCHECK_JUNIT=x)
    env.pop("LC_REPORTS_OWNER", None)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    print(p.stderr[-1500:])
    t = names(j)
    check("the parent's JSON holds the parent's tests", t == {
        "parent_clean": "clean", "parent_runs_child": "clean"})
    with open(x) as f:
        xml = f.read()
    check("the parent's JUnit is the parent's", "parent_runs_child" in xml and
          "child_leaks" not in xml)
    check("the child says in one line that it writes nothing there",
          "LEAKCHECK_JSON '%s', LEAKCHECK_JUNIT '%s' inherited from process" % (j, x)
          in p.stderr)
    check("the child still judged its test (console)", "child_leaks" in p.stdout)

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, LEAKCHECK_JSON=os.path.join(tmp, "r-%p.json"))
    env.pop("LC_REPORTS_OWNER", None)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    files = sorted(glob.glob(os.path.join(tmp, "r-*.json")))
    got = sorted(tuple(sorted(names(f))) for f in files)
    check("with %p, parent and child write one report each",
          got == [("child_leaks",), ("parent_clean", "parent_runs_child")])
    check("with %p, nothing is dropped", "inherited from process" not in p.stderr)

print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
