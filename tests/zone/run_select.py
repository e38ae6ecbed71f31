#!/usr/bin/python3
"""Runs zone_select under LEAKCHECK_CMOCKA=1: a selection that runs its group
is judged; one that matches no group, or a main that skips every test, exits
2 with one line that names the arguments and LEAKCHECK_ALLOW_NO_GROUP;
with that option set to 1 both keep exit 0 and still print the line.

Under `leakcheck run --cmocka` such a run exits 0 (the check at exit judged
the process) with one line saying that no test was judged one by one.

Usage: run_select.py LIBLEAKCHECK ZONE_SELECT LEAKCHECK_TOOL"""
import os
import subprocess
import sys

lib, binary, tool = sys.argv[1:4]
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(f"{what}{': ' + str(detail)[-1500:] if detail else ''}")


def run(args, **extra):
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, **extra)
    p = subprocess.run([binary] + args, env=env, capture_output=True, text=True, timeout=50)
    return p.returncode, p.stdout + p.stderr


for args in (["-g", "nomatch"], ["skip"]):
    p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=50)
    check(f"{args} without leakcheck: exit 0", p.returncode == 0, p.stdout + p.stderr)

rc, out = run(["-g", "syntax"])
check("-g syntax: judged clean, exit 0", rc == 0 and "[  CLEAN ] parses" in out
      and "leakcheck judged 1" in out, out)
rc, out = run(["-g", "nomatch"])
lines = [l for l in out.splitlines() if "never ran a cmocka group" in l]
check("-g nomatch: exit 2", rc == 2, out)
check("-g nomatch: one line naming the arguments and the option",
      len(lines) == 1 and "runs no cmocka test with its arguments (-g nomatch: a test "
      "selection that matches no group?)" in lines[0]
      and "LEAKCHECK_ALLOW_NO_GROUP=1" in lines[0], out)
rc, out = run(["skip"])
check("skip: exit 2 with the line", rc == 2 and "never ran a cmocka group" in out, out)
for args in (["-g", "nomatch"], ["skip"]):
    rc, out = run(args, LEAKCHECK_ALLOW_NO_GROUP="1")
    check(f"{args} with LEAKCHECK_ALLOW_NO_GROUP=1: exit 0, the line still printed",
          rc == 0 and "never ran a cmocka group" in out, out)
rc, out = run(["-g", "syntax"], LEAKCHECK_ALLOW_NO_GROUP="1")
check("-g syntax with the option: still judged", rc == 0 and "leakcheck judged 1" in out, out)

for args in (["-g", "nomatch"], ["skip"]):
    p = subprocess.run([tool, "run", "--cmocka", "--", binary] + args, capture_output=True,
                       text=True, timeout=50)
    out = p.stdout + p.stderr
    check(f"run --cmocka {args}: exit 0, one line: no test judged one by one",
          p.returncode == 0 and out.count("never ran a cmocka group") == 1 and
          "no test was judged one by one, the check at exit still is" in out and
          "no leaks" in out, out)
p = subprocess.run([tool, "run", "--cmocka", "--", binary, "-g", "nomatch"],
                   capture_output=True, text=True, timeout=50)
check("run --cmocka -g nomatch: the line quotes the arguments",
      "with its arguments (-g nomatch: a test selection that matches no group?)"
      in p.stdout + p.stderr, p.stdout + p.stderr)
p = subprocess.run([tool, "run", "--cmocka", "--", binary, "-g", "syntax"],
                   capture_output=True, text=True, timeout=50)
check("run --cmocka -g syntax: judged, no such line",
      p.returncode == 0 and "never ran a cmocka group" not in p.stdout + p.stderr
      and "leakcheck judged 1" in p.stdout + p.stderr, p.stdout + p.stderr)

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
