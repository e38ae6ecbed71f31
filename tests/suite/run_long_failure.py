#!/usr/bin/python3
"""Runs long_failure (a plain cmocka binary whose leaky test grows at five
sites behind long names) under LEAKCHECK_CMOCKA=1 with libleakcheck preloaded
and LEAKCHECK_TOP=5, so that leakcheck's failure message is longer than the
1024 bytes cmocka 1.1 prints of it, and checks that cmocka's "[  ERROR   ]"
block is whole: within 1023 bytes, ending with "[   LINE   ] --- FILE:LINE:
error: Failure!" and a newline, the stacks cut counted in "... N more in the
reports"; that the JSON report keeps all five findings; and that the twin
is clean; that without LEAKCHECK_JSON or LEAKCHECK_JUNIT the count names
the option that lists them instead of reports that do not exist; and that
cmocka's XML, which it writes uncut, keeps all five.
Before, the block was cut inside the location and "[  FAILED  ]"
ran on in the same line.

Usage: run_long_failure.py LIBLEAKCHECK LONG_FAILURE"""
import json
import os
import re
import subprocess
import sys
import tempfile

lib, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

LEAKY = "eventlog_replay_keeps_a_context_at_five_sites"
CLEAN = "eventlog_replay_frees_every_context"

with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "pre.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js, LEAKCHECK_TOP="5",
               CMOCKA_MESSAGE_OUTPUT="stdout")
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    sys.stdout.write(p.stdout[-3000:] + p.stderr[-3000:])
    check("exit status non-zero (one leak)", p.returncode != 0, str(p.returncode))
    start = p.stderr.find(f"[  ERROR   ] --- leakcheck: {LEAKY}:")
    check("cmocka printed the leaky test's failure", start >= 0, p.stderr[-2000:])
    block = p.stderr[start:]
    end = re.search(r"\[   LINE   \] --- [^\n]*long_failure\.c:\d+: error: Failure!\n", block)
    check("the block ends with cmocka's location and a newline", end is not None,
          repr(block[-300:]))
    if end:
        block = block[:end.end()]
        check("the block is within cmocka 1.1's 1023 bytes", len(block.encode()) <= 1023,
              str(len(block.encode())))
        more = re.search(r"\n    \.\.\. (\d+) more in the reports\n", block)
        shown = len(re.findall(r"\n    \+1 block/iter", block))
        check("the stacks cut are counted", more is not None, repr(block))
        if more:
            check("shown and counted stacks make five", shown + int(more.group(1)) == 5,
                  f"{shown} shown, {more.group(1)} counted")
        check("every line shown is whole (no stack cut mid-line)",
              all(ln.startswith(("[  ERROR", "    +1 block/iter", "    ...", "[   LINE"))
                  for ln in block.splitlines()), repr(block))
    tests = {t["name"]: t for t in json.load(open(js))["tests"]}
    t = tests.get(LEAKY, {})
    check(f"{LEAKY} leaks", t.get("verdict") == "leak", str(t.get("message")))
    found = [f for f in t.get("findings", []) if f.get("kind") == "memory"]
    names = {fr.get("function") for f in found for fr in f.get("stack", [])}
    check("the JSON keeps all five sites",
          all(f"allocate_context_for_the_planted_growth_number_{n}" in names
              for n in range(1, 6)), str([f.get("summary") for f in found]))
    check(f"{CLEAN} clean", tests.get(CLEAN, {}).get("verdict") == "clean",
          str(tests.get(CLEAN, {}).get("message")))

    # No report asked for: the message says how to have every stack, not
    # that they are in reports.
    bare = {k: v for k, v in env.items() if k not in ("LEAKCHECK_JSON",)}
    p = subprocess.run([binary], env=bare, capture_output=True, text=True, timeout=300)
    check("no report: the stacks cut are counted with the option that lists them",
          re.search(r"\n    \.\.\. \d+ more \(LEAKCHECK_JSON=FILE lists every one\)\n",
                    p.stderr) is not None, p.stderr[-1500:])
    check("no report: no report claimed", "in the reports" not in p.stderr, p.stderr[-1500:])

    # cmocka writes its XML uncut: there the message keeps all five stacks.
    xml = os.path.join(tmp, "cmocka.xml")
    env.update(CMOCKA_MESSAGE_OUTPUT="xml", CMOCKA_XML_FILE=xml)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    body = open(xml).read() if os.path.exists(xml) else ""
    check("cmocka's XML was written", LEAKY in body, p.stdout[-1000:] + p.stderr[-1000:])
    check("cmocka's XML keeps all five stacks, uncut",
          body.count("+1 block/iter") == 5 and "more in the reports" not in body,
          body[-1500:])

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: a failure message longer than cmocka's line is cut to whole lines, "
      "its location and newline kept, the rest counted")
