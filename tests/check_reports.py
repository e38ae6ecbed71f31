#!/usr/bin/python3
"""Checks the reports that test_report wrote (report.json, report.xml, and the
empty-run pair) from the outside, with readers leakcheck does not control:

  check_reports.py schema   OUTDIR SCHEMA   JSON Schema validation (jsonschema)
  check_reports.py xsd      OUTDIR XSD      xmllint --schema, then ElementTree:
                                            every hostile string comes back
  check_reports.py consumer OUTDIR NPMDIR   junit2json (npm) reads the same

Run with Debian's /usr/bin/python3 (a pyenv python3 earlier in PATH lacks
python3-jsonschema). The hostile strings are the ones test_report.c plants.
Exit 0 = pass, 77 = skipped (only when npm itself is absent), else fail."""

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

FFFD = "\ufffd"
GROUP1 = "grp \"quoted\" & <angle> 'apos'"
GROUP2 = "second/group"
LEAK_NAME = 'leaks_]]>_cdata & "q" <x>'
LEAK_MESSAGE = "+1\x01 block,\t+32 B per iteration\n(5 of 5 measured) \x1b[31mred\x1b[0m"
LEAK_DETAILS = ("  +1 block/iter, 32 B   record_new (a&b.c:23)\n"
                "    <- load_records ]]> end\r\n  CDATA]]>again & 'x'")
UNICODE_NAME = "ünïcödé_名前_🙂"
BAD_UTF8_NAME = "bad" + FFFD + FFFD + " utf8"
BUDGET_MESSAGE = 'allocs/op 5 > budget 4 & "baseline" 3'

failures = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def xml_chars(s):
    """What XML 1.0 can carry of s: forbidden characters become U+FFFD."""
    return "".join(c if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or
                   0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000 else FFFD for c in s)


def one_line(s):
    """The writer's message attribute: runs of tab/newline/CR become one space,
    runs at either end are dropped."""
    return re.sub(r"[\t\n\r]+", " ", xml_chars(s).strip("\t\n\r"))


def load_json(outdir, name):
    with open(os.path.join(outdir, name), encoding="utf-8") as f:
        return json.load(f)


def cmd_schema(outdir, schema_path):
    import jsonschema
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name in ("report.json", "empty.json"):
        errors = sorted(validator.iter_errors(load_json(outdir, name)), key=str)
        for e in errors[:5]:
            print("  %s: %s at %s" % (name, e.message, list(e.absolute_path)))
        check("%s validates against the schema" % name, not errors)
    doc = load_json(outdir, "report.json")
    check("top-level keys in order",
          list(doc) == ["schema", "tool", "host", "options", "tests", "benchmarks"])
    t = doc["tests"]
    check("five tests, two benchmarks", len(t) == 5 and len(doc["benchmarks"]) == 2)
    check("hostile name exact", t[0]["name"] == LEAK_NAME and t[0]["group"] == GROUP1)
    check("control characters kept in JSON", t[0]["message"] == LEAK_MESSAGE)
    check("details kept byte for byte", t[0]["details"] == LEAK_DETAILS)
    check("non-ASCII name exact", t[1]["name"] == UNICODE_NAME)
    check("malformed UTF-8 repaired with U+FFFD", t[4]["name"] == BAD_UTF8_NAME)
    check("verdicts", [x["verdict"] for x in t] ==
          ["leak", "failed", "crashed", "skipped", "clean"])
    check("iterations", t[0]["iterations"] == {"warmup": 2, "measured": 5, "extended": 1})
    check("series phases", [s["phase"] for s in t[0]["series"]] ==
          ["warmup"] * 2 + ["measured"] * 5 + ["extended"])
    f = t[0]["findings"]
    check("finding kinds", [x["kind"] for x in f] == ["memory", "thread", "fd"])
    check("memory growth", f[0]["growth"] == [1] * 5 and f[0]["growth_bytes"] == [32] * 5)
    fr = f[0]["stack"][0]
    check("frame fields", fr == {"function": "record_new",
                                 "file": 'examples/"quoted" <dir>/a&b.c', "line": 23,
                                 "module": "/usr/bin/t&t", "address": "0x401234",
                                 "inlined": True})
    check("unknown frame fields are null", f[0]["stack"][2]["function"] is None and
          f[0]["stack"][2]["line"] is None)
    check("thread finding", f[1]["name"] == 'worker "7"' and f[1]["tid"] == 4242 and
          f[1]["state"] == "running" and len(f[1]["current_stack"]) == 1)
    check("fd finding", f[2]["fd"] == 7 and f[2]["target"] == "/tmp/a <b> & 'c'")
    check("suppressions", t[0]["suppressions"] == [
        {"rule": "leak:_IO_file_doallocate",
         "why": "stdio buffers live as long as the stream", "hits": 2}])
    b = doc["benchmarks"][1]
    check("benchmark fields", b["failed"] is True and b["data_dependent"] is True and
          b["allocs_per_op"] == 5 and b["net_bytes"] == 320 and b["message"] == BUDGET_MESSAGE)
    check("host.binary is the run's binary", doc["host"]["binary"] == "report_fixture")
    # The validator must catch mistakes, or the checks above prove nothing.
    broken = json.loads(json.dumps(doc))
    broken["tests"][0]["verdict"] = "leaky"
    del broken["tests"][1]["series"]
    broken["tests"][0]["findings"][2]["blocks"] = 1
    errs = list(validator.iter_errors(broken))
    check("schema rejects a bad verdict, a missing field, a field of another kind",
          len(errs) == 3)


