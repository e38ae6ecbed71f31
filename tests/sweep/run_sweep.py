#!/usr/bin/python3
"""Checks the allocation-failure sweep from the JSON and JUnit reports.

usage: run_sweep.py parser SWEEP_PARSER SWEEP_PARSER_FIXED parser.c LEAKCHECK_TOOL
       run_sweep.py cases SWEEP_CASES cases.c
       run_sweep.py cxx SWEEP_CXX cases_cxx.cpp
       run_sweep.py plain LEAKCHECK_TOOL SWEEP_PLAIN plain.c SWEEP_PLAIN_IGNORES
Lines are found by their SWEEP:<NAME> marker comments, never hard-coded."""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

failures = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def markers(src):
    """{NAME: [(line, enclosing function)]} from SWEEP:NAME comments."""
    out = {}
    func = None
    with open(src) as f:
        for i, text in enumerate(f, 1):
            m = re.match(r"^[A-Za-z_].*?\b(\w+)\([^;]*\)\s*(const\s*)?\{\s*$", text)
            if m:
                func = m.group(1)
            for name in re.findall(r"SWEEP:(\w+)", text):
                out.setdefault(name, []).append((i, func))
    return out


def run(cmd, tmp, extra=None):
    j, x = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.xml")
    for p in (j, x):
        if os.path.exists(p):
            os.unlink(p)
    env = dict(os.environ, LEAKCHECK_JSON=j, LEAKCHECK_JUNIT=x)
    env.update(extra or {})
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    doc = json.load(open(j)) if os.path.exists(j) else {"tests": []}
    junit = ET.parse(x).getroot() if os.path.exists(x) else None
    return p, {t["name"]: t for t in doc["tests"]}, doc, junit


SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema",
                      "leakcheck-report.schema.json")


def validates(doc, what):
    import jsonschema
    with open(SCHEMA, encoding="utf-8") as f:
        v = jsonschema.Draft202012Validator(json.load(f))
    errors = sorted(v.iter_errors(doc), key=str)
    for e in errors[:5]:
        print("  %s at %s" % (e.message, list(e.absolute_path)))
    check(what + ": the JSON validates against the schema", not errors)


def own(frames, src):
    """The first frame in the source file under test."""
    base = os.path.basename(src)
    for f in frames:
        if f.get("file") and os.path.basename(f["file"]) == base:
            return f
    return {}


def site_of(finding, src):
    f = own(finding["site"], src)
    return (f.get("line"), f.get("function"))


def junit_case(junit, name):
    for tc in junit.iter("testcase") if junit is not None else []:
        if tc.get("name") == name:
            return tc
    return None


