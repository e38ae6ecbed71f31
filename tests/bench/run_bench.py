#!/usr/bin/python3
"""Benchmarks, budgets, allocation-free regions and baselines, end to end.

usage: run_bench.py BENCH_FIXTURES LEAKCHECK_TOOL SCHEMA_DIR

Runs the fixture binary (fixtures.c) and checks from its JSON report, JUnit
report, console and exit status: exact counts of every fixture, budget twins,
regions, the background-thread benchmark; then the baseline workflow (missing,
update, equal, regression, improvement, new entries, new leak site, corrupt and
foreign files) and the tool's `compare` and `baseline update`. Expected figures
are computed here from what each fixture does, never copied from a run."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BINARY, TOOL, SCHEMA_DIR = sys.argv[1:4]
failures = []
checked = []


def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    checked.append(what)
    if not cond:
        failures.append(what)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LEAKCHECK_") and k != "FIXTURE_EXTRA"}
    env.update(extra)
    return env


class Run:
    def __init__(self, tmp, tag, **env):
        self.json_path = os.path.join(tmp, tag + ".json")
        self.xml_path = os.path.join(tmp, tag + ".xml")
        e = clean_env(LEAKCHECK_JSON=self.json_path, LEAKCHECK_JUNIT=self.xml_path, **env)
        p = subprocess.run([BINARY], env=e, capture_output=True, text=True, timeout=300)
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr
        with open(self.json_path) as f:
            self.doc = json.load(f)
        self.tests = {t["name"]: t for t in self.doc["tests"]}
        self.benches = {b["name"]: b for b in self.doc["benchmarks"]}

    def leakcheck_err_lines(self):
        """stderr lines of leakcheck itself (not cmocka's error echo)."""
        return [l for l in self.err.splitlines() if l.startswith("leakcheck:")]


def tool(*args):
    p = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def load(path):
    with open(path) as f:
        return json.load(f)


def validator(name):
    import jsonschema
    schema = load(os.path.join(SCHEMA_DIR, name))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(v, doc):
    return [f"{list(e.path)}: {e.message}" for e in sorted(v.iter_errors(doc), key=str)][:5]


def measured(t):
    """The judged iterations of a test's series (warm-up excluded)."""
    it = t["iterations"]
    lo = it["warmup"]
    return t["series"][lo:lo + it["measured"] + it["extended"]]


# Tests that fail by design in a plain run (cmocka's exit status counts them).
FAIL_BY_DESIGN = {"bench_budget_over", "bench_peak_over", "bench_zero_over", "bench_fails",
                  "test_budget_over", "test_peak_budget_over", "leak_site_test",
                  "noalloc_violated"}


def exact_bench(r, name, allocs, frees, nbytes, peak, net_blocks, net_bytes):
    b = r.benches.get(name)
    if not b:
        check(f"{name}: in the report", False)
        return
    got = (b["allocs_per_op"], b["frees_per_op"], b["bytes_per_op"], b["peak_bytes"],
           b["net_blocks"], b["net_bytes"])
    want = (allocs, frees, nbytes, peak, net_blocks, net_bytes)
    check(f"{name}: allocs/op, frees/op, bytes/op, peak, net blocks, net bytes = {want} "
          f"(got {got})", got == want)
    check(f"{name}: not data-dependent", b["data_dependent"] is False)


with tempfile.TemporaryDirectory() as tmp:
    report_v = validator("leakcheck-report.schema.json")
    baseline_v = validator("leakcheck-baseline.schema.json")

    # ---- a plain run: exact counts ----
    r = Run(tmp, "plain")
    print(r.out[-3000:])
    check(f"exit status counts the failures by design ({len(FAIL_BY_DESIGN)}; got {r.rc})",
          r.rc == len(FAIL_BY_DESIGN))
    check("the report matches its schema", not schema_errors(report_v, r.doc))
    n = r.benches["bench_malloc_one"]["n"]
    check(f"default n is LEAKCHECK_BENCH_N's 1000 (got {n})", n == 1000)
    exact_bench(r, "bench_malloc_one", 1, 1, 64, 64, 0, 0)
    # malloc 16 + calloc 32 + realloc to 100 (a free and an alloc), 2 frees; live
    # peaks at 32 + 100 after the realloc
    exact_bench(r, "bench_family", 3, 3, 16 + 32 + 100, 32 + 100, 0, 0)
    nl = r.benches["bench_leaky_list"]["n"]
    exact_bench(r, "bench_leaky_list", 1, 0, 24, 24 * nl, nl, 24 * nl)
    exact_bench(r, "bench_own_thread", 1, 1, 40, 40, 0, 0)
    exact_bench(r, "bench_budget_ok", 1, 1, 64, 64, 0, 0)
    exact_bench(r, "bench_peak_ok", 2, 2, 200, 200, 0, 0)
    exact_bench(r, "bench_zero_ok", 0, 0, 0, 0, 0, 0)
    exact_bench(r, "bench_after_failure", 1, 1, 72, 72, 0, 0)
    exact_bench(r, "bench_background_thread", 1, 1, 64, 64, 0, 0)

    d = r.benches["bench_digits"]
    total = sum(len(str(i)) for i in range(d["n"]))
    check(f"bench_digits: mean allocs/op {total}/{d['n']} (got {d['allocs_per_op']})",
          d["n"] == 1000 and d["allocs_per_op"] == total / d["n"] and
          d["bytes_per_op"] == 8 * total / d["n"])
    check("bench_digits: flagged data-dependent, the message says the mean is reported",
          d["data_dependent"] is True and "data-dependent" in d["message"] and
          "mean" in d["message"] and not d["failed"])

    for name in ("bench_budget_ok", "bench_peak_ok", "bench_zero_ok", "bench_malloc_one"):
        b = r.benches[name]
        check(f"{name}: passes, no message", not b["failed"] and b["message"] is None)
    b = r.benches["bench_budget_over"]
    check("bench_budget_over: fails on bytes/op 64 > 32, not on allocs (1 = 1)",
          b["failed"] and "bytes/op 64 over the budget of 32" in b["message"] and
          "allocs/op" not in b["message"])
    b = r.benches["bench_peak_over"]
    check("bench_peak_over: fails on peak 200 > 150",
          b["failed"] and "peak bytes 200 over the budget of 150" in b["message"])
    b = r.benches["bench_zero_over"]
    check("bench_zero_over: fails a zero budget and names the allocating function",
          b["failed"] and "allocs/op 1 over the budget of 0" in b["message"] and
          "hidden_alloc (fixtures.c:" in b["message"])
    b = r.benches["bench_fails"]
    check("bench_fails: a body that fails an assertion is reported as not finished",
          b["failed"] and b["n"] == 0 and "did not finish" in b["message"])

    t = r.tests
    check("test_budget_ok: clean, 2 allocs and 48 B in every measured iteration",
          t["test_budget_ok"]["verdict"] == "clean" and
          all(s["allocs"] == 2 and s["bytes_allocated"] == 48
              for s in measured(t["test_budget_ok"])))
    check("test_budget_over: failed, message names the budget",
          t["test_budget_over"]["verdict"] == "failed" and
          "allocs/iter 2 over the budget of 1" in t["test_budget_over"]["message"])
    check("test_peak_budget_over: failed on 48 B live > 40",
          t["test_peak_budget_over"]["verdict"] == "failed" and
          "peak bytes/iter 48 over the budget of 40" in t["test_peak_budget_over"]["message"])
    check("test_regress_target: 1 alloc of 40 B per measured iteration",
          all(s["allocs"] == 1 and s["bytes_allocated"] == 40
              for s in measured(t["test_regress_target"])))
    check("noalloc_clean: allocations outside the region are fine",
          t["noalloc_clean"]["verdict"] == "clean")
    check("noalloc_violated: the region fails the test",
          t["noalloc_violated"]["verdict"] == "failed")
    m = re.search(r"1 allocation inside the allocation-free region at \S*fixtures\.c:(\d+); "
                  r"the first, 16 B, at:\n\s+region_alloc \(fixtures\.c:\d+\) <- "
                  r"noalloc_violated_lc_body", r.err)
    check("noalloc_violated: cmocka's message names the region and the offending stack",
          m is not None)
    check("noalloc_api and allocs_per_run_api pass (exact counts asserted in C)",
          "[       OK ] noalloc_api" in r.out and "[       OK ] allocs_per_run_api" in r.out)
    check("allocs_per_run_in_test: clean, and its 51 calls of 3 allocations are the "
          "test's own (153 per iteration)",
          t["allocs_per_run_in_test"]["verdict"] == "clean" and
          all(s["allocs"] == 153 for s in measured(t["allocs_per_run_in_test"])))

    check("console: a -benchmem style line per benchmark",
          re.search(r"\[  BENCH \] bench_malloc_one: 1000 ops  [0-9.]+ ns/op  64 B/op  "
                    r"1 allocs/op  1 frees/op  peak 64 B  net \+0 blocks, \+0 B\n", r.out)
          is not None)
    check("console: a failed budget is a FAILED line with the reason",
          re.search(r"\[ FAILED \] bench_budget_over: .*\n    over budget: bytes/op 64", r.out)
          is not None)
    check("console: summary of benchmarks", "[leakcheck] 14 benchmarks: 10 ok, 4 failed"
          in r.out)

    root = ET.parse(r.xml_path).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    check("JUnit: every benchmark is a testcase",
          all(name in cases for name in r.benches))
    f = cases["bench_budget_over"].find("failure")
    check("JUnit: an exceeded budget is <failure type=budget>",
          f is not None and f.get("type") == "budget" and "bytes/op 64" in f.get("message"))
    check("JUnit: a benchmark within budget has no failure",
          cases["bench_budget_ok"].find("failure") is None)
    f = cases["test_budget_over"].find("failure")
    check("JUnit: a test over its budget is <failure type=budget>",
          f is not None and f.get("type") == "budget" and
          t["test_budget_over"].get("failure_type") == "budget")

    # ---- n: LEAKCHECK_BENCH_N, .n, LEAKCHECK_BENCH_TIME_MS ----
    rn = Run(tmp, "n10", LEAKCHECK_BENCH_N="10")
    check("LEAKCHECK_BENCH_N=10: n is 10, the per-op counts are the same",
          rn.benches["bench_malloc_one"]["n"] == 10 and
          rn.benches["bench_malloc_one"]["allocs_per_op"] == 1 and
          rn.benches["bench_malloc_one"]["bytes_per_op"] == 64)
    check("LEAKCHECK_BENCH_N=10: net growth and peak follow n (10 nodes of 24 B)",
          rn.benches["bench_leaky_list"]["n"] == 10 and
          rn.benches["bench_leaky_list"]["net_blocks"] == 10 and
          rn.benches["bench_leaky_list"]["peak_bytes"] == 240)
    check("a benchmark's .n wins over LEAKCHECK_BENCH_N",
          rn.benches["bench_digits"]["n"] == 1000 and
          rn.benches["bench_background_thread"]["n"] == 1000)
    # A 1 ms limit may lower the others' n (how far depends on the machine's
    # load, so it is not checked); a fixed .n never moves.
    rn = Run(tmp, "time1", LEAKCHECK_BENCH_TIME_MS="1")
    check("a benchmark's .n wins over LEAKCHECK_BENCH_TIME_MS",
          rn.benches["bench_digits"]["n"] == 1000 and
          rn.benches["bench_background_thread"]["n"] == 1000 and
          rn.benches["bench_digits"]["allocs_per_op"] == 2.89)
    p = subprocess.run([BINARY], env=clean_env(LEAKCHECK_BENCH_N="0"), capture_output=True,
                       text=True, timeout=60)
    check("LEAKCHECK_BENCH_N=0 is refused before any test (exit 2, the accepted range)",
          p.returncode == 2 and "LEAKCHECK_BENCH_N" in p.stderr and
          "1..1000000000" in p.stderr and "RUN" not in p.stdout)

    # ---- baselines ----
    bl = os.path.join(tmp, "baseline.json")
    r1 = Run(tmp, "missing", LEAKCHECK_BASELINE=bl)
    lines = r1.leakcheck_err_lines()
    check("missing baseline: one line naming the file, the run goes on",
          len(lines) == 1 and f"baseline '{bl}' does not exist" in lines[0] and
          r1.rc == len(FAIL_BY_DESIGN) and len(r1.tests) == len(r.tests) and
          len(r1.benches) == len(r.benches))
    check("missing baseline: not written without LEAKCHECK_BASELINE_UPDATE",
          not os.path.exists(bl))

    r2 = Run(tmp, "update", LEAKCHECK_BASELINE=bl, LEAKCHECK_BASELINE_UPDATE="1")
    check("update: the run's verdicts are unchanged (budgets still fail)",
          r2.rc == len(FAIL_BY_DESIGN))
    check("update: the baseline is written", os.path.exists(bl))
    base = load(bl)
    check("update: the baseline matches its schema", not schema_errors(baseline_v, base))
    check("update: schema name and version",
          base["schema"] == {"name": "leakcheck-baseline", "version": 1})
    e = base["benchmarks"].get("fixtures::bench_malloc_one", {})
    check("update: bench_malloc_one stored as exact totals over n",
          e.get("n") == 1000 and e.get("allocs") == 1000 and e.get("frees") == 1000 and
          e.get("bytes") == 64000 and e.get("peak_bytes") == 64)
    check("update: every finished benchmark has an entry, the unfinished one none",
          set(base["benchmarks"]) == {f"{b['group']}::{b['name']}" for b in r2.doc["benchmarks"]
                                      if b["n"] > 0})
    check("update: tests with measured iterations have entries, a failed body none",
          "fixtures::test_regress_target" in base["tests"] and
          "fixtures::noalloc_violated" not in base["tests"])
    check("update: test entries hold the largest measured iteration",
          base["tests"]["fixtures::test_regress_target"] ==
          {"allocs": 1, "bytes": 40, "peak_bytes": 40, "leak_sites": []})
    sites = base["tests"]["fixtures::leak_site_test"]["leak_sites"]
    check(f"update: a leaking test's site is stored ({sites})",
          len(sites) == 1 and "leak_site_a (fixtures.c)" in sites[0])
    check("update: entries are sorted by key",
          list(base["benchmarks"]) == sorted(base["benchmarks"]) and
          list(base["tests"]) == sorted(base["tests"]))
    with open(bl, "rb") as f:
        base_bytes = f.read()

    r3 = Run(tmp, "equal", LEAKCHECK_BASELINE=bl)
    check("same code, same counts: no regression, no improvement, exit unchanged",
          r3.rc == len(FAIL_BY_DESIGN) and
          "baseline '%s': 0 regressions, 0 improvements, 0 new entries" % bl in r3.out and
          "than the baseline" not in r3.out)
    with open(bl, "rb") as f:
        check("a comparing run leaves the baseline untouched", f.read() == base_bytes)

    r4 = Run(tmp, "regress", LEAKCHECK_BASELINE=bl, FIXTURE_EXTRA="1")
    b = r4.benches["bench_malloc_one"]
    check("regression: bench_malloc_one fails with old and new figures",
          b["failed"] and "allocs/op 1 -> 2 (+1, +100.0%)" in b["message"] and
          "bytes/op 64 -> 96 (+32, +50.0%)" in b["message"])
    tr = r4.tests["test_regress_target"]
    check("regression: a clean test that allocates more fails ('failed') with old and new",
          tr["verdict"] == "failed" and "allocs/iter 1 -> 2" in tr["message"] and
          "bytes/iter 40 -> 80" in tr["message"])
    check("regression: exit status counts the two regressions",
          r4.rc == len(FAIL_BY_DESIGN) + 2)
    lm = r4.tests["leak_site_test"]["message"]
    check("new leak site: named as new, the known one is not",
          "new leak site (not in the baseline): memory: leak_site_b (fixtures.c)" in lm and
          "new leak site (not in the baseline): memory: leak_site_a" not in lm)
    cases4 = {c.get("name"): c for c in ET.parse(r4.xml_path).getroot().iter("testcase")}
    check("regression: JUnit failure for the benchmark",
          cases4["bench_malloc_one"].find("failure") is not None)
    f4 = cases4["test_regress_target"].find("failure")
    check("regression: a test failed by the baseline is <failure type=baseline>",
          f4 is not None and f4.get("type") == "baseline" and
          tr.get("failure_type") == "baseline")
    check("regression: summary line counts 3 regressions",
          "0 improvements" in r4.out and "3 regressions" in r4.out)

    blx = os.path.join(tmp, "baseline-extra.json")
    Run(tmp, "update-extra", LEAKCHECK_BASELINE=blx, LEAKCHECK_BASELINE_UPDATE="1",
        FIXTURE_EXTRA="1")
    r5 = Run(tmp, "improve", LEAKCHECK_BASELINE=blx)
    b = r5.benches["bench_malloc_one"]
    check("improvement: reported, not a failure",
          not b["failed"] and "improved on the baseline: allocs/op 2 -> 1 (-1, -50.0%)"
          in b["message"] and r5.rc == len(FAIL_BY_DESIGN))
    check("improvement: a test that allocates less stays clean and says so",
          r5.tests["test_regress_target"]["verdict"] == "clean" and
          "improved on the baseline: allocs/iter 2 -> 1" in
          r5.tests["test_regress_target"]["message"])

    bln = os.path.join(tmp, "baseline-new.json")
    partial = load(bl)
    del partial["benchmarks"]["fixtures::bench_family"]
    del partial["tests"]["fixtures::test_budget_ok"]
    with open(bln, "w") as f:
        json.dump(partial, f)
    r6 = Run(tmp, "new", LEAKCHECK_BASELINE=bln)
    check("new entries: named as new, not failures",
          "new: not in the baseline" in r6.benches["bench_family"]["message"] and
          not r6.benches["bench_family"]["failed"] and
          r6.tests["test_budget_ok"]["verdict"] == "clean" and
          "new: not in the baseline" in r6.tests["test_budget_ok"]["message"] and
          "2 new entries" in r6.out and r6.rc == len(FAIL_BY_DESIGN))

    blu = os.path.join(tmp, "baseline-accept.json")
    shutil.copy(bl, blu)
    r7 = Run(tmp, "accept", LEAKCHECK_BASELINE=blu, LEAKCHECK_BASELINE_UPDATE="1",
             FIXTURE_EXTRA="1")
    check("update over a regression: recorded, not failed",
          not r7.benches["bench_malloc_one"]["failed"] and
          "baseline updated: allocs/op 1 -> 2" in r7.benches["bench_malloc_one"]["message"] and
          r7.rc == len(FAIL_BY_DESIGN))
    check("update over a regression: the new counts are in the file",
          load(blu)["benchmarks"]["fixtures::bench_malloc_one"]["allocs"] == 2000)
    r8 = Run(tmp, "accepted", LEAKCHECK_BASELINE=blu, FIXTURE_EXTRA="1")
    check("after the update the same code passes the gate",
          r8.rc == len(FAIL_BY_DESIGN) and "0 regressions" in r8.out)

    # corrupt and foreign baselines: one line, non-zero exit, every result kept
    for tag, content, problem in (
            ("cut", base_bytes[:200], "not valid JSON at line"),
            ("empty", b"", "the file is empty or cut short"),
            ("foreign", open(r.json_path, "rb").read(),
             'not a leakcheck baseline (schema.name is "leakcheck-report"'),
            ("version", json.dumps({"schema": {"name": "leakcheck-baseline", "version": 9}})
             .encode(), "baseline schema version 9 is not supported"),
            ("type", json.dumps({"schema": {"name": "leakcheck-baseline", "version": 1},
                                 "tests": {"x::y": {"allocs": "3", "bytes": 1,
                                                    "peak_bytes": 1}}}).encode(),
             'tests."x::y".allocs is not an integer')):
        path = os.path.join(tmp, f"bad-{tag}.json")
        with open(path, "wb") as f:
            f.write(content)
        rb = Run(tmp, f"report-bad-{tag}", LEAKCHECK_BASELINE=path, LEAKCHECK_BASELINE_UPDATE="1")
        lines = rb.leakcheck_err_lines()
        check(f"{tag} baseline: one line naming the file and the problem ({lines[:1]})",
              len(lines) == 1 and f"baseline '{path}'" in lines[0] and problem in lines[0])
        check(f"{tag} baseline: non-zero exit beyond the failures by design, no result lost",
              rb.rc == len(FAIL_BY_DESIGN) + 1 and len(rb.tests) == len(r.tests) and
              len(rb.benches) == len(r.benches))
        with open(path, "rb") as f:
            check(f"{tag} baseline: never overwritten, even when updating", f.read() == content)

    # ---- the tool: baseline update ----
    bt = os.path.join(tmp, "tool-baseline.json")
    rc, out, err = tool("baseline", "update", bt, r.json_path)
    same = rc == 0 and load(bt) == base
    if not same and rc == 0:
        for kind in ("benchmarks", "tests"):
            for k in sorted(set(base[kind]) | set(load(bt)[kind])):
                if base[kind].get(k) != load(bt)[kind].get(k):
                    print(f"  differs: {kind} {k}: run {base[kind].get(k)} tool "
                          f"{load(bt)[kind].get(k)}")
    check("tool baseline update: writes the same entries as a run with "
          "LEAKCHECK_BASELINE_UPDATE=1", same)
    stale = load(bt)
    stale["tests"]["gone::old_test"] = {"allocs": 1, "bytes": 1, "peak_bytes": 1}
    with open(bt, "w") as f:
        json.dump(stale, f)
    rc, out, err = tool("baseline", "update", bt, r.json_path)
    check("tool baseline update: keeps entries of tests not in the reports",
          rc == 0 and "gone::old_test" in load(bt)["tests"] and "0 changed" in out)
    rc, out, err = tool("baseline", "update", bt, r.json_path, "--prune")
    check("tool baseline update --prune: drops them",
          rc == 0 and "gone::old_test" not in load(bt)["tests"] and "1 pruned" in out)
    rc, out, err = tool("baseline", "update", bt, r4.json_path)
    check("tool baseline update: counts changed entries",
          rc == 0 and load(bt)["benchmarks"]["fixtures::bench_malloc_one"]["allocs"] == 2000
          and re.search(r"\b[1-9]\d* changed", out) is not None)
    bad = os.path.join(tmp, "bad-cut.json")
    before = open(bad, "rb").read()
    rc, out, err = tool("baseline", "update", bad, r.json_path)
    check("tool baseline update: a corrupt baseline is one line, exit 2, not overwritten",
          rc == 2 and err.count("\n") == 1 and bad in err and open(bad, "rb").read() == before)
    rc, out, err = tool("baseline", "update", bt, os.path.join(tmp, "nope.json"))
    check("tool baseline update: a missing report is one line, exit 2",
          rc == 2 and err.count("\n") == 1 and "nope.json" in err)

    # ---- the tool: compare ----
    rc, out, err = tool("compare", r.json_path, r4.json_path)
    check("compare: a regression exits 1", rc == 1)
    check("compare: a table row per metric with old, new, delta and %",
          re.search(r"benchmark fixtures::bench_malloc_one\n.*\n\s+allocs/op\s+1\s+2\s+\+1\s+"
                    r"\+100\.0%\s+regression", out) is not None and
          re.search(r"test fixtures::test_regress_target\n.*\n\s+allocs/iter\s+1\s+2\s+\+1\s+"
                    r"\+100\.0%\s+regression", out) is not None)
    check("compare: a leak site only NEW has is named",
          "  new leak site: memory: leak_site_b (fixtures.c)\n" in out and
          "new leak site: memory: leak_site_a" not in out and "1 new leak site\n" in out)
    check("compare: frees/op is shown but not a regression",
          re.search(r"frees/op\s+1\s+2\s+\+1\s+\+100\.0%\n", out) is not None)
    rc, out, err = tool("compare", r.json_path, r3.json_path)
    check("compare: two runs of the same code are equal, exit 0",
          rc == 0 and "0 regressions in 0 of" in out and "regression\n" not in out)
    rc, out, err = tool("compare", bl, r.json_path)
    check("compare: a baseline against a report of the same code, exit 0", rc == 0)
    rc, out, err = tool("compare", r4.json_path, r.json_path)
    check("compare: the other way round is an improvement, exit 0",
          rc == 0 and "improvement" in out)
    rc, out, err = tool("compare", r.json_path, r4.json_path, "--tolerance", "150%")
    check("compare: regressions within --tolerance pass", rc == 0 and "within tolerance" in out)
    rc, out, err = tool("compare", r.json_path, r4.json_path, "--tolerance=120")
    check("compare: beyond the tolerance still fails (+133% > 120%)", rc == 1)
    rc, out, err = tool("compare", bln, bl)
    check("compare: entries on one side only are listed",
          rc == 0 and "benchmark fixtures::bench_family: only in NEW" in out)
    gone = load(r.json_path)
    gone["benchmarks"] = [b for b in gone["benchmarks"] if b["name"] != "bench_malloc_one"]
    gone_path = os.path.join(tmp, "gone.json")
    with open(gone_path, "w") as f:
        json.dump(gone, f)
    rc, out, err = tool("compare", r.json_path, gone_path)
    check("compare: a benchmark that disappeared from NEW is a regression, exit 1",
          rc == 1 and "benchmark fixtures::bench_malloc_one: disappeared from NEW  regression"
          in out and "1 benchmark gone" in out)
    rc, out, err = tool("compare", r.json_path, r4.json_path, "--format", "markdown")
    check("compare --format markdown: a table, regressions in bold",
          rc == 1 and "| entry | metric | old | new | delta | % | |" in out and
          "| benchmark fixtures::bench\\_malloc\\_one | allocs/op | 1 | 2 | +1 | +100.0% | "
          "**regression** |" in out)
    for args, what in (([os.path.join(tmp, "none.json"), r.json_path], "none.json"),
                       ([os.path.join(tmp, "bad-cut.json"), r.json_path], "bad-cut.json"),
                       ([r.xml_path, r.json_path], "plain.xml"),
                       ([r.json_path], "two files"),
                       ([r.json_path, r.json_path, "--tolerance", "-1"], "--tolerance"),
                       ([r.json_path, r.json_path, "--bogus"], "--bogus")):
        rc, out, err = tool("compare", *args)
        check(f"compare bad input ({what}): one line, exit 2, nothing printed",
              rc == 2 and what in err and out == "" and
              len([l for l in err.splitlines() if l.startswith("leakcheck:")]) == 1)

print(f"{len(checked) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
