#!/usr/bin/python3
"""Runs glib_slice_list (GList nodes kept per call, and a clean twin). On GLib
before 2.76, preloaded under LEAKCHECK_CMOCKA=1 with G_SLICE unset, the
binary restarts itself with G_SLICE=always-malloc and says so in one line;
with G_SLICE set to another value it keeps it and one line says the slices
are not seen. With the restart, with G_SLICE=always-malloc, and under
`leakcheck run --cmocka` (which sets it), leak_list_node leaks per iteration
naming remember_node and clean_list_node is clean.

Usage: run_slice.py LIBLEAKCHECK LEAKCHECK_TOOL GLIB_SLICE_LIST GLIB_VERSION"""
import json
import os
import subprocess
import sys
import tempfile

lib, tool, binary, version = sys.argv[1:5]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

old_slice = tuple(int(x) for x in version.split(".")[:2]) < (2, 76)
NOTE = "slice allocator serves g_slice_alloc"


def functions(t):
    return {fr.get("function") for f in t.get("findings", []) for fr in f.get("stack", [])}


def judged(label, js, out):
    tests = {t["name"]: t for t in json.load(open(js))["tests"]} if os.path.exists(js) else {}
    t = tests.get("leak_list_node", {})
    check(f"{label}: leak_list_node leaks per iteration", t.get("verdict") == "leak" and
          "per iteration" in (t.get("message") or ""), f"{t.get('message')}\n{out[-1200:]}")
    check(f"{label}: the leak names remember_node", "remember_node" in functions(t),
          str(functions(t)))
    t = tests.get("clean_list_node", {})
    check(f"{label}: clean_list_node clean", t.get("verdict") == "clean", str(t.get("message")))


with tempfile.TemporaryDirectory() as tmp:
    base = {k: v for k, v in os.environ.items() if k != "G_SLICE"}
    js = os.path.join(tmp, "pre.json")
    env = dict(base, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js)
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    RESTART = "restarted with G_SLICE=always-malloc"
    if old_slice:
        check("G_SLICE unset: one line says the binary restarted", out.count(RESTART) == 1,
              out[-1200:])
        check("G_SLICE unset: no line says slices are not seen", NOTE not in out, out[-1200:])
    else:
        check("GLib 2.76+: no line about slices", NOTE not in out and RESTART not in out,
              out[-1200:])
    judged("G_SLICE unset", js, out)
    if old_slice:  # a value of the user's is kept, and said
        js = os.path.join(tmp, "empty.json")
        env = dict(base, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js, G_SLICE="")
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
        out = p.stdout + p.stderr
        check("G_SLICE='': one line says slices are not seen", out.count(NOTE) == 1, out[-1200:])
        check("G_SLICE='': not restarted", RESTART not in out, out[-1200:])
    js = os.path.join(tmp, "always.json")
    env = dict(base, LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, LEAKCHECK_JSON=js,
               G_SLICE="always-malloc")
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("G_SLICE=always-malloc: exit status 1", p.returncode == 1, f"{p.returncode}\n{out[-1200:]}")
    check("G_SLICE=always-malloc: no line about slices", NOTE not in out and RESTART not in out,
          out[-1200:])
    judged("G_SLICE=always-malloc", js, out)
    rj = os.path.join(tmp, "run.json")
    p = subprocess.run([tool, "run", "--cmocka", f"--json={rj}", "--", binary], env=base,
                       capture_output=True, text=True, timeout=100)
    out = p.stdout + p.stderr
    check("run --cmocka: no line about slices", NOTE not in out and RESTART not in out,
          out[-1200:])
    judged("run --cmocka", rj, out)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: GLib's slices seen (restart, G_SLICE=always-malloc, leakcheck run), said when not")