def parser(binary, fixed, src, tool):
    mk = markers(src)
    leaks = {(l, f) for l, f in mk["LEAK"]}
    (crash_line, crash_fn), = mk["CRASH"]
    (deref_line, _), = mk["DEREF"]
    check("parser.c has 3 LEAK markers", len(leaks) == 3)
    with tempfile.TemporaryDirectory() as tmp:
        p, t, doc, junit = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "transient"})
        check("schema version 2", doc.get("schema", {}).get("version") == 2)
        validates(doc, "parser")
        r = t["parse_document"]
        fs = r["fail_sweep"]
        print(json.dumps({k: v for k, v in fs.items() if k != "findings"}))
        for f in fs["findings"]:
            print("   ", f["mode"], f["kind"], f["message"])
        check("at least 12 allocation sites seen", fs["sites"] >= 12)
        check("every site swept, none left", fs["swept"] == fs["sites"] and fs["unswept"] == 0)
        check("transient only: one run per site", fs["runs"] == fs["sites"])
        check("exactly 4 findings", len(fs["findings"]) == 4)
        got_leaks = {site_of(f, src) for f in fs["findings"] if f["kind"] == "leak"}
        check("the 3 leaking sites, by line and function", got_leaks == leaks)
        crashes = [f for f in fs["findings"] if f["kind"] == "crash"]
        check("one crash, at the CRASH site", len(crashes) == 1 and
              site_of(crashes[0], src) == (crash_line, crash_fn))
        if crashes:
            c = crashes[0]
            top = own(c["stacks"][0], src) if c["stacks"] else {}
            check("the crash is SIGSEGV in doc_upper_name at the DEREF line",
                  c["signal"] == "SIGSEGV" and top.get("function") == "doc_upper_name" and
                  top.get("line") == deref_line)
            check("the crash message names signal, function and line",
                  f"SIGSEGV in doc_upper_name (parser.c:{deref_line})" in c["message"])
        by_fn = {site_of(f, src)[1]: f for f in fs["findings"] if f["kind"] == "leak"}
        for fn, blocks, where in (("doc_new", 3, {"doc_new"}), ("entry_new", 2, {"entry_new"}),
                                  ("doc_add", 7, {"doc_new", "entry_new"})):
            f = by_fn.get(fn, {"stacks": [], "blocks": 0})
            check(f"the leak when {fn}'s allocation fails: {blocks} blocks, allocated in "
                  f"{'/'.join(sorted(where))}",
                  f["blocks"] == blocks and
                  {own(st, src).get("function") for st in f["stacks"]} == where)
        for f in fs["findings"]:
            if f["kind"] == "leak":
                check(f"leak at line {site_of(f, src)[0]}: blocks and their stacks",
                      f["blocks"] > 0 and f["bytes"] > 0 and f["stacks"] and
                      all(own(s, src) for s in f["stacks"]))
            check("message names the failing site", f"parser.c:{site_of(f, src)[0]}" in
                  f["message"] and f["message"].startswith("when the allocation at"))
        check("the test failed with failure_type fail-sweep",
              r["verdict"] == "failed" and r["failure_type"] == "fail-sweep")
        check("the console names the finding", "when the allocation at parser.c:" in p.stdout
              + p.stderr)
        tc = junit_case(junit, "parse_document")
        fl = tc.find("failure") if tc is not None else None
        check("JUnit <failure type=\"fail-sweep\">", fl is not None and
              fl.get("type") == "fail-sweep" and "SIGSEGV" in (fl.text or ""))
        check("the binary fails", p.returncode != 0)
        rep = subprocess.run([tool, "report", os.path.join(tmp, "r.json")], capture_output=True,
                             text=True, timeout=60)
        check("leakcheck report prints every finding (schema version 2 read)",
              rep.returncode == 0 and rep.stdout.count("fail sweep (transient): when") == 4)

        # the bound: the rest is counted as unswept
        _, t, _, _ = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "transient",
                                         "LEAKCHECK_FAIL_SWEEP_MAX": "2"})
        b = t["parse_document"]["fail_sweep"]
        check("LEAKCHECK_FAIL_SWEEP_MAX=2: 2 swept, the rest unswept",
              b["swept"] == 2 and b["unswept"] == fs["sites"] - 2 and b["runs"] == 2)
        check("... and the message counts them",
              f"({fs['sites'] - 2} more not swept: LEAKCHECK_FAIL_SWEEP_MAX)" in
              t["parse_document"]["message"])

        # a sweep: rule suppresses the crash and is listed with its hits
        sup = os.path.join(tmp, "sup.txt")
        with open(sup, "w") as f:
            f.write("sweep:doc_upper_name  # reviewed\n")
        _, t, _, _ = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "transient",
                                         "LEAKCHECK_SUPPRESSIONS": sup})
        s = t["parse_document"]
        check("sweep: rule suppresses the crash, the 3 leaks stay",
              [f["kind"] for f in s["fail_sweep"]["findings"]] == ["leak"] * 3)
        check("the rule's hit is listed",
              any(x["rule"] == "sweep:doc_upper_name" and x["hits"] == 1
                  for x in s["suppressions"]))

        # the corrected twin: nothing, in both modes
        p, t, _, _ = run([fixed], tmp, {"LEAKCHECK_FAIL_SWEEP": "1"})
        r = t["parse_document"]
        fx = r["fail_sweep"]
        check("fixed twin: no finding in either mode, test clean",
              fx["findings"] == [] and r["verdict"] == "clean" and p.returncode == 0)
        check("fixed twin: the message says the sweep found nothing",
              f"fail sweep: nothing at {fx['sites']} allocation sites" in r["message"])
        check("fixed twin: 1 = both modes, two runs per site",
              fx["sites"] >= 12 and fx["runs"] == 2 * fx["sites"])

        # no stacks, no sites: skipped, saying why
        _, t, _, _ = run([fixed], tmp, {"LEAKCHECK_FAIL_SWEEP": "1", "LEAKCHECK_STACKS": "0"})
        sk = t["parse_document"]["fail_sweep"]
        check("LEAKCHECK_STACKS=0: skipped with the reason",
              sk["runs"] == 0 and "LEAKCHECK_STACKS=0" in (sk["skipped"] or ""))

        # without the option: no sweep at all
        _, t, _, _ = run([fixed], tmp)
        check("LEAKCHECK_FAIL_SWEEP unset: fail_sweep is null",
              t["parse_document"]["fail_sweep"] is None)

        # bad values: one line naming the variable and the value
        for var, val in [("LEAKCHECK_FAIL_SWEEP_MAX", "0"), ("LEAKCHECK_FAIL_SWEEP_MAX", "-4"),
                         ("LEAKCHECK_FAIL_SWEEP_MAX", "ten"), ("LEAKCHECK_FAIL_SWEEP_MAX", "1.5"),
                         ("LEAKCHECK_FAIL_SWEEP", "maybe")]:
            p = subprocess.run([fixed], env=dict(os.environ, **{var: val}),
                               capture_output=True, text=True, timeout=60)
            lines = p.stderr.strip().splitlines()
            check(f"{var}={val!r}: exit 2, one line naming it",
                  p.returncode == 2 and len(lines) == 1 and var in lines[0] and
                  f"'{val}'" in lines[0])


