#!/usr/bin/python3
"""Runs rpma_shapes (a plain cmocka binary) without leakcheck, under
LEAKCHECK_CMOCKA=1 and under `leakcheck run --cmocka`, and checks that a
will_return_maybe (or _always) value queued after a finite value for the
same mock answers only once the finite one is used, in every iteration (the
clean shapes are clean and repeatable, cmocka fails nothing), that a
teardown's own value comes before the body's maybe value, that the leaking
twin is a leak per iteration naming flusher_new, not a crash or "not
repeatable", and that the always values cmocka fails without leakcheck
(never used, or a second one for the same mock) still fail the test, with
cmocka's own message naming the line that queued them.

Usage: run_rpma.py LIBLEAKCHECK RPMA_SHAPES LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

CLEAN = ("delete_dereg_fails", "always_after_finite", "maybe_in_body")


def functions(finding):
    return [fr.get("function") or "" for fr in finding.get("stack", [])]


def preloaded(tmp, group):
    js = os.path.join(tmp, f"pre-{group}.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary, group], env=env, capture_output=True, text=True, timeout=100)
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    return p, {t["name"]: t for t in doc["tests"]}


with tempfile.TemporaryDirectory() as tmp:
    for group in ("clean", "leaky"):
        p = subprocess.run([binary, group], capture_output=True, text=True, timeout=100)
        check(f"{group} without leakcheck: cmocka passes", p.returncode == 0, p.stdout + p.stderr)
    plain = subprocess.run([binary, "unused"], capture_output=True, text=True, timeout=100)
    check("unused without leakcheck: cmocka fails both", plain.returncode == 2,
          plain.stdout + plain.stderr)

    p, tests = preloaded(tmp, "clean")
    out = p.stdout + p.stderr
    check("clean: exit status 0", p.returncode == 0, out)
    check("clean: cmocka fails nothing", "FAILED" not in out and "ERROR" not in out, out)
    for name in CLEAN:
        t = tests.get(name, {})
        check(f"{name} clean", t.get("verdict") == "clean", str(t.get("message")))
        check(f"{name} repeatable", not t.get("not_repeatable"), str(t.get("not_repeatable")))

    p, tests = preloaded(tmp, "leaky")
    out = p.stdout + p.stderr
    t = tests.get("delete_dereg_fails_leaks", {})
    check("leaky: exit status non-zero", p.returncode != 0, out)
    check("delete_dereg_fails_leaks leak", t.get("verdict") == "leak", str(t.get("message")))
    check("delete_dereg_fails_leaks repeatable", not t.get("not_repeatable"),
          str(t.get("not_repeatable")))
    check("delete_dereg_fails_leaks: +1 block, +16 B per iteration",
          "+1 block, +16 B per iteration" in (t.get("message") or ""), str(t.get("message")))
    named = [f for f in t.get("findings", []) if "flusher_new" in functions(f)]
    check("delete_dereg_fails_leaks names flusher_new", bool(named), json.dumps(t)[-1500:])

    p, tests = preloaded(tmp, "unused")
    out = p.stdout + p.stderr
    check("unused: cmocka fails both tests, as without leakcheck", p.returncode == 2, out)
    for name in ("always_never_used", "second_always"):
        check(f"{name}: cmocka's FAILED line", f"[  FAILED  ] {name}" in out, out)
        t = tests.get(name, {})
        check(f"{name}: leakcheck's verdict clean and repeatable",
              t.get("verdict") == "clean" and not t.get("not_repeatable"), str(t))
    for line in plain.stdout.splitlines() + plain.stderr.splitlines():
        if "remaining item was declared here" in line:
            check(f"unused: cmocka's note as without leakcheck ({line})", line in out, out)

    js = os.path.join(tmp, "run-clean.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, "clean"],
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("run --cmocka clean: exit status 0", p.returncode == 0, out)
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    for name in CLEAN:
        t = tests.get(name, {})
        check(f"run --cmocka: {name} clean and repeatable",
              t.get("verdict") == "clean" and not t.get("not_repeatable"), str(t))

for f in failures:
    print("FAIL:", f)
print("rpma_shapes:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
