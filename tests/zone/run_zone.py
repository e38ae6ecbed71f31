#!/usr/bin/python3
"""Runs zone_shapes (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 with the
transient fail sweep and checks from the JSON report: a test that ends on a
failed assertion holding a FILE it opened itself has no finding (that fd is
its skipped cleanup, counted in the note as its own blocks are), whether the
failing allocation was the test's own calloc or one inside the code under
test; the code under test's error path that forgets its FILE is a finding
naming the fd; in a library without debug info (nodebug.c) a leaking error
path and a crash on what failed are named at the program's frame with
file:line. Lines are found by their ZONE:<NAME> markers.

Usage: run_zone.py LIBLEAKCHECK ZONE_SHAPES zone_shapes.c"""
import json
import os
import re
import subprocess
import sys
import tempfile

lib, binary, src = sys.argv[1:4]
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(f"{what}{': ' + str(detail)[-1500:] if detail else ''}")


def marker(name):
    with open(src) as f:
        for i, text in enumerate(f, 1):
            if f"ZONE:{name}" in text:
                return i
    raise SystemExit(f"no ZONE:{name} marker in {src}")


with tempfile.TemporaryDirectory() as tmp:
    p = subprocess.run([binary], capture_output=True, text=True, timeout=100)
    check("without leakcheck: cmocka passes", p.returncode == 0, p.stdout + p.stderr)
    js = os.path.join(tmp, "zone.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js,
               LEAKCHECK_FAIL_SWEEP="transient")
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    tests = {t["name"]: t for t in doc["tests"]}
    check("seven tests judged", len(tests) == 7, out)

    def sweep(name):
        return tests.get(name, {}).get("fail_sweep") or {}

    def fd_findings(name, key="findings"):
        return [f for f in sweep(name).get(key) or [] if f.get("kind") == "fds"]

    for name in ("own_file_own_alloc", "own_file_code_fails"):
        t = tests.get(name, {})
        check(f"{name}: clean (the test's own FILE after its assertion is no finding)",
              t.get("verdict") == "clean" and not sweep(name).get("findings"),
              t.get("message"))
        check(f"{name}: no unchecked fd either", not fd_findings(name, "unchecked"),
              sweep(name).get("unchecked"))
        check(f"{name}: the note counts the test's own fd",
              re.search(r"\b\d+ fds? the test opened itself", sweep(name).get("note") or ""),
              sweep(name).get("note"))
    line = marker("FORGETS_FILE")
    t = tests.get("code_forgets_file", {})
    fds = fd_findings("code_forgets_file")
    check("code_forgets_file: failed by the sweep", t.get("verdict") == "failed", t.get("message"))
    check("code_forgets_file: one fd finding at the planted site, naming /dev/null",
          len(fds) == 1 and f"zone_shapes.c:{line} (zone_slurp" in fds[0]["message"]
          and "1 fd left open" in fds[0]["message"] and "/dev/null" in fds[0]["message"],
          [f["message"] for f in fds])
    check("code_forgets_file: the fd's opening stack names zone_slurp",
          len(fds) == 1 and any(fr.get("function") == "zone_slurp"
                                for st in fds[0].get("stacks") or [] for fr in st),
          fds and fds[0].get("stacks"))
    check("code_forgets_file: cmocka fails it, the own_file tests pass",
          "[  FAILED  ] code_forgets_file" in out and "[  FAILED  ] own_file" not in out, out)

    # a library without debug info: messages name the program's frame with file:line
    fetch = marker("FETCH_CHECKED")
    msgs = [f["message"] for f in sweep("library_leaks").get("findings") or []]
    check("library_leaks: one leak finding, named at digest_checked's line, via the "
          "library's functions",
          len(msgs) == 1 and f"at zone_shapes.c:{fetch} (digest_checked <- library_leaks, "
          "via nd_dup ... nd_fetch) fails: 1 block (8 B) leak, allocated at "
          f"zone_shapes.c:{fetch} (digest_checked <- library_leaks, via nd_fetch)" in msgs[0],
          msgs)
    update = marker("UPDATE_UNCHECKED")
    msgs = [f["message"] for f in sweep("library_crashes").get("findings") or []]
    check("library_crashes: both sites crash, named at digest_unchecked's line inside "
          "nd_update",
          len(msgs) == 2 and all(f"SIGSEGV in digest_unchecked (zone_shapes.c:{update}, "
                                 "inside nd_update)" in m for m in msgs), msgs)
    check("library_crashes: the two sites' messages differ (via nd_fetch, via nd_dup ... "
          "nd_fetch)", len(set(m.split(" fails")[0] for m in msgs)) == 2, msgs)

    # the persistent sweep: a block the failing call returned to the test, held by
    # the test when a later failure's assertion ended it, is no finding
    js = os.path.join(tmp, "persistent.json")
    env.update(LEAKCHECK_JSON=js, LEAKCHECK_FAIL_SWEEP="persistent")
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    tests = {t["name"]: t for t in doc["tests"]}
    t = tests.get("held_at_assertion", {})
    check("held_at_assertion (persistent): clean, the path it held counted in the note",
          t.get("verdict") == "clean" and not sweep("held_at_assertion").get("findings")
          and "block" in (sweep("held_at_assertion").get("note") or ""),
          [t.get("message"), sweep("held_at_assertion").get("note")])
    line = marker("LEAKY_STRDUP")
    msgs = [f["message"] for f in sweep("code_forgets_record").get("findings") or []
            if f.get("kind") == "leak"]
    check("code_forgets_record (persistent): the record its error path forgot is a finding",
          tests.get("code_forgets_record", {}).get("verdict") == "failed" and
          any(f"zone_shapes.c:{line} (record_new_leaky" in m and "1 block (8 B) leak" in m
              for m in msgs), msgs)

if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
