#!/usr/bin/env python3
"""Checks that the kvcache suite (test_kvcache) gets the verdicts it was
written to get, from its JSON report.

    check_kvcache.py --run BINARY         runs BINARY with a temporary report
    check_kvcache.py REPORT.json STATUS   checks a run that already exited with STATUS

The suite plants three bugs in kvcache.c. Each must be reported as a leak of
the right kind whose stack names the library function behind it; every other
test must be clean, the expected leak must be listed with its rule, the
benchmark must stay within its budget of zero allocations per kvc_get, and the
exit status (cmocka: the number of failed tests) must be 3. A leak that is not
detected, a clean test that turns into a leak, a crash: all exit 1. So the
planted failures are the expected outcome and only a broken example (or a
broken leakcheck) fails the check."""
import json
import os
import subprocess
import sys
import tempfile

# test -> (verdict, kind of finding, functions its stack must name)
EXPECT = {
    "put_get_remove_is_clean": ("clean",),
    "load_config_is_clean": ("clean",),
    "cache_fills_to_capacity": ("clean",),
    "flusher_start_stop_is_clean": ("clean",),
    "overwrite_with_longer_value_leaks": ("leak", "memory", ["entry_set_value", "kvc_put"]),
    "known_overwrite_leak_is_expected": ("clean",),
    "flusher_failed_write_leaks_thread": ("leak", "thread", ["kvc_flusher_start"]),
    "load_bad_line_leaks_fd": ("leak", "fd", ["kvc_load"]),
}
EXPECTED_RULES = {"known_overwrite_leak_is_expected": "leak:entry_set_value"}
# Benchmarks are reported apart from tests (and not counted in the exit
# status while within budget); each must have run and stayed within it.
BENCHMARKS = ["bench_cache_get"]


def check(doc, status):
    problems = []
    if doc.get("schema", {}).get("name") != "leakcheck-report":
        return ["not a leakcheck report"]
    tests = {t["name"]: t for t in doc.get("tests", [])}
    for name in tests.keys() - EXPECT.keys():
        problems.append(f"{name}: in the report but not expected here (add it to EXPECT)")
    for name, exp in EXPECT.items():
        t = tests.get(name)
        if t is None:
            problems.append(f"{name}: missing from the report")
            continue
        verdict = t["verdict"]
        if verdict != exp[0]:
            problems.append(f"{name}: {verdict}, expected {exp[0]} ({t.get('message')})")
            continue
        if verdict == "clean" and t.get("findings"):
            problems.append(f"{name}: clean but with findings {t['findings']}")
        if verdict == "leak":
            kind, functions = exp[1], exp[2]
            stacks = [[fr.get("function") for fr in (f.get("stack") or [])]
                      for f in t["findings"] if f["kind"] == kind]
            if not any(all(fn in s for fn in functions) for s in stacks):
                names = " and ".join(functions)
                problems.append(f"{name}: no {kind} finding names {names}; "
                                f"its {kind} stacks: {stacks}")
        rule = EXPECTED_RULES.get(name)
        if rule and not any(s["rule"] == rule and s["hits"] > 0
                            for s in t.get("suppressions", [])):
            problems.append(f"{name}: rule {rule} not listed as matched")
    benches = {b["name"]: b for b in doc.get("benchmarks", [])}
    for name in BENCHMARKS:
        b = benches.get(name)
        if b is None:
            problems.append(f"{name}: benchmark missing from the report")
        elif b.get("failed"):
            problems.append(f"{name}: benchmark failed ({b.get('message')})")
        elif b.get("allocs_per_op") != 0:
            problems.append(f"{name}: {b.get('allocs_per_op')} allocs/op, expected 0")
    leaks = sum(1 for e in EXPECT.values() if e[0] == "leak")
    if status != leaks:
        problems.append(f"exit status {status}, expected {leaks} (one per planted leak)")
    return problems


def main(argv):
    if len(argv) == 3 and argv[1] == "--run":
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "kvcache.json")
            env = dict(os.environ, LEAKCHECK_JSON=report)
            proc = subprocess.run([argv[2]], env=env, capture_output=True, text=True,
                                  timeout=300)
            sys.stdout.write(proc.stdout[-20000:])
            sys.stderr.write(proc.stderr[-5000:])
            status = proc.returncode
            try:
                with open(report) as f:
                    doc = json.load(f)
            except (OSError, ValueError) as e:
                print(f"FAIL no readable report: {e}")
                return 1
    elif len(argv) == 3:
        with open(argv[1]) as f:
            doc = json.load(f)
        status = int(argv[2])
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    problems = check(doc, status)
    for p in problems:
        print("FAIL", p)
    if problems:
        print(f"kvcache example: {len(problems)} unexpected result(s)")
        return 1
    leaks = sum(1 for e in EXPECT.values() if e[0] == "leak")
    print(f"kvcache example: as planned: {len(EXPECT) - leaks} clean, "
          f"{leaks} planted leaks caught and named, {len(BENCHMARKS)} benchmark "
          f"within budget, exit status {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
