#!/usr/bin/python3
"""Checks how failures, crashes, skips and aborts are reported.

usage: run_outcomes.py OUTCOMES_BINARY ABORTING_BINARY"""
import json
import os
import signal
import subprocess
import sys
import tempfile

failures = []
checked = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    checked.append(what)
    if not cond:
        failures.append(what)


def run(binary, tmp):
    json_path = os.path.join(tmp, "r.json")
    xml_path = os.path.join(tmp, "r.xml")
    env = dict(os.environ, LEAKCHECK_JSON=json_path, LEAKCHECK_JUNIT=xml_path)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    with open(json_path) as f:
        doc = json.load(f)
    return p, {t["name"]: t for t in doc["tests"]}, doc


with tempfile.TemporaryDirectory() as tmp:
    p, t, _ = run(sys.argv[1], tmp)
    print(p.stdout[-4000:])
    check("first_clean is clean", t["first_clean"]["verdict"] == "clean")
    check("an assertion failure is 'failed', not a leak",
          t["fails_an_assertion"]["verdict"] == "failed")
    check("a segfault is 'crashed'", t["crashes"]["verdict"] == "crashed")
    check("the crash names the signal", "Segmentation" in t["crashes"]["message"])
    check("skip() is 'skipped'", t["is_skipped"]["verdict"] == "skipped")
    check("the test after them is clean", t["clean_after_failures"]["verdict"] == "clean")
    check("a leak after them is still caught",
          t["leaks_after_failures"]["verdict"] == "leak")
    check("the leak names its test body",
          any(fr.get("function") == "leaks_after_failures_lc_body"
              for fi in t["leaks_after_failures"]["findings"] for fr in fi["stack"]))
    # cmocka counts failed+crashed+leak as failures: 3
    check("exit status counts the failures (3)", p.returncode == 3)

with tempfile.TemporaryDirectory() as tmp:
    p, t, doc = run(sys.argv[2], tmp)
    check("abort kills the binary with SIGABRT", p.returncode == -signal.SIGABRT)
    check("the report keeps the earlier tests",
          t.get("first_clean", {}).get("verdict") == "clean" and
          t.get("leaks_after_failures", {}).get("verdict") == "leak")
    check("the report names the aborting test as crashed",
          t.get("aborts", {}).get("verdict") == "crashed")
    check("no test after the abort", "never_reached_after_abort" not in t)
    check("no temporary report left", not [f for f in os.listdir(tmp) if ".tmp." in f])
    with open(os.path.join(tmp, "r.xml")) as f:
        xml = f.read()
    check("the JUnit report names the aborting test", 'name="aborts"' in xml)

# suppressions: a file silences a leak and reports its hits; a bad file stops
# the binary before any test runs
with tempfile.TemporaryDirectory() as tmp:
    sup = os.path.join(tmp, "sup.txt")
    with open(sup, "w") as f:
        f.write("# the planted leak of leaks_after_failures\n"
                "leak:leaks_after_failures_lc_body\n\n")
    os.environ["LEAKCHECK_SUPPRESSIONS"] = sup
    p, t, _ = run(sys.argv[1], tmp)
    leaky = t["leaks_after_failures"]
    check("a suppressed leak is clean", leaky["verdict"] == "clean")
    hits = [h for h in leaky.get("suppressions", []) if "leaks_after_failures" in h["rule"]]
    check("the suppression's hit is reported", bool(hits) and hits[0]["hits"] >= 1)
    with open(sup, "w") as f:
        f.write("leak:ok\nbogus line\n")
    r = subprocess.run([sys.argv[1]], capture_output=True, text=True, timeout=60)
    check("a bad suppressions line stops the binary with status 2", r.returncode == 2)
    check("the error names file and line", f"{sup}:2:" in r.stderr and
          r.stderr.count("\n") == 1)
    check("no test ran", "RUN" not in r.stdout)
    os.environ["LEAKCHECK_SUPPRESSIONS"] = os.path.join(tmp, "missing.txt")
    r = subprocess.run([sys.argv[1]], capture_output=True, text=True, timeout=60)
    check("a missing suppressions file stops the binary", r.returncode == 2 and
          "missing.txt" in r.stderr)
    del os.environ["LEAKCHECK_SUPPRESSIONS"]
    os.environ["LEAKCHECK_ITERATIONS"] = "many"
    r = subprocess.run([sys.argv[1]], capture_output=True, text=True, timeout=60)
    check("a bad option value stops the binary before any test",
          r.returncode == 2 and "LEAKCHECK_ITERATIONS" in r.stderr and
          "2..200" in r.stderr and "RUN" not in r.stdout)
    del os.environ["LEAKCHECK_ITERATIONS"]

# the leak message reaches cmocka's own outputs, and leakcheck's console lines
# never break them
with tempfile.TemporaryDirectory() as tmp:
    xml = os.path.join(tmp, "cmocka.xml")
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="xml", CMOCKA_XML_FILE=xml)
    subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, timeout=300)
    with open(xml) as f:
        text = f.read()
    case = text[text.find('name="leaks_after_failures"'):]
    case = case[:case.find("</testcase>")]
    check("cmocka XML: the leak's failure carries leakcheck's message and stack",
          "<failure>" in case and "leakcheck: leaks_after_failures" in case and
          "leaks_after_failures_lc_body" in case)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="tap")
    r = subprocess.run([sys.argv[1]], env=env, capture_output=True, text=True, timeout=300)
    lines = [l for l in r.stdout.splitlines() if l]
    stray = [l for l in lines if not (l.startswith(("ok ", "not ok ", "#", "1..")))]
    check("cmocka TAP: every line of standard output is TAP", not stray)
    check("cmocka TAP: the leak's diagnostic names its stack",
          any(l.startswith("#") and "leaks_after_failures_lc_body" in l for l in lines))

# counting only: a leak is still caught, reported without a stack
with tempfile.TemporaryDirectory() as tmp:
    os.environ["LEAKCHECK_STACKS"] = "0"
    p, t, _ = run(sys.argv[1], tmp)
    del os.environ["LEAKCHECK_STACKS"]
    leaky = t["leaks_after_failures"]
    check("LEAKCHECK_STACKS=0: the leak is caught", leaky["verdict"] == "leak")
    check("LEAKCHECK_STACKS=0: the finding has no stack and says why",
          all(not fi.get("stack") for fi in leaky["findings"]) and
          "LEAKCHECK_STACKS=0" in leaky["findings"][0]["summary"])
    check("LEAKCHECK_STACKS=0: clean tests stay clean",
          t["clean_after_failures"]["verdict"] == "clean")

print(f"{len(checked) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
