#!/usr/bin/python3
"""Runs tss_shapes (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and under
`leakcheck run --cmocka`, and checks from the JSON reports that values
queued to hold always or maybe are no growth (their leaking twin is a leak
naming the planted function, never cmocka's queue), that a test whose later
iteration fails in a mock is judged from its first run without cmocka
failing it for values that iteration queued, and that the check at exit of
`leakcheck run` sees what such a test's own single run left, not what the
failed repetition left, and that leakcheck's console lines outlive a test
that closes fd 1.

Usage: run_tss.py LIBLEAKCHECK TSS_SHAPES LEAKCHECK_TOOL"""
import json
import os
import re
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
failures = []


def check(what, ok, detail=""):
    if not ok:
        failures.append(f"{what}{': ' + detail[-1500:] if detail else ''}")


def functions(finding):
    return [fr.get("function") or "" for fr in finding.get("stack", [])]


def preloaded(tmp, group):
    js = os.path.join(tmp, f"pre-{group}.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary, group], env=env, capture_output=True, text=True, timeout=100)
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    return p, {t["name"]: t for t in doc["tests"]}, doc


def under_run(tmp, group):
    js = os.path.join(tmp, f"run-{group}.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, group],
                       capture_output=True, text=True, timeout=100)
    tests = json.load(open(js))["tests"] if os.path.exists(js) else []
    procs = [t for t in tests if t["name"].startswith("process:")]
    lost = [f for t in procs for f in t.get("findings", [])
            if f.get("kind") == "memory" and f.get("leak_kind") in ("definite", "indirect")]
    return p, {t["name"]: t for t in tests}, lost


with tempfile.TemporaryDirectory() as tmp:
    for group in ("clean", "leaky", "closes"):  # each passes cmocka on its own
        p = subprocess.run([binary, group], capture_output=True, text=True, timeout=100)
        check(f"{group} without leakcheck: cmocka passes", p.returncode == 0,
              p.stdout + p.stderr)
    p, tests, doc = preloaded(tmp, "clean")
    out = p.stdout + p.stderr
    check("clean: exit status 0", p.returncode == 0, out)
    check("clean: cmocka fails nothing (the group teardown's own always value too)",
          "FAILED" not in out and "ERROR" not in out, out)
    cm = doc.get("cmocka", {})
    check("clean: 8 tests judged (always_from_helper twice)",
          cm.get("ran") == 8 and cm.get("judged") == 8 and len(doc["tests"]) == 8, str(cm))
    for name, t in tests.items():
        check(f"{name} clean", t.get("verdict") == "clean", str(t.get("message")))
    for name in ("always_in_body", "always_from_helper", "expect_always",
                 "always_body_and_teardown"):
        check(f"{name} repeatable", not tests.get(name, {}).get("not_repeatable"),
              str(tests.get(name, {}).get("not_repeatable")))
    for name in ("abandoned_leaves_values", "abandoned_allocates", "abandoned_opens_fd"):
        nr = tests.get(name, {}).get("not_repeatable") or {}
        check(f"{name} not repeatable at iteration 2", nr.get("iteration") == 2, str(nr))

    p, tests, doc = preloaded(tmp, "leaky")
    out = p.stdout + p.stderr
    check("leaky: exit status non-zero", p.returncode != 0, out)
    t = tests.get("always_leaks", {})
    check("always_leaks leak", t.get("verdict") == "leak", str(t.get("message")))
    check("always_leaks: +1 block, +40 B per iteration",
          "+1 block, +40 B per iteration" in (t.get("message") or ""), str(t.get("message")))
    fs = t.get("findings", [])
    check("always_leaks names always_twin_leak",
          any("always_twin_leak" in functions(f) for f in fs), str([functions(f) for f in fs]))
    check("always_leaks: no finding in cmocka's queue",
          not any(re.search(r"_will_return|_expect_", " ".join(functions(f))) for f in fs),
          str([functions(f) for f in fs]))
    t = tests.get("abandoned_leaks_first_run", {})
    check("abandoned_leaks_first_run leak", t.get("verdict") == "leak", str(t.get("message")))
    check("abandoned_leaks_first_run: single run, 1 block, 24 B lost",
          "judged from a single run: 1 block, 24 B lost" in (t.get("message") or ""),
          str(t.get("message")))

    p, tests, lost = under_run(tmp, "clean")
    out = p.stdout + p.stderr
    check("run clean: exit status 0", p.returncode == 0, out)
    check("run clean: cmocka fails nothing", "FAILED" not in out, out)
    check("run clean: nothing lost at exit", not lost, str([f.get("summary") for f in lost]))
    fds = [f for t in tests.values() if t["name"].startswith("process:")
           for f in t.get("findings", []) if f.get("kind") == "fd"]
    check("run clean: no fd open at exit (the failed repetition's pipe)", not fds,
          str([f.get("summary") for f in fds]))

    p, tests, lost = under_run(tmp, "leaky")
    out = p.stdout + p.stderr
    check("run leaky: exit status non-zero", p.returncode != 0, out)
    first = [f for f in lost if "first_run_leak" in functions(f)]
    check("run leaky: the first run's block lost at exit, once",
          len(first) == 1 and first[0].get("blocks") == 1 and first[0].get("bytes") == 24,
          str([(f.get("summary"), f.get("blocks")) for f in lost]))
    check("run leaky: nothing of the failed repetition's ctx",
          not any("ctx_new" in functions(f) for f in lost),
          str([f.get("summary") for f in lost]))
    always = [f for f in lost if "always_twin_leak" in functions(f)]
    check("run leaky: always_twin_leak lost at exit", bool(always),
          str([f.get("summary") for f in lost]))

    # the program closes fd 1: leakcheck's lines still reach standard output
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib)
    p = subprocess.run([binary, "closes"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=100)
    check("closes: exit status 0", p.returncode == 0, p.stdout)
    check("closes: the next test's line after fd 1 was closed",
          re.search(r"\[  CLEAN \] after_closed_stdout", p.stdout) is not None, p.stdout)
    check("closes: the summary after fd 1 was closed",
          "[leakcheck] 2 tests: 2 clean" in p.stdout, p.stdout)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: always/maybe mock values, unrepeatable mocks, the check at exit")
