#!/usr/bin/python3
"""Runs realcode_shapes (a plain cmocka binary) under LEAKCHECK_CMOCKA=1 and
checks every verdict from its JSON report: a bounded ring that fills after the
measured iterations is clean (its twin, an unbounded list, is a leak), an
expect_assert_failure test is repeated as usual (clean; its twin leaks per
iteration, not "not repeatable"); then behind a wrapper that loads
libleakcheck too (timeout, a shell that forks the test) the report is still
written, by the test; under `leakcheck run --cmocka` the fds a test left open
are named at exit with the stack that opened them; a file found through a
relative -I is reported by its absolute path, and told apart on the console
from the test file of the same base name; an fd a pthread_once initialiser
opens, in a test judged from its single run, is not left open by it, and a
test that is not repeatable leaves `leakcheck run`'s fd check at exit
whole; a worker thread such a test's first run started is kept while its
handle is reachable and left when dropped. realcode_abort sets
CMOCKA_TEST_ABORT=1 in its main (as libnetconf2's suites do): a leak fails its
test and the tests after it still run (cmocka aborted there before); the
program's own failing assertion still aborts, as without leakcheck; a value
that cannot be set aside (putenv of a string literal) is said in one line.

Usage: run_shapes.py LIBLEAKCHECK REALCODE_SHAPES LEAKCHECK_TOOL REALCODE_ABORT"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool, abort_bin = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def run(cmd, js):
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=100)


def functions(t):
    return {fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])}


EXPECT = {
    "clean_error_ring": ("clean", None),
    "leak_error_list": ("leak", "err_list_push"),
    "clean_expect_assert": ("clean", None),
    "leak_expect_assert": ("leak", "parse_or_assert"),
    "leak_fd_fopen": ("leak", "open_words"),
    "leak_included_file": ("leak", "shapes_encode"),
    "clean_included_file": ("clean", None),
}

with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "r.json")
    p = run([binary], js)
    out = p.stdout + p.stderr
    check("exit status 5 (five leaks)", p.returncode == 5, f"{p.returncode}\n{out}")
    tests = {t["name"]: t for t in json.load(open(js))["tests"]}
    for name, (verdict, fn) in EXPECT.items():
        t = tests.get(name, {})
        check(f"{name} {verdict}", t.get("verdict") == verdict, str(t.get("message")))
        check(f"{name} repeated (not a single run)", not t.get("not_repeatable"),
              str(t.get("not_repeatable")))
        if fn:
            check(f"{name} names {fn}", fn in functions(t), str(functions(t)))
        if fn and name != "leak_fd_fopen":
            check(f"{name} grows per iteration", "per iteration" in t.get("message", ""),
                  str(t.get("message")))
    # an fd opened under pthread_once, judged from a single run: not a leak
    t = tests.get("clean_once_pipe_single_run", {})
    check("once pipe: clean", t.get("verdict") == "clean", str(t.get("message")))
    check("once pipe: judged from a single run", bool(t.get("not_repeatable")),
          str(t.get("not_repeatable")))
    check("once pipe: the once rule listed", any("pthread_once" in s.get("rule", "")
          for s in t.get("suppressions", [])), str(t.get("suppressions")))
    # a worker thread the first run of a single-run test started: kept while
    # its handle is reachable, left behind when dropped
    t = tests.get("clean_worker_kept_single_run", {})
    check("kept worker: clean, single run", t.get("verdict") == "clean" and
          bool(t.get("not_repeatable")), str(t.get("message")))
    t = tests.get("leak_worker_dropped_single_run", {})
    check("dropped worker: a thread left", t.get("verdict") == "leak" and
          "1 thread left running or unjoined" in (t.get("message") or ""), str(t.get("message")))
    check("dropped worker: names start_dropped", "start_dropped" in functions(t), str(functions(t)))
    # a file named through a relative -I: an absolute path, told apart from
    # the test file of the same base name on the console
    t = tests.get("leak_included_file", {})
    files = {fr.get("file") for f in t.get("findings", []) for fr in f.get("stack", [])
             if fr.get("function") == "shapes_encode"}
    check("included file: one absolute path without ..", len(files) == 1 and all(
        f and f.startswith("/") and "/../" not in f and
        f.endswith("tests/realcode/lib/shapes.c") for f in files), str(files))
    summ = " ".join(f.get("summary", "") for f in t.get("findings", []))
    check("included file: told apart on the console",
          "(lib/shapes.c:" in summ and "(realcode/shapes.c:" in summ, summ)
    # wrappers: each loads libleakcheck (LD_PRELOAD) but runs no test
    for label, cmd in (("timeout", ["timeout", "60", binary]),
                       ("sh forking the test", ["sh", "-c", '"$0"; s=$?; exit $s', binary])):
        wj = os.path.join(tmp, label.split()[0] + ".json")
        p = run(cmd, wj)
        check(f"behind {label}: the test writes the report", os.path.exists(wj),
              p.stderr[-800:])
        check(f"behind {label}: nothing says the report was inherited",
              "inherited from process" not in p.stderr, p.stderr[-800:])
        if os.path.exists(wj):
            n = len(json.load(open(wj))["tests"])
            check(f"behind {label}: 10 tests in the report", n == 10, str(n))
    # leakcheck run: the fds left at exit keep the stack that opened them
    rj = os.path.join(tmp, "run.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={rj}", "--", binary],
                       capture_output=True, text=True, timeout=100)
    procs = [t for t in json.load(open(rj))["tests"] if t["name"].startswith("process:")]
    fds = [f for t in procs for f in t.get("findings", []) if f.get("kind") == "fd"]
    # after a test that is not repeatable (clean_once_pipe_single_run), the
    # fds earlier tests left are still the program's
    check("run: fds left open at exit", len(fds) >= 10, str(len(fds)))
    check("run: each names open_words", fds and all(
        "open_words" in [fr.get("function") for fr in f.get("stack", [])] for f in fds),
        str([f.get("stack") for f in fds][:2]))
    check("run: the once pipe is not open at exit (pthread_once)",
          not any("open_pipe_once" in [fr.get("function") for fr in f.get("stack", [])]
                  for f in fds), str([f.get("stack") for f in fds][-2:]))
    check("run: never 'no stack'", "opened by a call leakcheck does not wrap" not in p.stderr,
          p.stderr[-800:])

    # CMOCKA_TEST_ABORT=1: leakcheck's verdict fails the test, the run goes on
    aj = os.path.join(tmp, "abort.json")
    p = run([abort_bin], aj)
    out = p.stdout + p.stderr
    check("abort env: exit status 1 (one leak), not an abort", p.returncode == 1,
          f"{p.returncode}\n{out[-1500:]}")
    check("abort env: the tests after the leak ran", "[  PASSED  ] 2 test(s)." in out, out[-1500:])
    tests = {t["name"]: t for t in json.load(open(aj))["tests"]} if os.path.exists(aj) else {}
    t = tests.get("leak_socket_on_failed_handshake", {})
    check("abort env: the socket's leak names connect_or_fail", t.get("verdict") == "leak" and
          "connect_or_fail" in functions(t), str(t.get("message")))
    for name in ("clean_socket_on_failed_handshake", "clean_buffer"):
        check(f"abort env: {name} clean", tests.get(name, {}).get("verdict") == "clean",
              str(tests.get(name, {}).get("message")))
    # the program's own failure still aborts, and the value is set back for it
    p = run([abort_bin, "assert"], aj)
    check("abort env: a failing assertion still aborts (134)", p.returncode in (134, -6),
          f"{p.returncode}\n{(p.stdout + p.stderr)[-800:]}")
    # a test aborting on what a test that was not repeatable left: one line
    p = run([abort_bin, "abandoned"], aj)
    out = p.stdout + p.stderr
    check("after an abandoned run: the abort (134)", p.returncode in (134, -6), str(p.returncode))
    check("after an abandoned run: one line names both tests",
          "[leakcheck] uses_left_state: aborted (SIGABRT) while it ran" in out and
          "after counts_once, which was not repeatable" in out, out[-800:])
    tests = {t["name"]: t for t in json.load(open(aj))["tests"]} if os.path.exists(aj) else {}
    check("after an abandoned run: the report has it crashed",
          tests.get("uses_left_state", {}).get("verdict") == "crashed", str(tests))
    # abort() in a second run: not repeatable, judged from its first run;
    # the tests after it run
    p = run([abort_bin, "require"], aj)
    out = p.stdout + p.stderr
    check("abort in a repeat: exit 0", p.returncode == 0, f"{p.returncode}\n{out[-800:]}")
    tests = {t["name"]: t for t in json.load(open(aj))["tests"]} if os.path.exists(aj) else {}
    t = tests.get("aborts_when_repeated", {})
    check("abort in a repeat: clean, not repeatable (aborted)", t.get("verdict") == "clean" and
          "Aborted" in ((t.get("not_repeatable") or {}).get("message") or ""), str(t))
    check("abort in a repeat: the next test judged",
          tests.get("clean_buffer", {}).get("verdict") == "clean", str(tests.get("clean_buffer")))
    # a value in read-only memory: one line, then cmocka's abort
    p = run([abort_bin, "literal"], aj)
    out = p.stdout + p.stderr
    check("abort env: read-only value: one line", "CMOCKA_TEST_ABORT=1 and its value cannot be "
          "set aside" in out, out[-800:])
    check("abort env: read-only value: cmocka aborts", p.returncode in (134, -6), str(p.returncode))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: error ring, expect_assert_failure, reports behind a wrapper, fds at exit, "
      "included files, CMOCKA_TEST_ABORT")
