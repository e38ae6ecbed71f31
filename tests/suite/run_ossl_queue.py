#!/usr/bin/python3
"""Runs ossl_queue (a plain cmocka binary that fills OpenSSL's real per-thread
error queue, an error every few calls, nobody clearing it) under
LEAKCHECK_CMOCKA=1 with libleakcheck preloaded, then under `leakcheck run
--cmocka`, and checks from the JSON reports that in both modes the queue's
growth is clean, with the built-in rules that matched listed with their hits
and reasons, and that the twin leaking a buffer next to each error is a leak
naming key_check_leaky alone (no finding in OpenSSL's ERR_ functions).

Usage: run_ossl_queue.py LIBLEAKCHECK OSSL_QUEUE LEAKCHECK_TOOL"""
import json
import os
import subprocess
import sys
import tempfile

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def functions(finding):
    return [fr.get("function") or "?" for fr in finding.get("stack", [])]


def queue_rules(test):
    """The built-in OpenSSL queue rules that matched, {rule: hits}."""
    return {s["rule"]: s["hits"] for s in test.get("suppressions", [])
            if "OpenSSL's per-thread error queue" in (s.get("why") or "")}


def check_clean(mode, tests, name, rules):
    t = tests.get(name, {})
    check(f"{mode}: {name} clean", t.get("verdict") == "clean",
          str(t.get("message", "missing")) + " " + str([f.get("summary")
                                                        for f in t.get("findings", [])]))
    got = queue_rules(t)
    check(f"{mode}: {name} lists the queue rules {rules} with hits",
          all(got.get(r, 0) > 0 for r in rules), str(t.get("suppressions")))


def check_tests(mode, tests):
    check_clean(mode, tests, "queue_fill_clean", ["leak:ERR_set_debug", "leak:ERR_vset_error"])
    check_clean(mode, tests, "queue_data_clean", ["leak:ERR_add_error_vdata"])
    t = tests.get("queue_fill_leaks", {})
    check(f"{mode}: queue_fill_leaks leak", t.get("verdict") == "leak",
          str(t.get("message", "missing")))
    found = t.get("findings", [])
    check(f"{mode}: queue_fill_leaks has one finding, in key_check_leaky",
          len(found) == 1 and "key_check_leaky" in functions(found[0]),
          str([functions(f) for f in found]))
    check(f"{mode}: no finding in the queue",
          not any(fn.startswith("ERR_") for f in found for fn in functions(f)),
          str([f.get("summary") for f in found]))


with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "pre.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout[-3000:])
    check("preloaded: exit status non-zero (one leak)", p.returncode != 0, str(p.returncode))
    check_tests("preloaded", {t["name"]: t for t in json.load(open(js))["tests"]})

    js = os.path.join(tmp, "run.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env.pop("LD_PRELOAD", None)
    p = subprocess.run([tool, "run", "--cmocka", f"--json={js}", "--", binary], env=env,
                       capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout[-3000:] + p.stderr[-3000:])
    check("run --cmocka: exit status non-zero (one leak)", p.returncode != 0, str(p.returncode))
    check_tests("run --cmocka", {t["name"]: t for t in json.load(open(js))["tests"]})

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: OpenSSL's error queue filling over many calls is clean in both modes, "
      "its leaky twin names key_check_leaky alone")
