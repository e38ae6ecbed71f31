#!/usr/bin/python3
"""Runs sssd_relpath from the directory of liblc_sssd_relpath.so, which it
dlopens as ./liblc_sssd_relpath.so before changing directory to /, under
LEAKCHECK_CMOCKA=1 and under `leakcheck run --cmocka`, and checks that the
leak's stack names domain_section in relpath_lib.c (the module's path was
resolved against the cwd of the report, and the frame read "??").

Usage: run_relpath.py LIBLEAKCHECK SSSD_RELPATH LIBDIR LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, libdir, tool = (os.path.abspath(a) for a in sys.argv[1:5])
failures = []


def check(what, ok, detail=""):
    if not ok:
        failures.append(f"{what}{': ' + detail[-1500:] if detail else ''}")


def frames(finding):
    return [(fr.get("function") or "", os.path.basename(fr.get("file") or ""))
            for fr in finding.get("stack", [])]


with tempfile.TemporaryDirectory() as tmp:
    p = subprocess.run([binary], cwd=libdir, capture_output=True, text=True, timeout=100)
    check("without leakcheck: cmocka passes", p.returncode == 0, p.stdout + p.stderr)

    js = os.path.join(tmp, "pre.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary], cwd=libdir, env=env, capture_output=True, text=True,
                       timeout=100)
    out = p.stdout + p.stderr
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    t = tests.get("domain_enabled_leaks", {})
    check("preloaded: the leak", t.get("verdict") == "leak", out)
    fs = [f for f in t.get("findings", []) if f.get("kind") == "memory"]
    check("preloaded: domain_section (relpath_lib.c) in the stack",
          any(("domain_section", "relpath_lib.c") in frames(f) for f in fs),
          str([frames(f) for f in fs]))
    check("preloaded: the console line names domain_section (relpath_lib.c:",
          "domain_section (relpath_lib.c:" in out, out)

    js = os.path.join(tmp, "run.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary], cwd=libdir,
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("run: the console names domain_section (relpath_lib.c:",
          "domain_section (relpath_lib.c:" in out, out)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: a module dlopened by a relative path is symbolized after a chdir")