def cmd_xsd(outdir, xsd):
    for name in ("report.xml", "empty.xml"):
        r = subprocess.run(["xmllint", "--noout", "--schema", xsd, os.path.join(outdir, name)],
                           capture_output=True, text=True)
        print(r.stderr.strip())
        check("%s validates against junit.xsd" % name, r.returncode == 0)
    raw = open(os.path.join(outdir, "report.xml"), "rb").read()
    check("no &sol; entity", b"&sol;" not in raw)
    check("no CDATA section", b"<![CDATA[" not in raw)
    check("no raw control characters", not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", raw))
    root = ET.parse(os.path.join(outdir, "report.xml")).getroot()
    check("one <testsuites> root", root.tag == "testsuites")
    suites = list(root)
    check("a testsuite per group, named after the binary",
          [s.get("name") for s in suites] == ["report_fixture"] * 2 and
          [{c.get("classname") for c in s} for s in suites] == [{GROUP1}, {GROUP2}])
    check("suite counts", [(s.get("tests"), s.get("failures"), s.get("errors"),
                            s.get("skipped")) for s in suites] ==
          [("3", "2", "0", "0"), ("4", "1", "1", "1")])
    check("root totals", (root.get("tests"), root.get("failures"), root.get("errors"),
                          root.get("skipped")) == ("7", "3", "1", "1"))
    check("timestamp without zone",
          re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suites[0].get("timestamp") or ""))
    cases = [c for s in suites for c in s.findall("testcase")]
    check("testcase names round-trip", [c.get("name") for c in cases] ==
          [LEAK_NAME, UNICODE_NAME, "bench_parse", "crashes", "skipped_one",
           BAD_UTF8_NAME, "bench <over> budget"])
    check("classnames are the groups", [c.get("classname") for c in cases] ==
          [GROUP1] * 3 + [GROUP2] * 4)
    leak = cases[0]
    fail = leak.find("failure")
    check("leak -> failure type=leak", fail is not None and fail.get("type") == "leak")
    check("leak message is one line with controls replaced",
          fail.get("message") == one_line(LEAK_MESSAGE) and "\n" not in fail.get("message"))
    check("leak body is the details, ]]> and CR intact", fail.text == xml_chars(LEAK_DETAILS))
    check("file and line", leak.get("file") == "tests/t&t.c" and leak.get("line") == "12")
    check("failed -> failure type=assertion",
          cases[1].find("failure").get("type") == "assertion")
    check("crashed -> error type=crash", cases[3].find("error").get("type") == "crash" and
          cases[3].find("failure") is None)
    check("skipped -> <skipped>", cases[4].find("skipped") is not None)
    budget = cases[6].find("failure")
    check("over budget -> failure type=budget",
          budget is not None and budget.get("type") == "budget" and
          budget.get("message") == BUDGET_MESSAGE)
    check("passing benchmark has no failure", cases[2].find("failure") is None)
    out = leak.find("system-out").text
    check("system-out lists findings and suppressions",
          "memory: +1 block/iter, 32 B  record_new (a&b.c:23) <]]>" in out and
          "suppressed by leak:_IO_file_doallocate (2 hits)" in out)
    check("clean test without file has no file/line", cases[5].get("file") is None and
          cases[5].get("line") is None and len(cases[5]) == 1)
    empty = ET.parse(os.path.join(outdir, "empty.xml")).getroot()
    check("empty run: a root with zero counts", empty.tag == "testsuites" and
          len(empty) == 0 and empty.get("tests") == "0")


def cmd_consumer(outdir, npmdir):
    if not shutil.which("npm") or not shutil.which("node"):
        print("SKIP: npm/node not installed, so the JUnit consumer (junit2json) cannot run; "
              "ci/test installs them (Debian packages nodejs npm)")
        return 77
    entry = os.path.join(npmdir, "node_modules", "junit2json", "package.json")
    if not os.path.exists(entry):
        print("FAIL junit2json is not installed in %s: run ci/test, or "
              "'. ci/deps.sh && lc_install_npm %s'" % (npmdir, npmdir))
        return 1
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run(["node", os.path.join(here, "junit_consumer.mjs"), npmdir,
                        os.path.join(outdir, "report.xml")], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
    check("junit2json parses the report", r.returncode == 0)
    if r.returncode != 0:
        return 1
    doc = json.loads(r.stdout)
    check("junit2json totals", (doc["tests"], doc["failures"], doc["errors"]) == (7, 3, 1))
    cases = [c for s in doc["testsuite"] for c in s["testcase"]]
    check("junit2json names", [c["name"] for c in cases] ==
          [LEAK_NAME, UNICODE_NAME, "bench_parse", "crashes", "skipped_one", BAD_UTF8_NAME,
           "bench <over> budget"])
    check("junit2json classnames", [c["classname"] for c in cases] ==
          [GROUP1] * 3 + [GROUP2] * 4)
    f = cases[0]["failure"][0]
    check("junit2json failure message", f["message"] == one_line(LEAK_MESSAGE) and
          f["type"] == "leak")
    check("junit2json failure body", f["inner"] == xml_chars(LEAK_DETAILS))
    check("junit2json file/line", cases[0]["file"] == "tests/t&t.c" and cases[0]["line"] == 12)
    check("junit2json error and skipped", cases[3]["error"][0]["type"] == "crash" and
          "skipped" in cases[4])
    check("junit2json budget message", cases[6]["failure"][0]["message"] == BUDGET_MESSAGE)
    check("junit2json system-out", "suppressed by leak:_IO_file_doallocate (2 hits)" in
          cases[0]["system-out"][0])
    return 0


def main():
    mode, outdir, arg = sys.argv[1:4]
    if mode == "schema":
        rc = cmd_schema(outdir, arg) or 0
    elif mode == "xsd":
        rc = cmd_xsd(outdir, arg) or 0
    elif mode == "consumer":
        rc = cmd_consumer(outdir, arg)
    else:
        sys.exit("unknown mode " + mode)
    if rc:
        return rc
    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
