#!/usr/bin/python3
"""Runs the toy suite (a plain cmocka binary, unmodified) under
LEAKCHECK_CMOCKA=1 with libleakcheck preloaded and checks every verdict from
its JSON report: each planted leak is a leak naming the planted function, each
clean twin is clean, tests that cannot be repeated are judged from a single
run, the counts of what cmocka ran and leakcheck judged are right, and the
exit status is non-zero although main drops cmocka's result. Then the bad
inputs and a LEAKCHECK_TEST binary with fixtures and a plain test.

Usage: run_suite.py LIBLEAKCHECK TOY_SUITE NOT_CMOCKA STATIC_RUNNER
                    GROUP_SETUP_FAILS MIXED REPORT_SCHEMA LEAKCHECK_TOOL TOY_SUITE_CLEAN"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

# test -> (verdict, kind of finding, function in its stack, not repeatable?)
EXPECT = {
    "queue_fill": ("clean",),
    "queue_fill_leaky_reset": ("leak", "memory", "toy_queue_push"),
    "config_ok": ("clean",),
    "config_error_clean": ("clean",),
    "config_error_leaks": ("leak", "memory", "toy_config_load_leaky"),
    "um_clean": ("clean",),
    "um_leaks": ("leak", "memory", "toy_um_leak"),
    "um_realloc_clean": ("clean",),
    "um_realloc_leaks": ("leak", "memory", "toy_um_leak"),
    "once_counter": ("clean", None, None, True),
    "once_counter_leaks": ("leak", "memory", "toy_register_leaky", True),
    "once_exclusive_file": ("clean", None, None, True),
    "once_crashes_when_repeated": ("clean", None, None, True),
    "once_setup_exclusive": ("clean", None, None, True),
    "once_exclusive_file_leaks_fd": ("leak", "fd", "toy_lock_create_leaky", True),
    "worker_job_clean": ("clean",),
    "worker_job_leaks": ("leak", "memory", "worker_job"),
    "prestate_reads_state": ("clean",),
}
GROUP = {n: ("worker" if n.startswith(("worker", "prestate")) else "queue") for n in EXPECT}

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def run(argv, env, tmp):
    env = dict(os.environ, SUITE_TMPDIR=tmp, **env)
    for k in ("LEAKCHECK_CMOCKA", "LEAKCHECK_JSON", "LEAKCHECK_JUNIT", "LD_PRELOAD"):
        if k not in env or env[k] is None:
            env.pop(k, None)
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)


def load(path):
    with open(path) as f:
        return json.load(f)


def check_schema(doc, schema, what):
    try:
        jsonschema.validate(doc, schema)
    except jsonschema.ValidationError as e:
        failures.append(f"{what}: the report does not follow the schema: {e.message}")


def check_suite(lib, suite, tmp, schema):
    report = os.path.join(tmp, "suite.json")
    p = run([suite], {"LD_PRELOAD": lib, "LEAKCHECK_CMOCKA": "1", "LEAKCHECK_JSON": report},
            tmp)
    sys.stdout.write(p.stdout[-6000:])
    doc = load(report)
    check_schema(doc, schema, "the toy suite")
    tests = {t["name"]: t for t in doc["tests"]}
    for name, exp in EXPECT.items():
        t = tests.get(name)
        if t is None:
            failures.append(f"{name}: missing from the report")
            continue
        check(f"{name}: verdict", t["verdict"] == exp[0],
              f"{t['verdict']}, expected {exp[0]} ({t['message']})")
        check(f"{name}: group", t["group"] == GROUP[name], t["group"])
        check(f"{name}: file is the test's source", t["file"].endswith(".c"), t["file"])
        nr = len(exp) > 3 and exp[3]
        check(f"{name}: not repeatable", bool(t.get("not_repeatable")) == nr,
              str(t.get("not_repeatable")))
        if nr:
            check(f"{name}: 'single run' in the verdict", "single run" in t["message"],
                  t["message"])
            check(f"{name}: the failed iteration is named",
                  t["not_repeatable"]["iteration"] == 2, str(t["not_repeatable"]))
        if exp[0] == "leak":
            kind, fn = exp[1], exp[2]
            named = [fr.get("function") for fi in t["findings"] if fi["kind"] == kind
                     for fr in (fi.get("stack") or [])]
            check(f"{name}: a {kind} finding names {fn}", fn in named, str(named))
    check("a crash when repeated is named", "crashed: Segmentation fault" in
          tests.get("once_crashes_when_repeated", {}).get("message", ""))
    check("a setup that fails when repeated is named", "the test's setup returned -1" in
          tests.get("once_setup_exclusive", {}).get("message", ""))
    lost = [fi for fi in tests["once_counter_leaks"]["findings"] if fi["kind"] == "memory"]
    check("single-run blocks are classified", lost and lost[0].get("leak_kind") == "definite",
          str(lost))
    bg = [fi["summary"] for fi in tests["worker_job_leaks"]["findings"]]
    check("the group fixture's worker leaks as a background thread",
          any("background thread" in s for s in bg), str(bg))
    c = doc.get("cmocka", {})
    check("cmocka counts", c == {"groups": 2, "ran": 18, "judged": 18, "not_judged": []},
          str(c))
    leaks = sum(1 for e in EXPECT.values() if e[0] == "leak")
    check("exit status 1 although main returns 0", p.returncode == 1, str(p.returncode))
    check("the console says main dropped the result",
          f"{leaks} tests failed by leakcheck but" in p.stdout, p.stdout[-500:])
    check("the console counts what cmocka ran",
          "cmocka ran 18 tests in 2 groups; leakcheck judged 18" in p.stdout)

    # The same binary without LEAKCHECK_CMOCKA: nothing judged, every test named.
    report2 = os.path.join(tmp, "plain.json")
    p = run([suite], {"LD_PRELOAD": lib, "LEAKCHECK_JSON": report2}, tmp)
    c = load(report2).get("cmocka", {})
    check("without LEAKCHECK_CMOCKA nothing is judged",
          c.get("ran") == 18 and c.get("judged") == 0 and
          sorted(c.get("not_judged", [])) == sorted(EXPECT), str(c))
    check("without LEAKCHECK_CMOCKA the console names them",
          "not judged (plain cmocka tests; LEAKCHECK_CMOCKA=1 judges them): queue_fill,"
          in p.stdout, p.stdout[-400:])

    # LEAKCHECK_EXIT_CODE=0 keeps main's 0.
    p = run([suite], {"LD_PRELOAD": lib, "LEAKCHECK_CMOCKA": "1", "LEAKCHECK_EXIT_CODE": "0"},
            tmp)
    check("LEAKCHECK_EXIT_CODE=0 keeps the program's status", p.returncode == 0,
          str(p.returncode))


def check_bad_input(lib, not_cmocka, static_runner, group_fails, tmp):
    for prog, what in ((not_cmocka, "not a cmocka suite"),
                       (static_runner, "a runner bound inside the program")):
        p = run([prog], {"LEAKCHECK_CMOCKA": "1"}, tmp)
        lines = [l for l in p.stderr.splitlines() if l.startswith("leakcheck:")]
        check(f"{what}: non-zero exit", p.returncode != 0, str(p.returncode))
        check(f"{what}: one line saying so and how to proceed",
              len(lines) == 1 and "never ran a cmocka group" in lines[0] and
              "link the test with libcmocka.so" in lines[0], p.stderr)
    report = os.path.join(tmp, "group.json")
    p = run([group_fails], {"LD_PRELOAD": lib, "LEAKCHECK_CMOCKA": "1",
                            "LEAKCHECK_JSON": report}, tmp)
    doc = load(report)
    check("a failed group setup: cmocka reports it", "GROUP SETUP" in p.stdout + p.stderr)
    check("a failed group setup: its tests are not run or judged, the next group is",
          [t["name"] for t in doc["tests"]] == ["runs"] and
          doc["cmocka"] == {"groups": 2, "ran": 1, "judged": 1, "not_judged": []},
          json.dumps(doc["cmocka"]))
    check("a failed group setup: cmocka's status", p.returncode == 1, str(p.returncode))


def check_mixed(mixed, tmp):
    report = os.path.join(tmp, "mixed.json")
    p = run([mixed], {"LEAKCHECK_JSON": report}, tmp)
    doc = load(report)
    tests = {t["name"]: t for t in doc["tests"]}
    check("LEAKCHECK_TEST with per-test fixtures: they run in every iteration",
          tests.get("macro_with_fixtures", {}).get("verdict") == "clean",
          str(tests.get("macro_with_fixtures")))
    named = [fr.get("function") for fi in tests.get("macro_with_leaky_fixture", {}).get(
        "findings", []) for fr in (fi.get("stack") or [])]
    check("LEAKCHECK_TEST with a leaky teardown: a leak naming toy_queue_push",
          tests.get("macro_with_leaky_fixture", {}).get("verdict") == "leak" and
          "toy_queue_push" in named, str(named))
    nr = tests.get("macro_not_repeatable", {})
    check("a LEAKCHECK_TEST that is not repeatable: clean, from a single run",
          nr.get("verdict") == "clean" and "single run" in nr.get("message", "") and
          nr.get("not_repeatable", {}).get("iteration") == 2, str(nr.get("message")))
    check("a plain test in a LEAKCHECK_TEST binary is named as not judged",
          doc["cmocka"]["not_judged"] == ["plain_test"], str(doc["cmocka"]))
    check("lc_test_run from a plain function with fixtures: judged, and a note says "
          "the fixtures run once", tests.get("direct_call", {}).get("verdict") == "clean" and
          "direct_call: its cmocka per-test setup/teardown run once around all iterations"
          in p.stdout, p.stdout[-600:])
    check("mixed: cmocka's status (one leak)", p.returncode == 1, str(p.returncode))
    report = os.path.join(tmp, "mixed-all.json")
    p = run([mixed], {"LEAKCHECK_JSON": report, "LEAKCHECK_CMOCKA": "1"}, tmp)
    doc = load(report)
    check("mixed under LEAKCHECK_CMOCKA=1: all five judged",
          doc["cmocka"]["judged"] == 5 and len(doc["tests"]) == 5, str(doc["cmocka"]))
    check("mixed under LEAKCHECK_CMOCKA=1: a plain function calling lc_test_run is judged "
          "as a plain test, and a note says so",
          "direct_call calls lc_test_run itself" in p.stdout and
          [t["verdict"] for t in doc["tests"] if t["name"] == "direct_call"] == ["clean"],
          p.stdout[-600:])


def check_process_mode(tool, clean_suite, suite, tmp):
    """`leakcheck run` on a cmocka binary: the process stays the one scope and
    the one report (the group runner passes through)."""
    report = os.path.join(tmp, "run.json")
    p = run([tool, "run", "--json", report, "--", clean_suite], {}, tmp)
    doc = load(report)
    check("leakcheck run on the clean suite: no leaks, exit 0",
          p.returncode == 0 and "no leaks" in p.stderr, p.stderr[-400:])
    check("leakcheck run on the clean suite: one process result",
          [t["name"] for t in doc["tests"]] == ["process:" + os.path.basename(clean_suite)]
          and "cmocka" not in doc, str([t["name"] for t in doc["tests"]]))
    p = run([tool, "run", "--", suite], {}, tmp)
    check("leakcheck run on the leaky suite: its leaks at exit", p.returncode == 1 and
          "leaked blocks" in p.stderr, p.stderr[-400:])


def main():
    lib, suite, not_cmocka, static_runner, group_fails, mixed = sys.argv[1:7]
    schema = load(sys.argv[7])
    with tempfile.TemporaryDirectory() as tmp:
        check_suite(lib, suite, tmp, schema)
        check_bad_input(lib, not_cmocka, static_runner, group_fails, tmp)
        check_mixed(mixed, tmp)
        check_process_mode(sys.argv[8], sys.argv[9], suite, tmp)
    for f in failures:
        print("FAIL", f)
    print("suite checks:", "all passed" if not failures else f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
