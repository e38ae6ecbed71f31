#!/usr/bin/python3
"""Runs single_run_stale (a plain cmocka binary whose tests only their first
run passes) under LEAKCHECK_CMOCKA=1 with libleakcheck preloaded, and checks
from the JSON report, in each of 6 runs, that every test is judged from its
single run, that the block whose address only passed through a register is
a leak naming drop_block, and that OpenSSL's first use and the block kept in
a global are clean; and that a block dropped at the address a heap node
made before the group still names (dangling) is a leak naming drop_aliased,
while a node's block freed and replaced at the same address, and a block
stored in a node, are clean. Then once under `leakcheck run --cmocka`: the
dropped block is a leak of its own test only (it was reported again by
every later single run, the process scope's block taken for theirs), and the
tests that lose nothing are clean.

Usage: run_single_run_stale.py LIBLEAKCHECK SINGLE_RUN_STALE LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def functions(t):
    return {fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])}


# Where the stale copies land depends on the stack's random placement: on
# main's library the dropped block read as reachable in about half the runs,
# so the binary runs RUNS times and every run must judge alike.
RUNS = 6


def check_run(tests, run):
    for name, t in tests.items():
        check(f"run {run}: {name}: judged from its single run",
              t.get("reason") == "single_run" or t.get("not_repeatable"), str(t.get("message")))
    for name, fn in (("once_block_dropped", "drop_block"),
                     ("once_block_aliased_by_node", "drop_aliased")):
        t = tests.get(name, {})
        check(f"run {run}: {name}: leak", t.get("verdict") == "leak",
              str(t.get("message", "missing")))
        check(f"run {run}: {name}: a finding names {fn}", fn in functions(t), str(functions(t)))
    for name in ("once_openssl_first_use", "once_block_kept", "once_block_replaced",
                 "once_block_stored"):
        t = tests.get(name, {})
        check(f"run {run}: {name}: clean", t.get("verdict") == "clean",
              str(t.get("message", "missing")))


with tempfile.TemporaryDirectory() as tmp:
    for run in range(1, RUNS + 1):
        js = os.path.join(tmp, f"pre{run}.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
        env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
        if run == 1:
            sys.stdout.write(p.stdout[-3000:] + p.stderr[-2000:])
        # the shape under test: glibc handed the dangling address out again
        check(f"run {run}: the dropped block took the node's dangling address",
              "has the node's dangling address" in p.stderr, p.stderr[-500:])
        check_run({t["name"]: t for t in json.load(open(js))["tests"]}, run)

    # nested in `leakcheck run`: the nodes are the process scope's blocks,
    # not chunks from before tracking, so once_block_aliased_by_node is not
    # checked here (README, Limits)
    js = os.path.join(tmp, "run.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    p = subprocess.run([tool, "run", "--cmocka", "--json", js, "--", binary], env=env,
                       capture_output=True, text=True, timeout=300)
    tests = {t["name"]: t for t in json.load(open(js))["tests"]}
    t = tests.get("once_block_dropped", {})
    check("run --cmocka: once_block_dropped: leak naming drop_block",
          t.get("verdict") == "leak" and "drop_block" in functions(t), str(t.get("message")))
    for name in ("once_block_kept", "once_openssl_first_use", "once_block_replaced",
                 "once_block_stored"):
        t = tests.get(name, {})
        check(f"run --cmocka: {name}: clean (an earlier test's lost block is not its)",
              t.get("verdict") == "clean", str(t.get("message", "missing")))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: single runs: a lost block with stale copies of its address (on the stack, in a "
      "heap node) is a leak; OpenSSL's one-time state, a kept block, a replaced and a stored "
      "block are clean")
