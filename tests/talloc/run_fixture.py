#!/usr/bin/python3
"""Runs fixture_leak (a plain cmocka suite whose per-test setup leaks a block
each run, as ldb_kv_ops_test's setup opens a database) under
LEAKCHECK_CMOCKA=1 and checks the console: the first test leaks, its stack
line names open_db and setup_keeps with their lines and ends there (no
libcmocka frame, no main), the clean twin is clean.

Usage: run_fixture.py LIBLEAKCHECK FIXTURE_LEAK"""
import os
import re
import subprocess
import sys

lib, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib)
p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
out = p.stdout + p.stderr
sys.stdout.write(out)
lines = [l.strip() for l in out.splitlines() if "+1 block/iter, +40 B/iter" in l]
check("one stack line for the leaking setup", len(lines) == 1, str(lines))
if lines:
    check("it names open_db and setup_keeps with their lines",
          re.search(r"open_db \(fixture_leak\.c:\d+\) <- setup_keeps \(fixture_leak\.c:\d+\)$",
                    lines[0]) is not None, lines[0])
    check("no cmocka runner frame in it", "libcmocka" not in lines[0], lines[0])
    check("no main in it", "main (" not in lines[0], lines[0])
check("the clean twin is clean", re.search(r"CLEAN \] uses_db", out) is not None, out[-2000:])
check("one test fails", p.returncode == 1, str(p.returncode))

for f in failures:
    print("FAIL", f)
print("talloc_fixture_line:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
