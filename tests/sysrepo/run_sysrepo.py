#!/usr/bin/python3
"""Runs sysrepo_shapes (a plain cmocka suite whose main sets
CMOCKA_TEST_ABORT=1, as sysrepo's do) preloaded under LEAKCHECK_CMOCKA=1.
Checks that leakcheck's leak verdict fails session_never_stopped without
cmocka aborting the run: the tests after it run and are
clean, the finding names conn_session_start in sysrepo_shapes.c, the status
is a failure but not SIGABRT's. Then with a test that fails its own
assertion after the leak: cmocka still aborts there (the variable was put
back), and the report written so far has the leak. LEAKCHECK_SLOW_MS=0
gives each test one line with its runs, their time and the options that
shorten them; by default these fast tests get none. Last, a test whose
callback, run in a thread the test starts, asserts that it is its first
call: the repeat aborts in that thread; one line names the test, the
iteration and the thread, and the crashed verdict says so. And two tests
that cannot be repeated, judged from their first run: one grows the group's
shared-memory mapping as sysrepo's sr_shm_remap does (munmap, ftruncate,
mmap): clean, nothing left behind; its twin maps the file once more and
keeps it: one mapping left mapped in the single run. Last, a test that
cannot be repeated whose first run adds a session to the group fixture's
connection (allocated before any test): clean preloaded (the main heap's
chunks in use at the test's start, glibc's free lists left out, are roots of
its single-run scan) and under `leakcheck run --cmocka`. Its twin's session
is linked nowhere: lost in its single run, named in session_new_unlinked.

Usage: run_sysrepo.py LIBLEAKCHECK SYSREPO_SHAPES LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def run(tmp, *args, extra=None):
    js = os.path.join(tmp, f"r{len(args)}.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEAKCHECK_", "CMOCKA_"))}
    env.update(LEAKCHECK_CMOCKA="1", LEAKCHECK_JSON=js, LD_PRELOAD=lib, TMPDIR=tmp)
    env.update(extra or {})
    p = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)
    sys.stdout.write(f"--- {' '.join(args) or 'plain suite'}: status {p.returncode}\n")
    sys.stdout.write(p.stdout[-3000:] + p.stderr[-3000:])
    tests = {}
    if os.path.exists(js):
        with open(js) as f:
            tests = {t["name"]: t for t in json.load(f).get("tests", [])}
    return p.returncode, p.stdout + p.stderr, tests


def names_start(t):
    for f in t.get("findings", []):
        fns = [(fr.get("function"), os.path.basename(fr.get("file") or "")) for fr in f.get("stack", [])]
        if ("conn_session_start", "sysrepo_shapes.c") in fns:
            return True
    return False


with tempfile.TemporaryDirectory() as tmp:
    rc, out, tests = run(tmp)
    check("status: a failure, not an abort", rc not in (0, -6, 134), str(rc))
    leak = tests.get("session_never_stopped", {})
    check("session_never_stopped leaks", leak.get("verdict") == "leak", leak.get("verdict", "missing"))
    check("the finding names conn_session_start (sysrepo_shapes.c)", names_start(leak))
    check("no time line for fast tests by default", "runs took" not in out)
    for name in ("session_stopped", "runs_after_the_leak"):
        check(f"{name} ran after the leak and is clean", tests.get(name, {}).get("verdict") == "clean",
              tests.get(name, {}).get("verdict", "missing"))

    rc, out, tests = run(tmp, extra={"LEAKCHECK_SLOW_MS": "0"})
    slow = [l for l in out.splitlines() if l.startswith("[leakcheck] ") and "runs took" in l]
    check("LEAKCHECK_SLOW_MS=0: one time line per test", len(slow) == 3, str(slow))
    line = [l for l in slow if l.startswith("[leakcheck] session_stopped: 10 runs took ")]
    check("the line counts the runs and names the options that shorten them", bool(line)
          and "2 warm-up, 8 measured)" in line[0]
          and "LEAKCHECK_WARMUP=1 LEAKCHECK_ITERATIONS=2 LEAKCHECK_MAX_ITERATIONS=2 would run it "
              "3 times" in line[0], str(slow))

    rc, out, tests = run(tmp, "fails")
    check("the suite's own failure still aborts", rc in (-6, 134), str(rc))
    check("the leak is in the report written before the abort",
          tests.get("session_never_stopped", {}).get("verdict") == "leak")

    rc, out, tests = run(tmp, "thread")
    check("a failure in the callback thread aborts", rc in (-6, 134), str(rc))
    line = [l for l in out.splitlines() if "in a thread other than the test's" in l]
    check("one line names the thread's failure", len(line) == 1, out[-800:])
    check("the line names the test, its iteration and the cmocka behaviour",
          bool(line) and "iteration 2 of callback_counts_calls" in line[0]
          and "sysrepo_shapes.c:" in line[0] and "aborts the run (CMOCKA_TEST_ABORT=1)" in line[0],
          line[0] if line else "")
    t = tests.get("callback_counts_calls", {})
    check("its verdict is crashed, with the reason", t.get("verdict") == "crashed"
          and "in a thread other than the test's" in (t.get("message") or ""), str(t.get("message")))

    rc, out, tests = run(tmp, "remap")
    t = tests.get("remap_once", {})
    check("remap_once: not repeatable, clean", t.get("verdict") == "clean" and "not_repeatable" in t
          and "nothing left behind" in (t.get("message") or ""), str(t.get("message")))
    t = tests.get("map_once_kept", {})
    maps = [f for f in t.get("findings", []) if f.get("kind") == "mapping"]
    check("map_once_kept: one mapping left in the single run", t.get("verdict") == "leak"
          and len(maps) == 1 and "left mapped in the single run" in (maps[0].get("summary") or ""),
          str(t.get("message")) + " " + str([f.get("summary") for f in maps]))
    check("map_once_kept: the mapping's stack names the test",
          bool(maps) and any(fr.get("function") == "map_once_kept" for fr in maps[0].get("stack", [])))

    rc, out, tests = run(tmp, "kept")
    t = tests.get("session_kept_once", {})
    check("session_kept_once preloaded: clean, the group fixture's connection holds it",
          t.get("verdict") == "clean" and "nothing left behind" in (t.get("message") or ""),
          str(t.get("message")))
    t = tests.get("session_lost_once", {})
    check("session_lost_once preloaded: 1 block lost in its single run, in session_new_unlinked",
          t.get("verdict") == "leak" and "1 block, 44 B lost" in (t.get("message") or "")
          and "session_new_unlinked" in {fr.get("function") for f in t.get("findings", [])
                                         for fr in f.get("stack", [])}, str(t.get("message")))
    js = os.path.join(tmp, "run.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEAKCHECK_", "CMOCKA_"))}
    env.update(TMPDIR=tmp)
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, "kept"], env=env,
                       capture_output=True, text=True, timeout=120)
    sys.stdout.write(f"--- kept, leakcheck run --cmocka: status {p.returncode}\n")
    with open(js) as f:
        t = {x["name"]: x for x in json.load(f).get("tests", [])}.get("session_kept_once", {})
    check("session_kept_once under leakcheck run --cmocka: clean, nothing left behind",
          t.get("verdict") == "clean" and "nothing left behind" in (t.get("message") or ""),
          str(t.get("message")))

for f in failures:
    print("FAIL " + f)
if not failures:
    print("ok: leakcheck's verdict under CMOCKA_TEST_ABORT=1 fails its test, the run goes on")
sys.exit(1 if failures else 0)
