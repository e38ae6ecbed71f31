#!/usr/bin/python3
"""Runs the shapes of GLib-based suites (Pacemaker's) unmodified.
glib_fork_asserts under LEAKCHECK_CMOCKA=1: a test forks a child that must die
of SIGABRT (pcmk__assert_asserts); the clean test is clean and repeated, its
twin leaks per iteration naming parse_checked, no child ever prints a line of
leakcheck's or goes on running the tests (cmocka's output appears once).
glib_early_main under `leakcheck run`: pages held only by a block a library's
constructor allocated before libleakcheck's (GSlice's thread magazine) are
not lost; the block its twin drops is, naming early_pool_drop.
glib_alike_lines: three leaking stacks that differ only in a middle frame
(Pacemaker's assert_parse_bool) get three different summary lines, each
naming check_flag's line; a leak in a per-test setup (Pacemaker's
setup_test) has a stack that ends at the setup, not at cmocka's runner.
glib_pool_turnover: a worker that replaces the one before it every call
(GThreadPool's unused workers) is clean; its twin, a worker kept per call,
leaks threads naming start_worker.

Usage: run_glib.py LIBLEAKCHECK LEAKCHECK_TOOL GLIB_FORK_ASSERTS GLIB_EARLY_MAIN GLIB_ALIKE_LINES
       GLIB_POOL_TURNOVER"""
import json
import os
import subprocess
import sys
import tempfile

lib, tool, fork_bin, early_bin, alike_bin, pool_bin = sys.argv[1:7]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def functions(t):
    return {fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])}


with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "fork.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([fork_bin], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("fork: exit status 1 (one leak)", p.returncode == 1, f"{p.returncode}\n{out[-1500:]}")
    check("fork: no child says it aborted", "aborted (SIGABRT)" not in out, out[-1500:])
    check("fork: no child runs on (cmocka's summary once)",
          out.count("[==========]") == 2 and "without asserting" not in out, out[-1500:])
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    t = tests.get("clean_fork_asserts", {})
    check("fork: clean_fork_asserts clean", t.get("verdict") == "clean", str(t.get("message")))
    check("fork: clean_fork_asserts repeated", not t.get("not_repeatable"),
          str(t.get("not_repeatable")))
    t = tests.get("leak_fork_asserts", {})
    check("fork: leak_fork_asserts leaks per iteration", t.get("verdict") == "leak" and
          "per iteration" in (t.get("message") or ""), str(t.get("message")))
    check("fork: the leak names parse_checked", "parse_checked" in functions(t),
          str(functions(t)))
    check("fork: leak_fork_asserts repeated", not t.get("not_repeatable"),
          str(t.get("not_repeatable")))

    # leakcheck run: the early block is a root, the pages it holds are reachable
    for arg, lost in (([], 0), (["leak"], 1)):
        rj = os.path.join(tmp, f"early{len(arg)}.json")
        p = subprocess.run([tool, "run", f"--json={rj}", "--", early_bin] + arg,
                           capture_output=True, text=True, timeout=100)
        out = p.stdout + p.stderr
        label = "early pool" + (" leak" if arg else "")
        check(f"{label}: exit status {lost}", p.returncode == lost, f"{p.returncode}\n{out[-1500:]}")
        check(f"{label}: early_pool_grow's pages are not lost",
              "early_pool_grow" not in out.split("still reachable")[0], out[-1500:])
        check(f"{label}: the pages are still reachable",
              "still reachable: 4 blocks, 1984 bytes" in out, out[-1500:])
        if lost:
            check(f"{label}: the dropped block names early_pool_drop",
                  "1 block, 200 bytes definitely lost" in out and "early_pool_drop" in out,
                  out[-1500:])

    # summary lines that would read alike name the frame that tells them apart
    js = os.path.join(tmp, "alike.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([alike_bin], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    t = tests.get("leak_three_lines", {})
    lines = [f.get("summary", "") for f in t.get("findings", [])]
    check("alike: three findings", t.get("verdict") == "leak" and len(lines) == 3, str(lines))
    check("alike: three different lines", len(set(lines)) == len(lines), "\n".join(lines))
    check("alike: each names check_flag's line",
          all("check_flag (alike_lines.c:" in x for x in lines), "\n".join(lines))
    t = tests.get("leak_in_setup", {})
    st = [f.get("stack", []) for f in t.get("findings", [])]
    check("setup: the leak in the setup found", t.get("verdict") == "leak" and len(st) == 1,
          str(t.get("message")))
    check("setup: its stack ends at setup_copy",
          st and st[0] and st[0][-1].get("function") == "setup_copy" and
          "copy_path" in [fr.get("function") for fr in st[0]],
          str([[fr.get("function") for fr in s] for s in st]))

    # threads that replace one another: turnover; kept per call: a leak
    js = os.path.join(tmp, "pool.json")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([pool_bin], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("pool: exit status 1 (one leak)", p.returncode == 1, f"{p.returncode}\n{out[-1500:]}")
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    t = tests.get("clean_pool_turnover", {})
    check("pool: clean_pool_turnover clean", t.get("verdict") == "clean", str(t.get("message")))
    t = tests.get("leak_pool_grows", {})
    check("pool: leak_pool_grows leaks threads", t.get("verdict") == "leak" and
          "threads left running" in (t.get("message") or ""), str(t.get("message")))
    check("pool: the thread finding names start_worker", "start_worker" in functions(t),
          str(functions(t)))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: forked children that abort, blocks allocated before leakcheck started, lines that read alike, worker turnover")
