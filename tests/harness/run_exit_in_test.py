#!/usr/bin/python3
"""exit() in a test body is reported as such (not "failed (see the cmocka
message above)"), and exit(0) there still fails the run.

usage: run_exit_in_test.py EXIT_IN_TEST_BINARY"""
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


for status in (0, 3):
    with tempfile.TemporaryDirectory() as tmp:
        j = os.path.join(tmp, "r.json")
        env = dict(os.environ, LEAKCHECK_JSON=j)
        p = subprocess.run([sys.argv[1], str(status)], env=env, capture_output=True,
                           text=True, timeout=120)
        print(p.stdout[-800:])
        with open(j) as f:
            t = {x["name"]: x for x in json.load(f)["tests"]}
        check(f"exit({status}): the test before is clean",
              t["clean_before_exit"]["verdict"] == "clean")
        c = t["calls_exit"]
        check(f"exit({status}): the test is failed with 'called exit({status})'",
              c["verdict"] == "failed" and c["message"].startswith(f"called exit({status})"))
        check(f"exit({status}): the console says so",
              f"called exit({status})" in p.stdout + p.stderr)
        check(f"exit({status}): the process does not exit 0 ({p.returncode})",
              p.returncode != 0)

print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
