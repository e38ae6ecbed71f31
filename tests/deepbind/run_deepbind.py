#!/usr/bin/python3
"""Runs deep_suite (a plain cmocka binary whose group setup dlopens a plugin
by its bare name with RTLD_NOW | RTLD_DEEPBIND, as Samba's ldb_modules_load
does) under LEAKCHECK_CMOCKA=1 and under `leakcheck run --cmocka`, and checks
from the JSON reports: the plugin is found through the suite's own RUNPATH
(leakcheck's dlopen leaves the program as the caller), deep_leak (a block the
plugin's own malloc keeps per run) leaks with its stack naming deep_keep at
deep_mod.c, deep_clean (libc's strdup copied, freed by the plugin) is clean,
stderr says once that RTLD_DEEPBIND was dropped. With
LEAKCHECK_KEEP_DEEPBIND=1 the flag stays and that line is not printed.

Usage: run_deepbind.py LIBLEAKCHECK DEEP_SUITE LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

NOTE = "asked for RTLD_DEEPBIND"


def run(mode, js, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env.pop("LD_LIBRARY_PATH", None)
    env.update(extra)
    if mode == "run":
        cmd = [tool, "run", "--cmocka", f"--json={js}", "--", binary]
    else:
        env.update(LEAKCHECK_CMOCKA="1", LEAKCHECK_JSON=js, LD_PRELOAD=lib)
        cmd = [binary]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    sys.stdout.write(f"--- {mode} {extra}: status {p.returncode}\n{p.stdout}{p.stderr}")
    tests = {}
    if os.path.exists(js):
        with open(js) as f:
            doc = json.load(f)
        tests = {t["name"]: t for t in doc.get("tests", [])}
    return p, tests


def judged(mode, p, tests):
    check(f"{mode}: the plugin was found and loaded", "deep_suite:" not in p.stderr, p.stderr)
    check(f"{mode}: RTLD_DEEPBIND's line printed once", p.stderr.count(NOTE) == 1, p.stderr)
    check(f"{mode}: the line names the plugin", "liblc_deepmod.so" in p.stderr, p.stderr)
    clean = tests.get("deep_clean", {})
    check(f"{mode}: deep_clean is clean", clean.get("verdict") == "clean", str(clean.get("message")))
    leak = tests.get("deep_leak", {})
    check(f"{mode}: deep_leak leaks", leak.get("verdict") == "leak", str(leak.get("message")))
    named = [f for f in leak.get("findings", []) if f.get("kind") == "memory" and any(
        fr.get("function") == "deep_keep" and (fr.get("file") or "").endswith("deep_mod.c")
        and fr.get("line") for fr in f.get("stack", []))]
    check(f"{mode}: deep_leak's finding names deep_keep (deep_mod.c:LINE)", len(named) == 1,
          str([f.get("summary") for f in leak.get("findings", [])]))
    if named:
        check(f"{mode}: one block of 72 B per iteration", named[0].get("growth_bytes", [0])[-1] == 72,
              str(named[0].get("growth_bytes")))


with tempfile.TemporaryDirectory() as tmp:
    p, tests = run("preload", os.path.join(tmp, "pre.json"))
    judged("preload", p, tests)
    check("preload: exit status says a test failed", p.returncode != 0, str(p.returncode))
    p, tests = run("run", os.path.join(tmp, "run.json"))
    judged("leakcheck run --cmocka", p, tests)
    p, tests = run("preload", os.path.join(tmp, "keep.json"), LEAKCHECK_KEEP_DEEPBIND="1")
    check("LEAKCHECK_KEEP_DEEPBIND=1: no line", NOTE not in p.stderr, p.stderr)
    check("LEAKCHECK_KEEP_DEEPBIND=1: the plugin was loaded", "deep_suite:" not in p.stderr, p.stderr)

for f in failures:
    print("FAIL", f)
print("deepbind_plugin:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
