#!/usr/bin/python3
"""Runs fd_limit (a plain cmocka binary whose first test opens fds until
EMFILE) under LEAKCHECK_CMOCKA=1 with libleakcheck preloaded and a low
RLIMIT_NOFILE, and checks the console:
- at 64 fds, the test that opens fds until EMFILE and keeps them is a leak
  (every fd it left open, its count flat since its first run: it read "no
  growth" before), its twin that closes them is clean, and the tests after the one that took every fd are judged: the
  repeatable one leaks naming drop_after, the single run's lost block names
  drop_single (before: the first failed with "a kernel without
  CONFIG_PROC_CHILDREN?", and with processes off the single run read
  "nothing left behind", its scan having failed unseen);
- at 12 fds (too few for leakcheck's spare), each later test fails with one
  line that names the open-file limit: the children check at the test's
  start; with memory and fds only, the fd listing ("cannot judge this
  test's fds": the fd count read 0 unseen before); and with only memory,
  threads and mappings, the single run's scan ("memory not judged");
- under `leakcheck run --cmocka` at 64 fds, the same verdicts and the
  record at exit (it was written in the spare's slot: before, the tool read
  "exited ... without a leak report" and blamed an exec).

Usage: run_fd_limit.py LIBLEAKCHECK FD_LIMIT LEAKCHECK_TOOL"""
import os
import resource
import subprocess
import sys

lib, binary, tool = sys.argv[1:4]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402


def run(limit, argv=None, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    if argv is None:
        env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib)
    env.update(**extra)

    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    p = subprocess.run(argv or [binary], env=env, capture_output=True, text=True, timeout=300,
                       preexec_fn=lower)
    return p.stdout + p.stderr


def verdict(out, name):
    """The leakcheck verdict line of test name ('' when none)."""
    for line in out.splitlines():
        if line.startswith("[") and f"] {name}:" in line and "---" not in line:
            return line
    return ""


out = run(64)
v = verdict(out, "open_until_the_limit")
check("64 fds: the test that keeps every fd it opened is a leak",
      v.startswith("[  LEAK  ]") and "fds left open (the test ran into the open-file limit" in v,
      v or out[-1500:])
check("64 fds: its findings name open_until_the_limit",
      "/dev/null opened at open_until_the_limit (fd_limit.c:" in out, out[-1500:])
v = verdict(out, "open_until_the_limit_and_close")
check("64 fds: the twin that closes them is clean", v.startswith("[  CLEAN ]"), v or out[-1500:])
v = verdict(out, "leaks_at_the_limit")
check("64 fds: the repeatable test after the one at the limit is a leak",
      v.startswith("[  LEAK  ]"), v or out[-1500:])
check("64 fds: its finding names drop_after", "drop_after (fd_limit.c:" in out, out[-1500:])
v = verdict(out, "single_run_at_the_limit")
check("64 fds: the single run is a leak", v.startswith("[  LEAK  ]") and "1 block, 33 B lost" in v,
      v or out[-1500:])
check("64 fds: its finding names drop_single", "drop_single (fd_limit.c:" in out, out[-1500:])
check("64 fds: no test reads unobservable", "cannot observe" not in out, out[-1500:])

out = run(12)
v = verdict(out, "leaks_at_the_limit")
check("12 fds: the children check fails the test naming the limit",
      "is unreadable (no fd free: the process is at its open-file limit" in v, v or out[-1500:])
check("12 fds: no kernel feature blamed", "CONFIG_PROC_CHILDREN" not in out, out[-1500:])

out = run(12, LEAKCHECK_CHECKS="memory,fds")
v = verdict(out, "leaks_at_the_limit")
check("12 fds, memory and fds: the test fails, its fds not judged",
      v.startswith("[ FAILED ]") and "cannot judge this test's fds: /proc/self/fd could not be "
      "listed" in v and "open-file limit" in v, v or out[-1500:])

out = run(12, LEAKCHECK_CHECKS="memory,threads,mappings")
v = verdict(out, "single_run_at_the_limit")
check("12 fds, processes and fds off: the single run fails, memory not judged",
      v.startswith("[ FAILED ]") and "memory not judged (the reachability scan failed: "
      "/proc/self/maps unreadable: Too many open files" in v, v or out[-1500:])
check("12 fds, processes and fds off: never 'nothing left behind'",
      "nothing left behind" not in verdict(out, "single_run_at_the_limit"), out[-1500:])

out = run(64, [tool, "run", "--cmocka", "--", binary])
v = verdict(out, "single_run_at_the_limit")
check("run --cmocka, 64 fds: the single run is a leak", v.startswith("[  LEAK  ]"), v or out[-1500:])
check("run --cmocka, 64 fds: the record at exit arrived", "without a leak report" not in out and
      "fds left open" in out.split("leakcheck judged")[-1], out[-1500:])

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: at the open-file limit later tests are judged (64 fds) or fail naming the limit (12)")