def cases(binary, src):
    mk = markers(src)
    with tempfile.TemporaryDirectory() as tmp:
        p, t, doc, junit = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "1"})
        validates(doc, "cases")
        for name, r in t.items():
            fs = r["fail_sweep"]
            print(name, r["verdict"], fs and [(f["mode"], f["kind"], f["message"])
                                               for f in fs["findings"]])

        def finds(name):
            return t[name]["fail_sweep"]["findings"]

        def at(name, marker, kind, modes=("transient", "persistent")):
            line = mk[marker][0][0]
            got = [(f["mode"], f["kind"], site_of(f, src)[0]) for f in finds(name)]
            check(f"{name}: {kind} at the {marker} line in {'+'.join(modes)}",
                  sorted(got) == sorted((m, kind, line) for m in modes))

        at("strdup_inside", "STRDUP", "leak")
        check("strdup_inside: the site's stack goes through strdup",
              any("strdup" in (fr.get("function") or "") for fr in finds("strdup_inside")[0]["site"]))
        at("fopen_fails", "FOPEN", "leak")
        check("fopen_fails: the site's stack goes through fopen",
              any("fopen" in (fr.get("function") or "") for fr in finds("fopen_fails")[0]["site"]))
        at("worker_thread", "WORKER", "leak")
        check("worker_thread: the site is in the worker",
              site_of(finds("worker_thread")[0], src)[1] == "worker")
        at("retry_once", "RETRY", "leak", modes=("persistent",))
        at("crashes_when_failed", "ISOLATED", "crash")
        at("aborts_when_failed", "ABORT", "crash")
        check("aborts_when_failed: SIGABRT",
              all(f["signal"] == "SIGABRT" and "SIGABRT in must_alloc" in f["message"]
                  for f in finds("aborts_when_failed")))
        at("hangs_when_failed", "HANG", "hang", modes=("persistent",))
        check("hangs_when_failed: its option swept persistent failures only",
              {f["mode"] for f in finds("hangs_when_failed")} == {"persistent"} and
              t["hangs_when_failed"]["fail_sweep"]["runs"] ==
              t["hangs_when_failed"]["fail_sweep"]["swept"])
        at("fd_left_open", "FD", "fds")
        check("fd_left_open: the message names the fd's target",
              "/dev/null" in finds("fd_left_open")[0]["message"])
        at("thread_left_unjoined", "THREAD", "threads")
        for name in ("clean_before", "clean_after", "data_dependent"):
            check(f"{name}: swept, clean", t[name]["verdict"] == "clean" and
                  t[name]["fail_sweep"]["runs"] > 0 and not finds(name))
        nr = t["once_only"]["fail_sweep"]
        check("once_only: skipped, saying it cannot be repeated",
              nr["runs"] == 0 and "not repeatable" in (nr["skipped"] or ""))
        check("data_dependent: said so", "data-dependent" in
              (t["data_dependent"]["fail_sweep"]["note"] or ""))
        check("opted_out: .fail_sweep = LEAKCHECK_NONE, not swept",
              t["opted_out"]["fail_sweep"] is None)
        ex = t["exits_on_failure"]
        check("exits_on_failure: not a finding, the note says the runs ended the process",
              ex["verdict"] == "clean" and ex["fail_sweep"]["findings"] == [] and
              "ended the process" in (ex["fail_sweep"]["note"] or ""))
        ef = t["expects_its_finding"]
        check("expects_its_finding: .expect = \"sweep:named_new\" keeps it clean, listed as expected",
              ef["verdict"] == "clean" and ef["fail_sweep"]["findings"] == [] and
              any(x["rule"] == "sweep:named_new" and x["why"] == "expected by the test" and
                  x["hits"] == 2 for x in ef["suppressions"]))
        ae = t["asserts_on_errors"]
        check("asserts_on_errors: the body's own block after a failed assertion is no finding",
              ae["verdict"] == "clean" and ae["fail_sweep"]["findings"] == [] and
              "test body allocated itself" in (ae["fail_sweep"]["note"] or ""))
        box = mk["BOX"][0][0]
        for name, where in (("unchecked_in_test", "unchecked_in_test"),
                            ("unchecked_other_call", "box_get")):
            u = t[name]
            un = u["fail_sweep"].get("unchecked") or []
            check(f"{name}: the test's unchecked NULL is no finding, the test is clean",
                  u["verdict"] == "clean" and finds(name) == [])
            check(f"{name}: both modes listed as unchecked: a crash at the BOX site in {where}",
                  sorted(f["mode"] for f in un) == ["persistent", "transient"] and
                  all(f["kind"] == "crash" and site_of(f, src)[0] == box and
                      (own(f["stacks"][0], src).get("function") or "").startswith(where) for f in un))
            check(f"{name}: the message and the note say unchecked by the test",
                  "2 unchecked by the test" in u["message"] and
                  "unchecked by the test" in (u["fail_sweep"]["note"] or ""))
        deref = mk["UNCHECKED_DEREF"][0][0]
        check("unchecked_in_test: the crash is at the test's own line",
              all(own(f["stacks"][0], src).get("line") == deref
                  for f in t["unchecked_in_test"]["fail_sweep"]["unchecked"]))
        check("crashes_when_failed (the crash inside the failing call) has nothing unchecked",
              t["crashes_when_failed"]["fail_sweep"]["unchecked"] == [])
        ul = t["unchecked_leak"]
        un = [(f["mode"], f["kind"], site_of(f, src)[0]) for f in ul["fail_sweep"]["unchecked"]
              if site_of(f, src)[0] == mk["ADOPT"][0][0]]
        check("unchecked_leak: the child another call returned, lost when box_adopt fails, is "
              "unchecked in both modes, no finding",
              ul["verdict"] == "clean" and finds("unchecked_leak") == [] and
              sorted(un) == [("persistent", "leak", mk["ADOPT"][0][0]),
                             ("transient", "leak", mk["ADOPT"][0][0])])
        ao = t["asserts_after_other_call"]
        check("asserts_after_other_call: the other call's block left by the assertion is no "
              "finding", ao["verdict"] == "clean" and finds("asserts_after_other_call") == [] and
              "another call of the test" in (ao["fail_sweep"]["note"] or ""))
        at("asserts_on_leaky_code", "STRDUP", "leak")
        check("asserts_on_leaky_code: only the code's block is counted",
              all(f["blocks"] == 1 and own(f["stacks"][0], src).get("function") == "named_new"
                  for f in finds("asserts_on_leaky_code")))
        names = ["asserts_on_errors", "asserts_on_leaky_code", "aborts_when_failed",
                 "unchecked_in_test", "unchecked_other_call", "asserts_after_other_call",
                 "unchecked_leak", "expects_its_finding", "exits_on_failure", "strdup_inside", "fopen_fails", "worker_thread", "retry_once", "clean_before",
                 "crashes_when_failed", "clean_after", "once_only", "data_dependent",
                 "opted_out", "hangs_when_failed", "fd_left_open", "thread_left_unjoined"]
        check("crash isolation: every test is in the JSON", sorted(t) == sorted(names))
        check("crash isolation: every test is in the JUnit",
              all(junit_case(junit, n) is not None for n in names))
        failed = [n for n in names if t[n]["verdict"] != "clean"]
        check("the failed tests fail with type fail-sweep in JUnit",
              all(junit_case(junit, n).find("failure").get("type") == "fail-sweep"
                  for n in failed))
        check("cmocka's exit status counts them", p.returncode == len(failed))

        # strict: what the test did not check is a finding
        p, t, _, _ = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "1",
                                         "LEAKCHECK_FAIL_SWEEP_STRICT": "1"})
        for name in ("unchecked_in_test", "unchecked_other_call"):
            u = t[name]
            check(f"strict: {name} fails with its two crashes as findings",
                  u["verdict"] == "failed" and u["failure_type"] == "fail-sweep" and
                  [f["kind"] for f in u["fail_sweep"]["findings"]] == ["crash", "crash"] and
                  u["fail_sweep"]["unchecked"] == [])
        sf = [(f["kind"], own(f["stacks"][0], src).get("function"))
              for f in t["asserts_after_other_call"]["fail_sweep"]["findings"]]
        check("strict: asserts_after_other_call's left block is a finding (box_new)",
              sf and all(k == "leak" and fn == "box_new" for k, fn in sf))
        check("strict: unchecked_leak's lost child is a finding",
              t["unchecked_leak"]["verdict"] == "failed" and
              {f["kind"] for f in t["unchecked_leak"]["fail_sweep"]["findings"]} == {"leak"})
        check("strict: crashes_when_failed is unchanged",
              len(t["crashes_when_failed"]["fail_sweep"]["findings"]) == 2)

        # the helpers in this file declared the test's own code: their crash is unchecked
        p, t, _, _ = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "1",
                                         "LEAKCHECK_FAIL_SWEEP_TEST_CODE": "*/cases.c"})
        cw = t["crashes_when_failed"]
        check("LEAKCHECK_FAIL_SWEEP_TEST_CODE=*/cases.c: crash_on_null is the test's code, its "
              "crash unchecked", cw["verdict"] == "clean" and
              cw["fail_sweep"]["findings"] == [] and
              [f["kind"] for f in cw["fail_sweep"]["unchecked"]] == ["crash", "crash"])
        check("... and a glob that matches nothing changes nothing",
              run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "transient",
                                  "LEAKCHECK_FAIL_SWEEP_TEST_CODE": "*/elsewhere/*"})[1]
              ["crashes_when_failed"]["verdict"] == "failed")

        # transient alone: the retry absorbs the failure
        _, t, _, _ = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "transient"})
        check("transient: retry_once is clean", t["retry_once"]["verdict"] == "clean" and
              t["retry_once"]["fail_sweep"]["findings"] == [])


