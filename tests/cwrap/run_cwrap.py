#!/usr/bin/python3
"""Runs cwrap_suite (a plain cmocka binary whose setups setenv a fresh
directory each run, as cwrap's torture suites do) with sockwrap (a preload
library shaped like socket_wrapper) beside libleakcheck: preloaded under
LEAKCHECK_CMOCKA=1 in both orders (leakcheck first, then the wrapper first)
and under `leakcheck run --cmocka`. Checks from the JSON reports that with
the clean wrapper every test is clean, setenv's kept values listed under the
built-in rule with hits, and that with the leaky wrapper (close forgets the
per-socket record) socket_open_close leaks with one finding naming
sockwrap_info_new at sockwrap.c:LINE and the test, the other test clean.
Last, with SOCKWRAP_LOG set the wrapper opens a file through its own dlsym of
libc's open and keeps it (socket_wrapper's pcap file): `leakcheck run` lists
it at exit with no stack and says why.

Then own_wrappers, a program defining open, openat, close and fcntl itself
(socket_wrapper's test_swrap_unit compiles the wrapper in), under `leakcheck
run --cmocka`: the fd of leakcheck's own per-test report is never listed.

Usage: run_cwrap.py LIBLEAKCHECK CWRAP_SUITE LEAKCHECK_TOOL SOCKWRAP SOCKWRAP_LEAKY OWN_WRAPPERS"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool, wrap, leaky, own = sys.argv[1:7]
failures = []
TESTS = ("socket_open_close", "socketpair_open_close")
SETENV_RULE = "leak:__add_to_environ"


def check(what, ok, detail=""):
    if not ok:
        failures.append(f"{what}{': ' + detail if detail else ''}")


def frames(finding):
    return finding.get("stack", [])


def summaries(t):
    return str([f.get("summary") for f in t.get("findings", [])])


def run(mode, wrapper, tmp, log=None):
    """Runs the suite in one mode; returns (exit status, {test: result})."""
    js = os.path.join(tmp, f"{mode}-{os.path.basename(wrapper)}.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env.update(TMPDIR=tmp)
    if log:
        env["SOCKWRAP_LOG"] = log
    if mode == "run":
        env["LD_PRELOAD"] = wrapper
        cmd = [tool, "run", "--cmocka", f"--json={js}", "--", binary]
    else:
        order = [lib, wrapper] if mode == "leakcheck first" else [wrapper, lib]
        env.update(LEAKCHECK_CMOCKA="1", LEAKCHECK_JSON=js, LD_PRELOAD=":".join(order))
        cmd = [binary]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    sys.stdout.write(f"--- {mode}, {os.path.basename(wrapper)}: status {p.returncode}\n")
    sys.stdout.write(p.stdout[-2000:] + p.stderr[-2000:])
    run.stderr = p.stderr
    try:
        with open(js) as f:
            return p.returncode, {t["name"]: t for t in json.load(f)["tests"]}
    except (OSError, ValueError) as e:
        check(f"{mode}: a JSON report", False, str(e))
        return p.returncode, {}


def check_clean(mode, status, tests):
    check(f"{mode}, clean wrapper: exit status 0", status == 0, str(status))
    for name in TESTS:
        t = tests.get(name, {})
        check(f"{mode}: {name} clean", t.get("verdict") == "clean",
              str(t.get("message", "missing")) + " " + summaries(t))
        hits = {s["rule"]: s for s in t.get("suppressions", [])}
        rule = hits.get(SETENV_RULE, {})
        check(f"{mode}: {name} lists {SETENV_RULE} with hits and its reason",
              rule.get("hits", 0) > 0 and "setenv" in (rule.get("why") or ""),
              str(t.get("suppressions")))


def check_leaky(mode, status, tests, line):
    check(f"{mode}, leaky wrapper: exit status non-zero", status != 0, str(status))
    t = tests.get("socket_open_close", {})
    check(f"{mode}: socket_open_close leaks", t.get("verdict") == "leak",
          str(t.get("message", "missing")))
    found = t.get("findings", [])
    ok = len(found) == 1 and found[0].get("kind") == "memory"
    fr = frames(found[0]) if ok else []
    top = fr[0] if fr else {}
    check(f"{mode}: one finding, at sockwrap_info_new (sockwrap.c:{line})",
          ok and top.get("function") == "sockwrap_info_new"
          and os.path.basename(top.get("file") or "") == "sockwrap.c"
          and top.get("line") == line, summaries(t) + " " + str(top))
    check(f"{mode}: the finding's stack reaches the test",
          any(f.get("function") == "socket_open_close" for f in fr), summaries(t))
    t = tests.get("socketpair_open_close", {})
    check(f"{mode}: socketpair_open_close clean beside it", t.get("verdict") == "clean",
          str(t.get("message", "missing")) + " " + summaries(t))


def planted_line():
    """The line of sockwrap_info_new's calloc, read from the source."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sockwrap.c")
    with open(src) as f:
        for n, text in enumerate(f, 1):
            if "calloc(1, sizeof *si)" in text:
                return n
    return -1


line = planted_line()
with tempfile.TemporaryDirectory() as tmp:
    for mode in ("leakcheck first", "wrapper first", "run"):
        check_clean(mode, *run(mode, wrap, tmp))
        check_leaky(mode, *run(mode, leaky, tmp), line)
    log = os.path.join(tmp, "sockwrap.log")
    status, tests = run("run", wrap, tmp, log)
    check("run, kept log file: exit status 1 (one fd open at exit)", status == 1, str(status))
    check("run: the log fd listed at exit, with why it has no stack",
          f"({log}) open at exit" in run.stderr
          and "a library calling libc through its own dlsym" in run.stderr, run.stderr[-800:])

env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
env.pop("LD_PRELOAD", None)
p = subprocess.run([tool, "run", "--cmocka", "--", own], env=env, capture_output=True,
                   text=True, timeout=300)
sys.stdout.write(f"--- run, own_wrappers: status {p.returncode}\n" + p.stderr[-1500:])
check("run, own_wrappers: leakcheck's report fd not listed at exit",
      "tests.json) open at exit" not in p.stderr, p.stderr[-800:])

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: beside a socket_wrapper-like preload library, in both orders and under run "
      "--cmocka, setenv's kept values are listed, not leaks; the wrapper's planted leak "
      f"is named at sockwrap.c:{line}")
