#!/usr/bin/python3
"""Runs cstest_shapes (capstone's cstest shape, a plain cmocka binary) under
LEAKCHECK_CMOCKA=1 and under `leakcheck run --cmocka`, and checks:
- order: leakcheck's line for a test whose body failed comes before the next
  test's "[ RUN      ]" (it came after it, inside the next test's lines);
  a per-test setup that fails with fail_msg in the first run is the setup's
  error (failure_type "setup", a JUnit <error type="setup">), as cmocka's
  own ERROR says without leakcheck, not an assertion failure "see the cmocka
  message above"; a zeroed table entry is no test (5 ran of 6 entries);
- leak: the planted leak (release skips a 6-byte instruction's detail) is a
  leak naming decode and the line of the detail's calloc, its twin clean.

Usage: run_cstest.py LIBLEAKCHECK CSTEST_SHAPES LEAKCHECK_TOOL SOURCE"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool, source = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

DETAIL_LINE = next(i for i, line in enumerate(open(source), 1)
                   if "cstest_shapes: the detail's allocation" in line)


def load(path):
    return {t["name"]: t for t in json.load(open(path))["tests"]} if os.path.exists(path) else {}


def preloaded(tmp, group):
    js, xml = os.path.join(tmp, f"pre-{group}.json"), os.path.join(tmp, f"pre-{group}.xml")
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js,
               LEAKCHECK_JUNIT=xml)
    p = subprocess.run([binary, group], env=env, capture_output=True, text=True, timeout=100)
    junit = open(xml).read() if os.path.exists(xml) else ""
    return p, load(js), junit, json.load(open(js)) if os.path.exists(js) else {}


def line_index(lines, text):
    return next((i for i, line in enumerate(lines) if text in line), -1)


def check_order(label, out):
    lines = out.splitlines()
    for failed, after in (("body_fails", "after_body_fails"), ("setup_fails", "after_setup_fails")):
        ours = line_index(lines, f"] {failed}: ")
        nxt = line_index(lines, f"[ RUN      ] {after}")
        check(f"{label}: leakcheck's line for {failed} is printed", ours >= 0, out)
        check(f"{label}: leakcheck's line for {failed} before the next test's RUN line",
              0 <= ours < nxt, out)


def detail_named(t):
    for f in t.get("findings", []):
        frames = f.get("stack", [])
        for fr in frames:
            if fr.get("function") == "decode" and (fr.get("file") or "").endswith(
                    "cstest_shapes.c") and fr.get("line") == DETAIL_LINE:
                return True
    return False


with tempfile.TemporaryDirectory() as tmp:
    plain = subprocess.run([binary, "order"], capture_output=True, text=True, timeout=100)
    check("order without leakcheck: cmocka fails 2 (a body, a setup)",
          "cstest_shapes: 2 failed" in plain.stdout, plain.stdout + plain.stderr)

    p, tests, junit, doc = preloaded(tmp, "order")
    out = p.stdout + p.stderr
    check("order: cmocka still fails 2", "cstest_shapes: 2 failed" in p.stdout, out)
    check_order("order preloaded", p.stdout)
    t = tests.get("setup_fails", {})
    check("setup_fails: the setup's error", t.get("verdict") == "failed"
          and t.get("failure_type") == "setup" and "setup failed" in (t.get("message") or ""),
          str(t))
    check("setup_fails: a JUnit error of type setup", '<error type="setup"' in junit, junit[-2000:])
    t = tests.get("body_fails", {})
    check("body_fails: an assertion failure, not a fixture's", t.get("verdict") == "failed"
          and not t.get("failure_type") in ("setup", "teardown"), str(t))
    for name in ("first_clean", "after_body_fails", "after_setup_fails"):
        check(f"{name} clean", tests.get(name, {}).get("verdict") == "clean", str(tests.get(name)))
    cm = doc.get("cmocka", {})
    check("order: 5 tests ran of 6 entries (a zeroed entry is no test)",
          cm.get("ran") == 5 and cm.get("judged") == 5, str(cm))

    p, tests, junit, doc = preloaded(tmp, "leak")
    out = p.stdout + p.stderr
    t = tests.get("detail_leaks", {})
    check("detail_leaks: a leak", t.get("verdict") == "leak", str(t)[:1500])
    check(f"detail_leaks: names decode (cstest_shapes.c:{DETAIL_LINE})", detail_named(t),
          json.dumps(t.get("findings"))[:2000])
    check("detail_clean: clean", tests.get("detail_clean", {}).get("verdict") == "clean",
          str(tests.get("detail_clean"))[:1500])

    for group in ("order", "leak"):
        js = os.path.join(tmp, f"run-{group}.json")
        p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary, group],
                           capture_output=True, text=True, timeout=100)
        out = p.stdout + p.stderr
        tests = load(js)
        if group == "order":
            check_order("run --cmocka", p.stdout)
            check("run --cmocka: setup_fails is the setup's error",
                  tests.get("setup_fails", {}).get("failure_type") == "setup",
                  str(tests.get("setup_fails")))
        else:
            t = tests.get("detail_leaks", {})
            check("run --cmocka: detail_leaks names decode", t.get("verdict") == "leak"
                  and detail_named(t), str(t)[:1500])
            check("run --cmocka: detail_clean clean",
                  tests.get("detail_clean", {}).get("verdict") == "clean",
                  str(tests.get("detail_clean"))[:1500])

for f in failures:
    print("FAIL:", f)
print("cstest_shapes:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
