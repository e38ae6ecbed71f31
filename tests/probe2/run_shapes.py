#!/usr/bin/python3
"""Runs probe2_shapes (a plain cmocka binary) preloaded under
LEAKCHECK_CMOCKA=1 and under `leakcheck run --cmocka`, and checks from the
JSON reports: a message queue (mq_open) and a shared-memory object
(shm_open) left open are fd leaks whose fds are named at the function that
opened them (glibc opens both past the open wrappers: before, "not
attributed"), their closing twins are clean; a full cache that a later test
keeps evicting an earlier test's entries from, one for each it adds, is
clean (before, "+1 block, +48 B per iteration"), and its unbounded twin is
a leak at cache_put.

Usage: run_shapes.py LIBLEAKCHECK PROBE2_SHAPES LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

EXPECT = {
    "leak_mq_open": ("leak", "open_queue", "fd"),
    "clean_mq_open": ("clean", None, None),
    "leak_shm_open": ("leak", "map_shared", "fd"),
    "clean_shm_open": ("clean", None, None),
    "clean_cache_filled": ("clean", None, None),
    "clean_cache_evicts": ("clean", None, None),
    "leak_cache_unbounded": ("leak", "cache_put", "memory"),
}


def judge(mode, tests, out):
    for name, (verdict, fn, kind) in EXPECT.items():
        t = tests.get(name, {})
        check(f"{mode}: {name} {verdict}", t.get("verdict") == verdict,
              f"{t.get('message')}\n{out[-3000:]}")
        if not fn:
            continue
        named = [f for f in t.get("findings", []) if f.get("kind") == kind and
                 any(fr.get("function") == fn for fr in f.get("stack") or [])]
        check(f"{mode}: {name}: a {kind} finding opened at {fn}", bool(named),
              json.dumps(t.get("findings", []))[:1500])


with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "pre.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("preloaded: exit status 3 (three leaks)", p.returncode == 3, out[-3000:])
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    judge("preloaded", tests, out)

    js = os.path.join(tmp, "run.json")
    p = subprocess.run([tool, "run", "--cmocka", "--json", js, "--", binary],
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    judge("leakcheck run --cmocka", tests, out)

for f in failures:
    print("FAIL:", f)
print("probe2_shapes:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
