#!/usr/bin/python3
"""Runs cxx_leaks (C++ container leaks) and checks its JSON report and console.

Each leak must be a leak whose every memory finding has the user's function,
in cxx_leaks.cpp with a line, in its JSON stack; each console stack line of
the leak must read "operator new(unsigned long) <- [... <-] FUNCTION
(cxx_leaks.cpp:N)": the C++ library's frames in between (std::allocator,
std::vector, _Rb_tree, basic_string internals) are skipped. Clean twins must
be clean, and the exit status must be the number of leaks."""
import json
import os
import re
import subprocess
import sys
import tempfile

EXPECT = {
    "leak_std_vector": "make_vector_and_forget()",
    "clean_std_vector_twin": None,
    "leak_std_map": "registry_add()",
    "clean_std_map_twin": None,
    "leak_std_string": "keep_string_buffer()",
    "clean_std_string_twin": None,
}


def console_stacks(err, test):
    """The stack lines of the test's cmocka failure message (standard error)."""
    lines, inside = [], False
    for line in err.splitlines():
        if f"leakcheck: {test}:" in line:
            inside = True
        elif inside and "block/iter" in line:
            lines.append(line)
        elif inside and line.startswith("["):
            break
    return lines


def check_test(name, fn, tests, out):
    t = tests.get(name)
    if t is None:
        return [f"{name}: missing from the report"]
    want = "leak" if fn else "clean"
    if t["verdict"] != want:
        return [f"{name}: verdict {t['verdict']}, expected {want} ({t.get('message')})"]
    if not fn:
        return []
    errors = []
    memory = [fi for fi in t["findings"] if fi["kind"] == "memory"]
    if not memory:
        errors.append(f"{name}: no memory finding")
    for fi in memory:
        frames = fi.get("stack") or []
        if not any(fr.get("function") == fn and (fr.get("file") or "").endswith("cxx_leaks.cpp")
                   and fr.get("line", 0) > 0 for fr in frames):
            errors.append(f"{name}: JSON stack never reaches {fn} in cxx_leaks.cpp: "
                          f"{[(fr.get('function'), fr.get('file')) for fr in frames]}")
    shape = re.compile(r"operator new\(unsigned long\) <- (\.\.\. <- )?" + re.escape(fn) +
                       r" \(cxx_leaks\.cpp:\d+\)")
    stacks = console_stacks(out, name)
    if len(stacks) != len(memory):
        errors.append(f"{name}: {len(stacks)} console stack lines for {len(memory)} findings")
    for line in stacks:
        if not shape.search(line):
            errors.append(f"{name}: console stack does not go from operator new to {fn}: {line}")
    return errors


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        env = dict(os.environ, LEAKCHECK_JSON=report)
        env.pop("CMOCKA_MESSAGE_OUTPUT", None)
        proc = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
        sys.stdout.write(proc.stdout[-20000:])
        sys.stderr.write(proc.stderr[-5000:])
        with open(report) as f:
            doc = json.load(f)
    tests = {t["name"]: t for t in doc["tests"]}
    failures = []
    for name, fn in EXPECT.items():
        failures += check_test(name, fn, tests, proc.stderr)
    leaks = sum(1 for fn in EXPECT.values() if fn)
    if proc.returncode != leaks:
        failures.append(f"exit status {proc.returncode}, expected {leaks} (one per leak)")
    for f in failures:
        print("FAIL", f)
    print(f"{len(EXPECT)} tests checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
