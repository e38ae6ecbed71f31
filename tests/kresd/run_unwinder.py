#!/usr/bin/python3
"""Runs kresd_unwinder (a C program whose library walks its stack through
_Unwind_Backtrace, as LuaJIT's lua_error raises through
_Unwind_RaiseException in knot-resolver's sandbox) plain, preloaded and
under `leakcheck run`, and checks that the library's unwinder calls bind to
libgcc_s in all three (with libleakcheck preloaded they bound to
libunwind.so.8, which defines the same entry points), and that `leakcheck
run` reports no fd left open (libunwind's validation pipe, opened on that
first use, read as 2 fds left open at exit).

Usage: run_unwinder.py LIBLEAKCHECK KRESD_UNWINDER LEAKCHECK_TOOL"""
import os
import subprocess
import sys

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)


def unwinder(out):
    line = next((l for l in out.splitlines() if l.startswith("unwinder: ")), "")
    return os.path.basename(line[len("unwinder: "):].split(",")[0]) if line else ""


runs = {
    "plain": ([binary], dict(os.environ)),
    "preloaded": ([binary], dict(os.environ, LD_PRELOAD=lib)),
    "run": ([tool, "run", "--", binary], dict(os.environ)),
}
for mode, (cmd, env) in runs.items():
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    check(f"{mode}: exit status 0", p.returncode == 0, out)
    check(f"{mode}: _Unwind_Backtrace from libgcc_s", unwinder(out).startswith("libgcc_s"), out)
    if mode == "run":
        check("run: no fd left open at exit", "left open" not in out, out)
        check("run: the check at exit ran", "no leaks" in out, out)

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: a library's _Unwind_* calls bind to libgcc_s under leakcheck")
