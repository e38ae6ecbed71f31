"""The reports of a running binary (src/report_stream.c): complete and valid
after every test, exactly the results the whole-document writers give at the
end, and after an abort or a SIGKILL in test k they hold tests 1..k-1 and name
test k as the one that did not finish.
Usage: test_report_stream.py PROBE TOOL SCHEMA JUNIT_XSD"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

probe, tool, schema_path, xsd = sys.argv[1:5]
schema = json.load(open(schema_path))
failed = 0


def check(what, cond):
    global failed
    print(("ok   " if cond else "FAIL ") + what)
    failed |= not cond


def run(tmp, mode, whole=False):
    js, xml = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.xml")
    args = [probe, mode]
    if whole:
        args += [os.path.join(tmp, "whole.json"), os.path.join(tmp, "whole.xml")]
    # the planted leak and failure are by design: the exit status stays main's
    env = dict(os.environ, LEAKCHECK_JSON=js, LEAKCHECK_JUNIT=xml, LEAKCHECK_EXIT_CODE="0")
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    return p, js, xml


def valid_json(path):
    try:
        doc = json.load(open(path))
        jsonschema.validate(doc, schema)
        return doc
    except Exception as e:  # noqa: BLE001
        print("     ", path, e)
        return None


def valid_xml(path):
    return subprocess.run(["xmllint", "--noout", "--schema", xsd, path],
                          capture_output=True).returncode == 0


def cases(path):
    root = ET.parse(path).getroot()
    out = []
    for suite in root.findall("testsuite"):
        for c in suite.findall("testcase"):
            kids = sorted(k.tag + ":" + (k.get("type") or "") for k in c)
            out.append((c.get("classname"), c.get("name"), tuple(kids)))
    return root, sorted(out)


def strip(doc):
    doc["host"].pop("timestamp", None)
    for t in doc["tests"]:
        t.pop("duration", None)
    for b in doc["benchmarks"]:
        b.pop("ns_per_op", None)
    return doc


with tempfile.TemporaryDirectory() as tmp:
    p, js, xml = run(tmp, "", whole=True)
    check("full run: exit 0", p.returncode == 0)
    doc = valid_json(js)
    check("full run: JSON valid against the schema", doc is not None)
    check("full run: JUnit valid against junit.xsd", valid_xml(xml))
    raw = open(js, "rb").read()
    check("full run: JSON file ends at the document (no padding left)",
          raw.endswith(b"}\n") and not raw.endswith(b" }\n"))
    check("full run: JUnit file ends at the document",
          open(xml, "rb").read().endswith(b"</testsuites>\n"))
    whole = valid_json(os.path.join(tmp, "whole.json"))
    check("full run: same results as the whole-document writer",
          doc is not None and whole is not None and strip(doc) == strip(whole))
    names = [t["name"] for t in doc["tests"]] if doc else []
    check("full run: every test, in order",
          names == ["a_clean", "a_leaks", "a_fails", "dies", "b_clean", "b_clean_too"])
    check("full run: both benchmarks",
          doc is not None and [b["name"] for b in doc["benchmarks"]] == ["a_bench", "b_bench"])
    root, got = cases(xml)
    wroot, want = cases(os.path.join(tmp, "whole.xml"))
    check("full run: the same testcases as the whole-document writer", got == want)
    check("full run: the same totals",
          all(root.get(k) == wroot.get(k) for k in ("tests", "failures", "errors", "skipped")))
    for suite in root.findall("testsuite"):
        n = len(suite.findall("testcase"))
        check("full run: suite %s counts its %d cases" % (suite.get("name"), n),
              suite.get("tests") == str(n))

    for mode, sig in (("abort", -6), ("kill", -9)):
        p, js, xml = run(tmp, mode)
        check(mode + ": the binary died by the signal", p.returncode == sig)
        doc = valid_json(js)
        check(mode + ": JSON valid against the schema", doc is not None)
        check(mode + ": JUnit valid against junit.xsd", valid_xml(xml))
        t = {x["name"]: x for x in doc["tests"]} if doc else {}
        check(mode + ": tests before it kept with their verdicts",
              [x["name"] for x in doc["tests"]] == ["a_clean", "a_leaks", "a_fails", "dies"]
              and t["a_clean"]["verdict"] == "clean" and t["a_leaks"]["verdict"] == "leak"
              and t["a_fails"]["verdict"] == "failed")
        check(mode + ": the dying test named as crashed",
              t.get("dies", {}).get("verdict") == "crashed")
        r = subprocess.run([tool, "report", js], capture_output=True, text=True)
        check(mode + ": leakcheck report reads it and names the test",
              "dies" in r.stdout and "CRASHED" in r.stdout)
        _, got = cases(xml)
        check(mode + ": JUnit names the dying test as an error",
              ("group_a", "dies", ("error:crash", "system-out:")) in got)
sys.exit(1 if failed else 0)
