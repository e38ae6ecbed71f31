#!/usr/bin/python3
"""Runs the child-process suite (children.c) and checks every verdict from its
JSON report: each leak a leak with a process finding naming the planted
function, with the child's state and command, each clean twin clean, the
message naming the children; the report follows the schema and `leakcheck
report` reads it back. With process: suppressions (a frame, the command)
both leaks are expected; with LEAKCHECK_CHECKS leaving processes out, no
process finding at all (the check is what sees them).

Usage: run_children.py HARNESS_CHILDREN"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

# test -> (verdict, function in the process finding's stack, state, command)
EXPECT = {
    # a child that has not been scheduled to run _exit yet is still "running"
    "leak_zombie_per_iteration": ("leak", "start_child", ("zombie", "running"), None),
    "clean_child_waited": ("clean",),
    "leak_spawned_running": ("leak", "spawn_sleeper", ("sleeping", "running"), "sleep"),
    "clean_helper_once": ("clean",),
    # glibc's popen spawns the child itself: found through the stream it returns
    "leak_popen_never_closed": ("leak", "open_pipe_child", ("sleeping", "running"), None),
    "clean_popen_closed": ("clean",),
}

binary = sys.argv[1]
tool = os.path.join(os.path.dirname(binary), "leakcheck")
schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "schema",
                      "leakcheck-report.schema.json")


def run(tmp, tag, extra):
    report = os.path.join(tmp, tag + ".json")
    env = dict(os.environ, LEAKCHECK_JSON=report, **extra)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout[-6000:] + p.stderr[-2000:])
    with open(report) as f:
        return p, report, json.load(f)


def functions(finding):
    return [fr.get("function") for fr in finding.get("stack") or []]


with tempfile.TemporaryDirectory() as tmp:
    p, report, doc = run(tmp, "all", {})
    tests = {t["name"]: t for t in doc["tests"]}
    check("exit status: three leaks", p.returncode == 3, str(p.returncode))
    for name, exp in EXPECT.items():
        t = tests.get(name, {})
        check(f"{name}: {exp[0]}", t.get("verdict") == exp[0], str(t.get("message", "missing")))
        if exp[0] != "leak":
            continue
        counts = [p.get("processes") for p in t.get("series", [])]
        check(f"{name}: the series' processes grow", counts and None not in counts and
              counts[-1] >= counts[0] + 4, str(counts))
        hits = [f for f in t.get("findings", []) if f["kind"] == "process" and exp[1] in functions(f)]
        check(f"{name}: a process finding names {exp[1]}", hits,
              str([(f["kind"], functions(f)) for f in t.get("findings", [])][:3]))
        check(f"{name}: the message names the children",
              "child processes left running or never waited for" in t.get("message", ""),
              t.get("message", ""))
        if hits:
            check(f"{name}: state {exp[2]}", hits[0].get("state") in exp[2], str(hits[0].get("state")))
            check(f"{name}: a pid", isinstance(hits[0].get("pid"), int) and hits[0]["pid"] > 0,
                  str(hits[0].get("pid")))
            if exp[3]:
                check(f"{name}: command {exp[3]}", hits[0].get("command") == exp[3],
                      str(hits[0].get("command")))
    import jsonschema
    with open(schema) as f:
        try:
            jsonschema.Draft202012Validator(json.load(f)).validate(doc)
        except jsonschema.ValidationError as e:
            check("the report follows the schema", False, e.message)
    rep = subprocess.run([tool, "report", report], capture_output=True, text=True, timeout=60)
    check("leakcheck report shows the children", "child process" in rep.stdout and
          "started at start_child" in rep.stdout,
          rep.stdout[-1500:] + rep.stderr[-300:])

    # process: rules, by a frame of the starting stack and by the command
    sup = os.path.join(tmp, "sup.txt")
    with open(sup, "w") as f:
        f.write("process:start_child  # by a frame\nprocess:sleep  # by the command\n")
    p, report, doc = run(tmp, "sup", {"LEAKCHECK_SUPPRESSIONS": sup})
    tests = {t["name"]: t for t in doc["tests"]}
    for name, rule in (("leak_zombie_per_iteration", "process:start_child"),
                       ("leak_spawned_running", "process:sleep")):
        t = tests.get(name, {})
        check(f"suppressed: {name} clean by {rule}", t.get("verdict") == "clean" and
              t.get("reason") == "expected" and
              any(x.get("rule") == rule for x in t.get("suppressions", [])), str(t.get("message")))

    p, report, doc = run(tmp, "off", {"LEAKCHECK_CHECKS": "memory,threads,fds,mappings"})
    kinds = [f["kind"] for t in doc["tests"] for f in t["findings"]]
    check("processes off: no process finding", "process" not in kinds, str(kinds))
    zombie = {t["name"]: t for t in doc["tests"]}.get("leak_zombie_per_iteration", {})
    check("processes off: the zombie test clean", zombie.get("verdict") == "clean",
          str(zombie.get("message")))

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: children left per iteration are leaks naming where they started, twins clean")
