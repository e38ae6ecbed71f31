#!/usr/bin/python3
"""Leaked threads that block every signal: caught as thread leaks, each with a
note that its current stack was not sampled, and the test's report time
bounded (no 250 ms timeout per thread).

usage: run_masked_threads.py MASKED_THREADS_BINARY"""
import json
import os
import subprocess
import sys
import tempfile
import time

failures = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    json_path = os.path.join(tmp, "r.json")
    env = dict(os.environ, LEAKCHECK_JSON=json_path)
    t0 = time.monotonic()
    p = subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - t0
    print(p.stdout[-1500:])
    with open(json_path) as f:
        t = {x["name"]: x for x in json.load(f)["tests"]}
    check("the twin that joins its threads is clean",
          t["clean_masked_threads_twin"]["verdict"] == "clean")
    leak = t["leaks_masked_threads"]
    threads = [fi for fi in leak["findings"] if fi["kind"] == "thread"]
    check("the masked threads are a thread leak", leak["verdict"] == "leak" and threads)
    check(f"at least 200 leaked threads are listed ({len(threads)})", len(threads) >= 200)
    check("each names its creating test",
          all(any(fr.get("function") == "leaks_masked_threads_lc_body" for fr in fi["stack"])
              for fi in threads))
    check("each says why its current stack is missing",
          all("not sampled: it blocks the sampling signal" in fi["summary"] for fi in threads))
    check(f"the leaky test took {leak['duration']:.2f} s (< 10 s; 0.25 s per thread before)",
          leak["duration"] < 10)
    check(f"the whole run took {wall:.1f} s (< 30 s)", wall < 30)

print(f"{len(failures)} failed" if failures else "all passed")
sys.exit(1 if failures else 0)
