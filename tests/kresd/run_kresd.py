#!/usr/bin/python3
"""Runs kresd_shapes (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and
under `leakcheck run --cmocka`, and checks, by PART:

shapes: libuv's default loop, opened by the first uv_default_loop() and
  kept for the process, is no fd left open at exit (it failed every
  knot-resolver binary that plans a query: "4 fds left open ... uv_loop_init
  <- uv_default_loop <- kr_rplan_push_query"), while a loop of the test's own
  that is never closed still leaks (growth preloaded, its fds at exit naming
  own_loop_open); the leaking twins of the other parts are leaks in both modes.
single_run_outer: under leakcheck run --cmocka a test that is not repeatable
  is judged by its own first run, not charged with a block main lost before
  the tests nor with the first block an earlier test leaked (both read "lost
  in the single run" of the next not-repeatable test), and the check at exit
  still reports main's block.
group_state_link: preloaded, what a not-repeatable test adds to the group
  setup's container is reachable through it, even when the container's first
  word is still glibc's thread-cache link (trie_t's undefined root): it read
  "10 blocks, 320 B lost" (test_trie's test_insert: 163 blocks).

Usage: run_kresd.py PART LIBLEAKCHECK KRESD_SHAPES LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

part, lib, binary, tool = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def load(js):
    doc = json.load(open(js)) if os.path.exists(js) else {"tests": []}
    return {t["name"]: t for t in doc.get("tests", [])}


def preloaded(tmp, group):
    js = os.path.join(tmp, f"pre-{group}.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary, group], env=env, capture_output=True, text=True, timeout=100)
    return p, load(js)


def under_run(tmp, group):
    js = os.path.join(tmp, f"run-{group}.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, group],
                       capture_output=True, text=True, timeout=100)
    return p, load(js)


def functions(test):
    return [fr.get("function") or "" for f in test.get("findings", [])
            for fr in f.get("stack", [])]


def single_run_clean(t, name, mode):
    check(f"{mode}: {name} is not repeatable", bool(t.get("not_repeatable")), str(t))
    check(f"{mode}: {name} clean, nothing left behind",
          t.get("verdict") == "clean" and "nothing left behind" in (t.get("message") or ""),
          str(t.get("message")))


with tempfile.TemporaryDirectory() as tmp:
    for group in ("loop", "ownloop", "outer", "trie"):  # each passes cmocka on its own
        p = subprocess.run([binary, group], capture_output=True, text=True, timeout=100)
        check(f"{group} without leakcheck: cmocka passes", p.returncode == 0, p.stdout + p.stderr)

    if part == "shapes":
        p, tests = under_run(tmp, "loop")
        out = p.stdout + p.stderr
        check("run loop: exit status 0", p.returncode == 0, out)
        check("run loop: no fd left open at exit", "left open" not in out, out)
        check("run loop: the test is clean",
              tests.get("clean_default_loop", {}).get("verdict") == "clean", out)
        p, tests = preloaded(tmp, "loop")
        check("loop preloaded: clean, exit status 0", p.returncode == 0 and
              tests.get("clean_default_loop", {}).get("verdict") == "clean", p.stdout + p.stderr)

        p, tests = preloaded(tmp, "ownloop")
        t = tests.get("leak_own_loop", {})
        check("ownloop preloaded: a leak", p.returncode != 0 and t.get("verdict") == "leak",
              p.stdout + p.stderr)
        check("ownloop preloaded: naming own_loop_open", "own_loop_open" in functions(t),
              str(functions(t)))
        check("ownloop preloaded: fds grow too", "fds left open" in (t.get("message") or ""),
              str(t.get("message")))
        p, tests = under_run(tmp, "ownloop")
        out = p.stdout + p.stderr
        check("run ownloop: fails", p.returncode != 0, out)
        check("run ownloop: its fds at exit, opened under own_loop_open",
              "fds left open" in out and "own_loop_open" in out.split("fds left open", 1)[-1], out)
        check("run ownloop: no default loop is involved", "uv_default_loop" not in out, out)

        for mode, run in (("preloaded", preloaded), ("run", under_run)):
            p, tests = run(tmp, "outer")
            t = tests.get("leak_each_call", {})
            check(f"{mode}: leak_each_call leaks, naming iterator_begin",
                  t.get("verdict") == "leak" and "iterator_begin" in functions(t),
                  str(t.get("message")) + str(functions(t)))
            p, tests = run(tmp, "trie")
            t = tests.get("fill_box_lost", {})
            check(f"{mode}: fill_box_lost leaks, naming box_insert",
                  t.get("verdict") == "leak" and "box_insert" in functions(t),
                  str(t.get("message")) + str(functions(t)))
        p, tests = preloaded(tmp, "outer")
        for name in ("once_after_main", "once_after_test"):
            single_run_clean(tests.get(name, {}), name, "preloaded")
        p, tests = under_run(tmp, "trie")
        single_run_clean(tests.get("fill_group_box", {}), "fill_group_box", "run")

    elif part == "single_run_outer":
        p, tests = under_run(tmp, "outer")
        out = p.stdout + p.stderr
        for name in ("once_after_main", "once_after_test"):
            single_run_clean(tests.get(name, {}), name, "run")
        exit_part = out.split("lost at exit", 1)[-1]
        check("run outer: main's lost block still reported at exit",
              "lost at exit" in out and "main_loses_block" in exit_part, out)

    elif part == "group_state_link":
        p, tests = preloaded(tmp, "trie")
        single_run_clean(tests.get("fill_group_box", {}), "fill_group_box", "preloaded")

    else:
        check(f"part {part!r}", False, "expected shapes, single_run_outer or group_state_link")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print(f"ok: kresd {part}")
