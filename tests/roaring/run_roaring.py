#!/usr/bin/python3
"""Runs roaring_shapes (a plain cmocka binary in C++, CRoaring's shapes) under
LEAKCHECK_CMOCKA=1 and checks every verdict from its JSON report: aligned
containers reached through a table of function pointers, realloc growth,
blocks of several MiB and a C++ throw path, each leak named at its
allocating function and line with exact bytes, each clean twin clean; a
growth that is not whole blocks per iteration gives its bytes over the same
iterations (never a per-iteration average that reads as a block size); a
C++ method inlined into the test is named with its class and parameters, as
its out-of-line copy would be (not "add"); the
reduced iterations the README advises for a slow suite keep every verdict;
under `leakcheck run --cmocka` the exit check names the same sites; and a
main of its own linked with libcmocka.so (CRoaring's c_example1) fails under
LEAKCHECK_CMOCKA=1 with one line that says it runs no cmocka test, without
advising to link libcmocka.so.

Usage: run_roaring.py LIBLEAKCHECK ROARING_SHAPES LEAKCHECK_TOOL PLAIN_MAIN"""
import json
import os
import re
import subprocess
import sys
import tempfile

lib, binary, tool, plain_main = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def run(cmd, js, **extra):
    env = dict(os.environ, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js, **extra)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=200)


def frames(t):
    return [(fr.get("function") or "", os.path.basename(fr.get("file") or ""), fr.get("line"))
            for f in t.get("findings", []) for fr in f.get("stack", [])]


# test: (verdict, allocating function (name as symbolized, prefix), bytes per
# iteration or None)
EXPECT = {
    "clean_aligned_bitset": ("clean", None, None),
    "leak_aligned_bitset_every_third": ("leak", "hook_aligned", None),
    "clean_aligned_alloc": ("clean", None, None),
    "leak_aligned_alloc": ("leak", "runs_create", 2048),
    "clean_realloc_growth": ("clean", None, None),
    "leak_realloc_growth": ("leak", "array_grow", None),
    "clean_big_blocks": ("clean", None, None),
    "leak_big_block": ("leak", "values_create", 4194304),
    "clean_cxx_exception": ("clean", None, None),
    "leak_cxx_exception": ("leak", "set_build", None),
    "clean_many_allocations": ("clean", None, None),
    "clean_cxx_inlined_method": ("clean", None, None),
    "leak_cxx_inlined_method": ("leak", "roaringlike::Bitmap::add", 256),
}


def check_report(label, js):
    tests = {t["name"]: t for t in json.load(open(js))["tests"]}
    for name, (verdict, fn, per_iter) in EXPECT.items():
        t = tests.get(name, {})
        msg = str(t.get("message"))
        check(f"{label}: {name} {verdict}", t.get("verdict") == verdict, msg)
        if not fn:
            continue
        hit = [fr for fr in frames(t) if fr[0].startswith(fn + "(") or fr[0] == fn]
        check(f"{label}: {name} names {fn} at roaring_shapes.cpp:LINE",
              any(f == "roaring_shapes.cpp" and (ln or 0) > 0 for _, f, ln in hit),
              str(frames(t)))
        if per_iter:
            check(f"{label}: {name} +{per_iter} B per iteration",
                  f"+{per_iter} B per iteration" in msg, msg)
    # 1 block in 3 calls, 8 KiB each: the bytes go with the blocks' form
    msg = str(tests.get("leak_aligned_bitset_every_third", {}).get("message"))
    m = re.match(r"(\+\d+ blocks? in (\d+) iterations|1 block every \d+ iterations), "
                 r"\+(\d+) B in (\d+) iterations", msg)
    check(f"{label}: every-third leak: bytes over the iterations, not per iteration",
          m is not None and int(m.group(3)) % 8192 == 0 and " B per iteration" not in msg, msg)


with tempfile.TemporaryDirectory() as tmp:
    js = os.path.join(tmp, "r.json")
    p = run([binary], js)
    check("exit status 6 (six leaks)", p.returncode == 6, f"{p.returncode}\n{p.stdout}{p.stderr}")
    check_report("defaults", js)

    # the settings the README advises for a slow suite (4 runs of each body)
    js2 = os.path.join(tmp, "fast.json")
    p = run([binary], js2, LEAKCHECK_WARMUP="1", LEAKCHECK_ITERATIONS="3")
    check("warmup 1, 3 iterations: exit status 6", p.returncode == 6, p.stdout + p.stderr)
    check_report("warmup 1, 3 iterations", js2)

    # leakcheck run --cmocka: the exit check names the same sites
    rj = os.path.join(tmp, "run.json")
    p = subprocess.run([tool, "run", "--cmocka", "--json", rj, "--", binary],
                       capture_output=True, text=True, timeout=200)
    out = p.stdout + p.stderr
    check("run --cmocka: fails", p.returncode != 0, out)
    for fn in ("hook_aligned", "runs_create", "array_grow", "values_create", "set_build"):
        check(f"run --cmocka: exit check names {fn}", re.search(
            r"#\d+\s+" + fn + r"\b.*roaring_shapes\.cpp:\d+", out) is not None, out[-3000:])

    # a main of its own that links libcmocka.so: one line, the right advice
    p = run([plain_main], os.path.join(tmp, "plain.json"))
    lines = [l for l in p.stderr.splitlines() if l.startswith("leakcheck:")]
    check("plain main: exit status 2", p.returncode == 2, str(p.returncode))
    check("plain main: its own output", "Success." in p.stdout, p.stdout)
    check("plain main: one line: links libcmocka.so, runs no cmocka test, leakcheck run",
          len(lines) == 1 and "links libcmocka.so" in lines[0] and
          "runs no cmocka test" in lines[0] and "leakcheck run" in lines[0] and
          "link the test with libcmocka.so" not in lines[0], p.stderr)

if failures:
    print("FAILED:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: roaring shapes")