def cxx(binary, src):
    mk = markers(src)
    with tempfile.TemporaryDirectory() as tmp:
        _, t, doc, _ = run([binary], tmp, {"LEAKCHECK_FAIL_SWEEP": "transient"})
        validates(doc, "cxx")
        raw = t["cxx_raw"]["fail_sweep"]["findings"]
        for f in raw:
            print("   ", f["mode"], f["kind"], f["message"])
        want = {mk["CXX_A"][0][0], mk["CXX_B"][0][0]}
        check("cxx_raw: a leak when either later new throws",
              {site_of(f, src)[0] for f in raw} == want and all(f["kind"] == "leak" for f in raw))
        check("cxx_raw: the site is operator new",
              all("operator new" in (f["site"][0].get("function") or "") for f in raw))
        check("cxx_safe (unique_ptr): swept, nothing",
              t["cxx_safe"]["fail_sweep"]["runs"] > 0 and
              t["cxx_safe"]["fail_sweep"]["findings"] == [] and
              t["cxx_safe"]["verdict"] == "clean")


def plain(tool, binary, src, ignores):
    line = markers(src)["PLAIN"][0][0]
    p = subprocess.run([tool, "run", "--cmocka", "--fail-sweep", "--", binary],
                       capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    check("leakcheck run --cmocka --fail-sweep: the finding is printed",
          f"when the allocation at plain.c:{line}" in out)
    check("... and the run fails", p.returncode != 0)
    for args, mode in ((["--fail-sweep", "transient"], "transient"),
                       (["--fail-sweep=persistent"], "persistent")):
        p = subprocess.run([tool, "run", "--cmocka"] + args + ["--", binary],
                           capture_output=True, text=True, timeout=300)
        modes = set(re.findall(r"fail sweep \((\w+)\)", p.stdout + p.stderr))
        check(f"leakcheck run {' '.join(args)}: {mode} runs only", modes == {mode})
    # the program's per-test results reach the tool's reports, before the process
    with tempfile.TemporaryDirectory() as tmp:
        j, x = os.path.join(tmp, "out", "r.json"), os.path.join(tmp, "out", "r.xml")
        os.mkdir(os.path.dirname(j))
        priv = os.path.join(tmp, "priv")
        os.mkdir(priv)
        p = subprocess.run([tool, "run", "--cmocka", "--fail-sweep", f"--json={j}",
                            f"--junit={x}", "--", binary], env=dict(os.environ, TMPDIR=priv),
                           capture_output=True, text=True, timeout=300)
        doc = json.load(open(j)) if os.path.exists(j) else {"tests": []}
        names = [t["name"] for t in doc["tests"]]
        check("--json: the program's test, then the process", len(names) == 2 and
              names[0] == "pair_is_built" and names[1].startswith("process:"))
        t = doc["tests"][0] if names else {}
        fs = t.get("fail_sweep") or {}
        check("--json: the test's verdict and its fail_sweep finding at the PLAIN line",
              t.get("verdict") == "failed" and t.get("failure_type") == "fail-sweep" and
              any(site_of(f, src)[0] == line for f in fs.get("findings", [])))
        validates(doc, "leakcheck run --cmocka --json")
        junit = ET.parse(x).getroot() if os.path.exists(x) else None
        tc = junit_case(junit, "pair_is_built")
        fl = tc.find("failure") if tc is not None else None
        check("--junit: the test's <failure type=\"fail-sweep\">, the process's case too",
              fl is not None and fl.get("type") == "fail-sweep" and
              f"plain.c:{line}" in (fl.text or "") and
              any((c.get("name") or "").startswith("process:") for c in junit.iter("testcase")))
        check("--junit: the root counts both", junit is not None and
              junit.get("tests") == "2" and junit.get("failures") == "1")
        check("the private directories are gone", os.listdir(priv) == [] and
              sorted(os.listdir(os.path.dirname(j))) == ["r.json", "r.xml"])
        os.unlink(j)
        p = subprocess.run([tool, "run", "--cmocka", f"--junit={x}", "--", binary],
                           capture_output=True, text=True, timeout=300)
        junit = ET.parse(x).getroot()
        check("--junit alone, no sweep: the test passes next to the process",
              junit_case(junit, "pair_is_built") is not None and
              junit_case(junit, "pair_is_built").find("failure") is None and
              junit.get("tests") == "2" and not os.path.exists(j))
    # a suite that drops cmocka's result: the failed test still fails the run
    p = subprocess.run([tool, "run", "--cmocka", "--fail-sweep", "--", ignores],
                       capture_output=True, text=True, timeout=300)
    check("a suite whose main returns 0: the failed test fails the run, in one line",
          p.returncode == 1 and "exited 0, but 1 of its tests failed" in p.stderr)
    p = subprocess.run([tool, "run", "--cmocka", "--", ignores],
                       capture_output=True, text=True, timeout=300)
    check("... and passes when its tests pass", p.returncode == 0)
    p = subprocess.run([tool, "run", "--fail-sweep=sometimes", "--", binary],
                       capture_output=True, text=True, timeout=60)
    check("leakcheck run --fail-sweep=sometimes: exit 2, one line naming it",
          p.returncode == 2 and p.stderr.count("\n") == 1 and "LEAKCHECK_FAIL_SWEEP" in p.stderr
          and "'sometimes'" in p.stderr)
    p = subprocess.run([tool, "run", "--cmocka", "--", binary],
                       capture_output=True, text=True, timeout=300)
    check("without --fail-sweep the suite is clean", p.returncode == 0 and
          "fail sweep" not in p.stdout + p.stderr)


{"parser": parser, "cases": cases, "cxx": cxx, "plain": plain}[sys.argv[1]](*sys.argv[2:])
print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failed check(s)")
sys.exit(1 if failures else 0)
