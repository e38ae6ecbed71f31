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
  start, and, with processes off, the single run's scan ("memory not
  judged").

Usage: run_fd_limit.py LIBLEAKCHECK FD_LIMIT"""
import os
import resource
import subprocess
import sys

lib, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402


def run(limit, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKCHECK_")}
    env.update(LEAKCHECK_CMOCKA="1", LD_PRELOAD=lib, **extra)

    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300,
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

out = run(12, LEAKCHECK_CHECKS="memory,threads,fds,mappings")
v = verdict(out, "single_run_at_the_limit")
check("12 fds, processes off: the single run fails, memory not judged",
      v.startswith("[ FAILED ]") and "memory not judged (the reachability scan failed: "
      "/proc/self/maps unreadable: Too many open files" in v, v or out[-1500:])
check("12 fds, processes off: never 'nothing left behind'",
      "nothing left behind" not in verdict(out, "single_run_at_the_limit"), out[-1500:])

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("ok: at the open-file limit later tests are judged (64 fds) or fail naming the limit (12)")
