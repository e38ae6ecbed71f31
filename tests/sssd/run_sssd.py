#!/usr/bin/python3
"""Runs sssd_shapes (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and
under `leakcheck run --cmocka`, and checks from the JSON reports that a
will_return_always (or _maybe) value each iteration queues anew (the
context its setup allocated) is the one the mock returns in that
iteration, so the clean shapes are clean and repeatable, and the leaking twin is a leak naming
keep_result's caller chain, not a crash or "not repeatable".

Usage: run_sssd.py LIBLEAKCHECK SSSD_SHAPES LEAKCHECK_TOOL"""
import json
import os
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
    return p, {t["name"]: t for t in doc["tests"]}


with tempfile.TemporaryDirectory() as tmp:
    for group in ("clean", "leaky"):  # each passes cmocka on its own
        p = subprocess.run([binary, group], capture_output=True, text=True, timeout=100)
        check(f"{group} without leakcheck: cmocka passes", p.returncode == 0,
              p.stdout + p.stderr)

    p, tests = preloaded(tmp, "clean")
    out = p.stdout + p.stderr
    check("clean: exit status 0", p.returncode == 0, out)
    check("clean: cmocka fails nothing", "FAILED" not in out and "ERROR" not in out, out)
    check("clean: no crash", "as crashed" not in out and "invalid pointer" not in out, out)
    for name in ("always_fixture_ctx", "maybe_fixture_ctx"):
        t = tests.get(name, {})
        check(f"{name} clean", t.get("verdict") == "clean", str(t.get("message")))
        check(f"{name} repeatable", not t.get("not_repeatable"), str(t.get("not_repeatable")))

    p, tests = preloaded(tmp, "leaky")
    out = p.stdout + p.stderr
    check("leaky: exit status non-zero", p.returncode != 0, out)
    t = tests.get("always_fixture_ctx_leaks", {})
    check("always_fixture_ctx_leaks leak", t.get("verdict") == "leak", str(t.get("message")))
    check("always_fixture_ctx_leaks: +1 block, +48 B per iteration",
          "+1 block, +48 B per iteration" in (t.get("message") or ""), str(t.get("message")))
    check("always_fixture_ctx_leaks repeatable", not t.get("not_repeatable"),
          str(t.get("not_repeatable")))
    fs = t.get("findings", [])
    check("always_fixture_ctx_leaks names run_request",
          any("run_request" in functions(f) for f in fs), str([functions(f) for f in fs]))

    js = os.path.join(tmp, "run-clean.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, "clean"],
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("run clean: exit status 0", p.returncode == 0, out)
    check("run clean: no crash, cmocka fails nothing",
          "FAILED" not in out and "as crashed" not in out and "killed by signal" not in out, out)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: always/maybe values queued anew each iteration answer that iteration")
