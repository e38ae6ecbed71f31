#!/usr/bin/python3
"""A pthread_create wrapper linked ahead of libleakcheck (start_shim.c, ASan's
order) or behind it keeps two blocks of every new thread's start-up: the clean
tests that start threads stay clean with flat live blocks, the twin whose
start routine keeps a block per iteration is a leak naming
leaky_start_routine, and no finding has a stack without a frame of the
program. A thread held in the start-up for good is a thread leak; behind
libleakcheck it never reaches the trampoline and its finding says so.

usage: run_thread_start.py HARNESS_THREAD_START_BINARY ahead|behind"""
import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    report = os.path.join(tmp, "r.json")
    env = dict(os.environ, LEAKCHECK_JSON=report)
    p = subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, timeout=300)
    print(p.stdout[-3000:])
    with open(report) as f:
        tests = {t["name"]: t for t in json.load(f)["tests"]}

for name in ("clean_runtime_keeps_start_blocks", "clean_detached_runtime_keeps_start_blocks"):
    t = tests[name]
    check(f"{name} is clean ({t['verdict']}: {t.get('message')})", t["verdict"] == "clean")
    check(f"{name}: no finding ({[fi['summary'] for fi in t['findings']]})", not t["findings"])
# joined threads leave nothing at all: every snapshot after warm-up is the same
t = tests["clean_runtime_keeps_start_blocks"]
live = [s["live_blocks"] for s in t["series"]][t["iterations"]["warmup"]:]
check(f"clean_runtime_keeps_start_blocks: live blocks flat after warm-up ({live})",
      len(set(live)) == 1)
# detached ones may need fresh stacks (glibc's cache, a built-in rule): that alone
t = tests["clean_detached_runtime_keeps_start_blocks"]
rules = [s["rule"] for s in t.get("suppressions") or []]
check(f"clean_detached_runtime_keeps_start_blocks: only glibc's stack cache is set aside "
      f"({rules})", set(rules) <= {"leak:_dl_allocate_tls"})

leak = tests["leak_from_start_routine"]
mem = [fi for fi in leak["findings"] if fi["kind"] == "memory"]
named = [fr.get("function") for fi in mem for fr in (fi.get("stack") or [])]
check(f"leak_from_start_routine is a leak ({leak['verdict']})", leak["verdict"] == "leak")
check(f"... naming leaky_start_routine ({named})", "leaky_start_routine" in named)
check("... and only there (no finding of the shim's start-up alone)",
      mem and all(any(fr.get("function") == "leaky_start_routine" for fr in fi.get("stack") or [])
                  for fi in mem))
stuck = tests["leak_thread_stuck_in_start_up"]
threads = [fi for fi in stuck["findings"] if fi["kind"] == "thread"]
check(f"leak_thread_stuck_in_start_up is a thread leak ({stuck['verdict']})",
      stuck["verdict"] == "leak" and threads)
if sys.argv[2] == "behind":
    why = "never reached leakcheck's start trampoline"
    check(f"... not sampled: {why} ({threads[0]['summary'] if threads else None})",
          threads and all(why in fi["summary"] for fi in threads))
    check(f"... without waiting for an answer ({stuck['duration']:.2f} s < 2 s)",
          stuck["duration"] < 2)
check(f"exit status 2, two failed tests ({p.returncode})", p.returncode == 2)
print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
