#!/usr/bin/python3
"""A crash inside leakcheck's own critical section ends the process, names the
test and keeps the reports, instead of deadlocking in the next test.

usage: run_crash_inside.py CRASH_INSIDE_BINARY"""
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


for when in ("first", "later"):
    with tempfile.TemporaryDirectory() as tmp:
        json_path = os.path.join(tmp, "r.json")
        xml_path = os.path.join(tmp, "r.xml")
        env = dict(os.environ, LEAKCHECK_JSON=json_path, LEAKCHECK_JUNIT=xml_path)
        try:
            p = subprocess.run([sys.argv[1], when], env=env, capture_output=True,
                               text=True, timeout=120)
        except subprocess.TimeoutExpired:
            check(f"{when}: the process ends (it hung for 120 s)", False)
            continue
        print(p.stderr[-2000:])
        check(f"{when}: exit status 70", p.returncode == 70)
        check(f"{when}: one line names the test",
              "test 'crashes_in_leakcheck' crashed inside leakcheck's own critical section"
              in p.stderr)
        with open(json_path) as f:
            t = {x["name"]: x for x in json.load(f)["tests"]}
        check(f"{when}: the test before it is in the report, clean",
              t.get("clean_before", {}).get("verdict") == "clean")
        c = t.get("crashes_in_leakcheck", {})
        check(f"{when}: the crashing test is 'crashed'", c.get("verdict") == "crashed")
        check(f"{when}: its message says where and that a lock was held",
              "inside leakcheck's own code" in c.get("message", "") and
              "Segmentation" in c.get("message", "") and "lock" in c.get("message", ""))
        check(f"{when}: no test ran after it", "never_reached" not in t)
        with open(xml_path) as f:
            xml = f.read()
        check(f"{when}: the JUnit report is complete and names it",
              xml.rstrip().endswith("</testsuites>") and "crashes_in_leakcheck" in xml)

print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
