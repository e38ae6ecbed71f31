#!/usr/bin/python3
"""Runs harness_rare at default settings and checks from its JSON report:
rare leaks (every 7th and 10th call, fds and threads kept in 2 of 7
iterations) are leaks naming the planted function; their twins, which grow as
rarely but stop, are clean with an honest message ("growth that stopped",
the iterations in which it grew) and reason; a realloc in place is 0 blocks
and +100 B per iteration.

Usage: run_rare.py HARNESS_RARE LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

# test -> (verdict, reason, kind, function in a finding's stack or None)
EXPECT = {
    "leak_every_7th": ("leak", "site_grows", "memory", "leak_on_7th_call"),
    "leak_every_10th": ("leak", "site_grows", "memory", "leak_on_10th_call"),
    "clean_rare_cap": ("clean", "growth_stopped", None, None),
    "leak_fd_2_of_7": ("leak", "kept_growth", "fd", None),
    "clean_fd_once": ("clean", "growth_stopped", None, None),
    "leak_thread_2_of_7": ("leak", "kept_growth", "thread", None),
    "clean_thread_2_of_7_joined": ("clean", None, None, None),
    # allocated in warm-up (no stack yet) and grown in place since: its
    # finding has no stack, and says why
    "leak_realloc_in_place": ("leak", "site_grows", "memory", None),
    "leak_deep_stack": ("leak", "site_grows", "memory", "deep_leaf"),
    "leak_fd_fopen": ("leak", "site_grows", "fd", "open_stream"),
}

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


with tempfile.TemporaryDirectory() as tmp:
    report = os.path.join(tmp, "r.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env["LEAKCHECK_JSON"] = report
    p = subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, timeout=300)
    tests = {t["name"]: t for t in json.load(open(report))["tests"]}

for name, (verdict, reason, kind, fn) in EXPECT.items():
    t = tests.get(name)
    if t is None:
        check(name, False, "missing from the report")
        continue
    msg = t.get("message") or ""
    check(f"{name} verdict", t["verdict"] == verdict, f"{t['verdict']}: {msg}")
    if reason:
        check(f"{name} reason", t.get("reason") == reason, f"{t.get('reason')}: {msg}")
    if kind:
        found = [f for f in t["findings"] if f["kind"] == kind]
        check(f"{name} has a {kind} finding", bool(found), msg)
        if fn:
            named = [fr.get("function") for f in found for fr in f.get("stack") or []]
            check(f"{name} names {fn}", fn in named, str(named))
    else:
        check(f"{name} has no finding", not t["findings"], msg)
    check(f"{name} within LEAKCHECK_MAX_ITERATIONS",
          t["iterations"]["measured"] + t["iterations"]["extended"] <= 2 * 40 + 2)

# honest words: a clean twin that grew says so, with the iterations it grew in
cap = tests["clean_rare_cap"]["message"]
check("cap twin says growth that stopped",
      cap.startswith("growth that stopped: live blocks grew in measured iterations 5, 12 (+2"),
      cap)
check("cap twin never says no growth", "no growth" not in cap, cap)
fd = tests["clean_fd_once"]["message"]
check("fd twin names the iteration it grew in", "fds grew in measured iteration 3 (+1" in fd, fd)
# exact figures: whole blocks, requested bytes, fractions as "every k"
m7 = tests["leak_every_7th"]["message"]
check("every 7th in words", m7.startswith("1 block every 7 iterations"), m7)
ri = tests["leak_realloc_in_place"]["message"]
check("realloc in place: bytes, not blocks", ri.startswith("+0 blocks, +100 B per iteration"), ri)
summ = [f.get("summary") for f in tests["leak_realloc_in_place"]["findings"]]
check("realloc in place: site summary",
      any(s and s.startswith("+0 blocks/iter, +100 B/iter  (no stack: allocated before stacks")
          for s in summ), str(summ))
# leakcheck compare: a test measured in OLD that fails in NEW is a regression,
# never "only in OLD"
tool = sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    env["LEAKCHECK_JSON"] = os.path.join(tmp, "old.json")
    subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, timeout=300)
    doc = json.load(open(env["LEAKCHECK_JSON"]))
    for t in doc["tests"]:
        if t["name"] == "clean_rare_cap":
            t.update(verdict="failed", message="planted failure", reason="failed",
                     series=[], findings=[])
    new = os.path.join(tmp, "new.json")
    json.dump(doc, open(new, "w"))
    c = subprocess.run([tool, "compare", env["LEAKCHECK_JSON"], new], capture_output=True,
                       text=True, timeout=60)
    check("compare: a test failing in NEW is a regression, exit 1",
          c.returncode == 1 and "test rare::clean_rare_cap: failed in NEW  regression" in c.stdout
          and "clean_rare_cap: only in OLD" not in c.stdout and "1 failing in NEW" in c.stdout,
          c.stdout + c.stderr)
    c = subprocess.run([tool, "compare", env["LEAKCHECK_JSON"], env["LEAKCHECK_JSON"]],
                       capture_output=True, text=True, timeout=60)
    check("compare: the same run twice is equal, exit 0",
          c.returncode == 0 and "0 failing in NEW" in c.stdout, c.stdout + c.stderr)

# stacks people read: the innermost frame and the test body, middle elided;
# leakcheck's own frames nowhere, JSON included
deep = tests["leak_deep_stack"]["findings"][0]["summary"]
check("deep stack: innermost frame first", "deep_leaf (rare.c:" in deep, deep)
check("deep stack: the test body last, the middle elided",
      deep.rstrip().endswith("<- ... <- leak_deep_stack_lc_body (rare.c:" +
                             deep.rstrip().rsplit("rare.c:", 1)[1]), deep)
for t in tests.values():
    for f in t["findings"]:
        for fr in (f.get("stack") or []) + (f.get("current_stack") or []):
            fn, mod = fr.get("function") or "", fr.get("module") or ""
            check(f"{t['name']}: no leakcheck frame in the JSON",
                  "libleakcheck" not in mod and not fn.startswith("lc__") and
                  fn not in ("lc_test_run", "call_body", "_cmocka_run_group_tests"), str(fr))
fo = [f for f in tests["leak_fd_fopen"]["findings"] if f["kind"] == "fd"]
check("fopen fd: the first frame is the user's", fo and
      fo[0]["stack"][0].get("function") == "open_stream", str(fo[:1]))

leaks = sum(1 for e in EXPECT.values() if e[0] == "leak")
check("exit status is the number of leaks", p.returncode == leaks, str(p.returncode))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: {len(EXPECT)} rare-leak verdicts, reasons and figures")
