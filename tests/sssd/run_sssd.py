#!/usr/bin/python3
"""Runs sssd_shapes (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and
under `leakcheck run --cmocka`, and checks from the JSON reports that a
will_return_always (or _maybe) value each iteration queues anew (the
context its setup allocated) is the one the mock returns in that
iteration, so the clean shapes are clean and repeatable; that a teardown
that fails because a later iteration's body failed first leaves the test
"not repeatable" (the body's failure its message) instead of failing it in
cmocka, and that its first run's entries, reachable only through the failed
iteration's, are no leak; and the leaking twin is a leak naming
keep_result's caller chain, not a crash or "not repeatable"; and that the
time line (LEAKCHECK_SLOW_MS) of a leaking test calls its runs with stacks
what they are, not runs "while the growth was ambiguous".

Usage: run_sssd.py LIBLEAKCHECK SSSD_SHAPES LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def functions(finding):
    return [fr.get("function") or "" for fr in finding.get("stack", [])]


def preloaded(tmp, group, extra=None):
    js = os.path.join(tmp, f"pre-{group}.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js,
               **(extra or {}))
    p = subprocess.run([binary, group], env=env, capture_output=True, text=True, timeout=100)
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    return p, {t["name"]: t for t in doc["tests"]}


with tempfile.TemporaryDirectory() as tmp:
    for group in ("clean", "leaky", "repeat", "timed"):  # each passes cmocka on its own
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

    p, tests = preloaded(tmp, "repeat")
    out = p.stdout + p.stderr
    check("repeat: exit status 0, cmocka fails nothing",
          p.returncode == 0 and "FAILED" not in out, out)
    t = tests.get("copy_keytab_order", {})
    nr = t.get("not_repeatable") or {}
    check("copy_keytab_order: not repeatable at iteration 2, judged clean from its first run",
          t.get("verdict") == "clean" and nr.get("iteration") == 2, str(t.get("message")))
    check("copy_keytab_order: the body's failure is the message, not the teardown's",
          "0x8 != 0x4" in (nr.get("message") or ""), str(nr))
    check("copy_keytab_order: the first run's entries are no leak",
          "nothing left behind" in (t.get("message") or "")
          and not any(f.get("kind") == "memory" for f in t.get("findings", [])),
          str(t.get("message")))

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

    # dyndns_test_timeout (2 s a run) leaks: the time line said its 8 runs
    # with stacks ran "while the growth was ambiguous", and that the options
    # it names would run it 3 times
    p, tests = preloaded(tmp, "timed", {"LEAKCHECK_SLOW_MS": "0"})
    slow = [l for l in (p.stdout + p.stderr).splitlines() if "runs took" in l]
    check("slow line: one for the leaking test", len(slow) == 1, str(slow))
    line = slow[0] if slow else ""
    t = tests.get("leaks_per_call", {})
    ext = t.get("iterations", {}).get("extended", 0)
    check("timed: the leak", t.get("verdict") == "leak" and ext > 0, str(t.get("message")))
    check("slow line: the runs with stacks said as such",
          f"{ext} more with stacks to find where the growth comes from" in line
          and "ambiguous" not in line, line)
    check("slow line: with the short options 5 runs", "would run it 5 times" in line, line)
    p, tests = preloaded(tmp, "timed", {"LEAKCHECK_WARMUP": "1", "LEAKCHECK_ITERATIONS": "2",
                                        "LEAKCHECK_MAX_ITERATIONS": "2"})
    t = tests.get("leaks_per_call", {})
    check("short options: 5 runs for a leaking test, as the line says",
          len(t.get("series", [])) == 5 and t.get("verdict") == "leak",
          f"{len(t.get('series', []))} runs, {t.get('verdict')}")

    js = os.path.join(tmp, "run-clean.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, "clean"],
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("run clean: exit status 0", p.returncode == 0, out)
    check("run clean: no crash, cmocka fails nothing",
          "FAILED" not in out and "as crashed" not in out and "killed by signal" not in out, out)

    # the repeat group under leakcheck run: the second run's entries leave the
    # table (leakcheck made them) but stay roots, so the first run's, linked
    # behind them, are still reachable at exit (they read lost before)
    p = subprocess.run([tool, "run", "--cmocka", "--", binary, "repeat"],
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("run repeat: exit status 0", p.returncode == 0, out)
    check("run repeat: nothing lost at exit", "no leaks" in out and
          "definitely lost: 0 blocks" in out and "indirectly lost: 0 blocks" in out, out)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: always/maybe values queued anew each iteration answer that iteration")
