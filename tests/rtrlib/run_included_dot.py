#!/usr/bin/python3
"""Runs included_dot (a plain cmocka binary built with -I<dir>/., whose test
#includes lib/dot_lib.c) under LEAKCHECK_CMOCKA=1 and under `leakcheck run
--cmocka`, and checks that dot_leaks is a leak and dot_clean clean, and that
every frame of dot_encode names its file by one absolute path with no "/./"
(the JSON report, and the check at exit's stacks).

Usage: run_included_dot.py LIBLEAKCHECK INCLUDED_DOT LEAKCHECK_TOOL"""
import json
import os
import re
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def folded(path):
    return bool(path) and path.startswith("/") and "/./" not in path and \
        "/../" not in path and path.endswith("tests/rtrlib/lib/dot_lib.c")


with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "pre.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    check("dot_leaks leak", tests.get("dot_leaks", {}).get("verdict") == "leak", out)
    check("dot_clean clean", tests.get("dot_clean", {}).get("verdict") == "clean", out)
    files = {fr.get("file") for f in tests.get("dot_leaks", {}).get("findings", [])
             for fr in f.get("stack", []) if fr.get("function") == "dot_encode"}
    check("JSON: dot_encode's file is one folded absolute path",
          len(files) == 1 and all(folded(f) for f in files), str(files))

    p = subprocess.run([tool, "run", "--cmocka", "--", binary], capture_output=True, text=True,
                       timeout=100)
    out = p.stdout + p.stderr
    at_exit = re.findall(r"#\d+\s+dot_encode \(([^:)]*):\d+\)", out)
    check("run --cmocka: the check at exit names dot_encode", bool(at_exit), out)
    check("run --cmocka: its file folded", all(folded(f) for f in at_exit), str(at_exit))

for f in failures:
    print("FAIL:", f)
print("rtrlib_included_dot:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
