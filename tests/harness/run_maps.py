#!/usr/bin/python3
"""Runs the mapping and thread-handle suite (maps.c) and checks every verdict
from its JSON report: each leak a leak with the planted function in a finding
of the right kind (and, for mappings, the right length, protection and file),
each clean twin clean, the exit status the number of leaks; the report
follows the schema and `leakcheck report` reads it back."""
import json
import os
import subprocess
import sys
import tempfile

MIB = 1024 * 1024
# test -> (verdict, kind, function in its stack, {field: value} of that finding)
EXPECT = {
    "leak_mmap_every_iteration": ("leak", "mapping", "map_forever",
                                  {"length": MIB, "prot": "rw-p", "file": None}),
    "clean_mmap_twin": ("clean",),
    "clean_mmap_once": ("clean",),
    "leak_partial_munmap": ("leak", "mapping", "map_four_pages",
                            {"length": 4096, "prot": "r--p"}),
    "clean_partial_munmap_twin": ("clean",),
    "leak_mremap": ("leak", "mapping", "grow_mapping", {"length": 64 * 4096}),
    "clean_mremap_twin": ("clean",),
    "leak_file_mapping": ("leak", "mapping", "map_file", {"length": 4096, "prot": "r--p"}),
    "leak_shmat": ("leak", "mapping", "attach_segment",
                   {"length": 8192, "prot": "rw-s", "shm": True}),
    "clean_shmat_twin": ("clean",),
    "clean_thread_handle_stored": ("clean",),
    "leak_thread_handle_dropped": ("leak", "thread", "start_dropped", {"state": "running"}),
    "leak_thread_exited_unjoined_dropped": ("leak", "thread", "start_dropped",
                                            {"state": "exited-unjoined"}),
}


def check(name, t, exp, failures):
    if t["verdict"] != exp[0]:
        failures.append(f"{name}: verdict {t['verdict']}, expected {exp[0]} ({t.get('message')})")
        return
    if exp[0] != "leak":
        return
    kind, fn, fields = exp[1], exp[2], exp[3]
    hits = [fi for fi in t["findings"] if fi["kind"] == kind
            and fn in [fr.get("function") for fr in (fi.get("stack") or [])]]
    if not hits:
        failures.append(f"{name}: no {kind} finding names {fn}: {t['findings']}")
        return
    for k, v in fields.items():
        if hits[0].get(k) != v:
            failures.append(f"{name}: {k} is {hits[0].get(k)!r}, expected {v!r}")
    if kind == "mapping" and name == "leak_file_mapping" and not hits[0].get("file"):
        failures.append(f"{name}: no file named")


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        env = dict(os.environ, LEAKCHECK_JSON=report)
        proc = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
        sys.stdout.write(proc.stdout[-20000:])
        sys.stderr.write(proc.stderr[-5000:])
        with open(report) as f:
            doc = json.load(f)
        tool = os.path.join(os.path.dirname(binary), "leakcheck")
        rep = subprocess.run([tool, "report", report], capture_output=True, text=True, timeout=60)
    failures = []
    schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema",
                          "leakcheck-report.schema.json")
    import jsonschema
    with open(schema) as f:
        try:
            jsonschema.Draft202012Validator(json.load(f)).validate(doc)
        except jsonschema.ValidationError as e:
            failures.append(f"report does not follow the schema: {e.message}")
    if "1 MiB rw-p anonymous" not in rep.stdout:
        failures.append(f"leakcheck report (status {rep.returncode}) does not show the mapping: "
                        f"{rep.stdout[-2000:]} {rep.stderr[-500:]}")
    tests = {t["name"]: t for t in doc["tests"]}
    for name, exp in EXPECT.items():
        if name not in tests:
            failures.append(f"{name}: missing from the report")
        else:
            check(name, tests[name], exp, failures)
    # bad input: another mmap first, LEAKCHECK_CHECKS=mappings: one line per test, exit non-zero
    env = dict(os.environ, LD_PRELOAD=sys.argv[2], LEAKCHECK_CHECKS="mappings")
    env.pop("LEAKCHECK_JSON", None)
    bad = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=120)
    said = [l for l in (bad.stdout + bad.stderr).splitlines()
            if "LEAKCHECK_CHECKS=mappings cannot work here" in l]
    if bad.returncode == 0 or not said:
        failures.append(f"mmap interposed first: status {bad.returncode}, lines {said[:2]}")
    else:
        print("interposed mmap refused:", said[0])
    # leakcheck run: a mapping and threads left at exit are information, not failures
    with tempfile.TemporaryDirectory() as tmp:
        rj = os.path.join(tmp, "run.json")
        run = subprocess.run([tool, "run", "--json=" + rj, "--", sys.argv[3]],
                             capture_output=True, text=True, timeout=120)
        with open(rj) as f:
            rdoc = json.load(f)
    maps = [fi for t in rdoc["tests"] for fi in t["findings"] if fi["kind"] == "mapping"]
    named = [fi for fi in maps if "keep_mapping" in [fr.get("function") for fr in fi["stack"]]]
    if run.returncode != 0 or len(maps) != 1 or not named or named[0].get("fails") is not False \
            or named[0]["length"] != MIB or "mappings at exit: 1 (information)" not in run.stderr:
        failures.append(f"leakcheck run: status {run.returncode}, mappings {maps}, {run.stderr}")
    # threads at exit by handle: the kept one is not flagged, the two dropped ones are
    thr = [fi for t in rdoc["tests"] for fi in t["findings"] if fi["kind"] == "thread"]
    flagged = sorted(fi["state"] for fi in thr if "stored nowhere" in (fi["summary"] or ""))
    if len(thr) != 3 or flagged != ["exited-unjoined", "running"] \
            or any(fi.get("fails") is not False for fi in thr):
        failures.append(f"leakcheck run threads by handle: {thr}")
    # the console counts the exited, never joined one too (talloc's testsuite: 100 of them)
    if "threads at exit: 3 (information: 2 running, 1 exited and never joined)" not in run.stderr:
        failures.append(f"leakcheck run's summary does not count the unjoined thread: {run.stderr}")
    try:
        with open(schema) as f:
            jsonschema.Draft202012Validator(json.load(f)).validate(rdoc)
    except jsonschema.ValidationError as e:
        failures.append(f"leakcheck run's report does not follow the schema: {e.message}")
    leaks = sum(1 for e in EXPECT.values() if e[0] == "leak")
    if proc.returncode != leaks:
        failures.append(f"exit status {proc.returncode}, expected {leaks} (one per leak)")
    for f in failures:
        print("FAIL", f)
    print(f"{len(EXPECT)} checked, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
