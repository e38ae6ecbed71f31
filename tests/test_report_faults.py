"""Never silently damaged (src/report_alloc.c, report_stream.c): each
allocation of report building fails in turn (jansson through
json_set_alloc_funcs, the writers' text buffers), one per run of stream_probe
(its second group: tests and a benchmark). Every run must end with reports
that are complete and equal to a fault-free run's, or with a valid earlier
version and one error line naming the report, and then an exit status of 1
with one more line saying a report could not be written (also when the last
write failed and the version kept already had every result); never a
damaged report (a key or element dropped, invalid JSON or XML).
Usage: test_report_faults.py PROBE SCHEMA"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

probe, schema_path = sys.argv[1:3]
schema = json.load(open(schema_path))
ENV = dict(os.environ, LEAKCHECK_WARMUP="1", LEAKCHECK_ITERATIONS="2")


def run(tmp, fault=None, count=False):
    js, xml = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.xml")
    for f in (js, xml):
        if os.path.exists(f):
            os.unlink(f)
    env = dict(ENV, LEAKCHECK_JSON=js, LEAKCHECK_JUNIT=xml)
    if fault:
        env["STREAM_PROBE_FAULT"] = str(fault)
    if count:
        env["STREAM_PROBE_COUNT"] = "1"
    p = subprocess.run([probe, "tiny"], env=env, capture_output=True, text=True, timeout=60)
    return p, js, xml


def normal(doc):
    """The whole document without what differs from run to run: pid, times,
    report paths, and the fd counts (the report files are open meanwhile)."""
    d = json.loads(json.dumps(doc))
    for k in ("pid", "timestamp"):
        d["host"].pop(k, None)
    for k in ("LEAKCHECK_JSON", "LEAKCHECK_JUNIT"):
        d["options"].pop(k, None)
    d["tests"] = tests_of(d)
    d.pop("benchmarks")
    return d


def tests_of(doc):
    out = []
    for t in doc["tests"] + doc["benchmarks"]:
        t = {k: v for k, v in t.items() if k not in ("duration", "ns_per_op")}
        for s in t.get("series", []):
            s.pop("fds", None)
        out.append(json.dumps(t, sort_keys=True))
    return out


def cases_of(path):
    root = ET.parse(path).getroot()
    return [ET.tostring(c) for c in root.iter("testcase")], root


def strip_times(cases):
    return [re.sub(rb"ns/op: [0-9.]+", b"", re.sub(rb' time="[^"]*"', b"", c)) for c in cases]


with tempfile.TemporaryDirectory() as tmp:
    p, js, xml = run(tmp, count=True)
    total = int(p.stderr.strip().splitlines()[-1].split()[-1])
    ref = json.load(open(js))
    jsonschema.validate(ref, schema)
    ref_tests = tests_of(ref)
    ref_doc = normal(ref)
    ref_cases = strip_times(cases_of(xml)[0])
    bad, errors, complete = [], 0, 0
    for n in range(1, total + 1):
        p, js, xml = run(tmp, fault=n)
        lines = [l for l in p.stderr.splitlines() if "cannot write report" in l]
        why = "fault %d: " % n
        try:
            doc = json.load(open(js))
            same = normal(doc) == ref_doc
            if not same:  # then it must at least be a valid earlier version
                jsonschema.validate(doc, schema)
            got = tests_of(doc)
            cases, root = cases_of(xml)
            cases = strip_times(cases)
        except Exception as e:  # noqa: BLE001
            bad.append(why + "damaged report: %s" % e)
            continue
        if len(lines) > 2 or any(l.count("\n") for l in lines):
            bad.append(why + "more than one line per report: %r" % lines)
        failed_line = "could not be written (said above): exit status 1" in p.stdout + p.stderr
        if same and cases == ref_cases:
            # complete: written (exit 0), or the last write failed and the
            # version kept holds the same results (exit 1, both lines)
            if (p.returncode, failed_line) != (0, False) and \
                    (p.returncode, failed_line, bool(lines)) != (1, True, True):
                bad.append(why + "complete reports, but exit %d" % p.returncode)
            complete += 1
            continue
        if p.returncode != 1 or not failed_line:
            bad.append(why + "an earlier version kept, but exit %d without the line saying so"
                       % p.returncode)
        # an earlier version: a prefix of the results, and said so
        if got != ref_tests[: len(got)] or not lines:
            bad.append(why + "incomplete or wrong without an error line")
        errors += 1
    for b in bad[:20]:
        print("FAIL", b)
    print("%s %d fault points: %d complete reports, %d earlier versions with an error line, "
          "%d damaged"
          % ("ok  " if not bad else "FAIL", total, complete, errors, len(bad)))
sys.exit(1 if bad else 0)
