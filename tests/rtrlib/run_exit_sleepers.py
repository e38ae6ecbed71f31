#!/usr/bin/python3
"""Runs exit_sleepers under `leakcheck run` and checks that threads asleep
in sleep, usleep, nanosleep and clock_nanosleep (relative and absolute) when
main returns stay asleep through the check at exit (which stops them with a
signal): the program's own exit status (1), no worker's "woke" line, and
the report naming the block main dropped (drop_config, definitely lost);
that a worker the check's signal wakes from the poll system call and that
calls _exit then waits for the check, whose record arrives whole
("poller"); that threads in poll, ppoll, select, pselect, epoll_wait,
epoll_pwait, pause, sigsuspend, sigtimedwait and sigwaitinfo stay in them
too ("waits"); that threads in reads and writes on sockets with timeouts,
System V's msgrcv, msgsnd, semop and semtimedop, and epoll_pwait2, which
Linux ends with EINTR even under SA_RESTART, stay in them ("io"; the
program's message queue and semaphore set are removed after each run); and
that the program's own signal still cuts a sleep short ("own": exit 0).

Usage: run_exit_sleepers.py LEAKCHECK_TOOL EXIT_SLEEPERS"""
import ctypes
import os
import subprocess
import sys

tool, binary = sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lib"))
from lc_check import check, failures  # noqa: E402  (the checkers' shared prelude)

p = subprocess.run([binary], capture_output=True, text=True, timeout=60)
check("without leakcheck: exit status 1, no worker woke",
      p.returncode == 1 and "woke" not in p.stderr, p.stdout + p.stderr)

for attempt in range(3):  # the workers wake, if at all, while the check runs
    p = subprocess.run([tool, "run", "--", binary], capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    check(f"run {attempt}: no worker woke", "woke" not in out, out)
    check(f"run {attempt}: the program's exit status 1", p.returncode == 1, out)
    check(f"run {attempt}: the report names drop_config",
          "drop_config (" in out and "definitely lost: 1 block, 48 bytes" in out, out)

for attempt in range(3):  # the poller wakes while the check runs, then _exit(4)
    p = subprocess.run([tool, "run", "--", binary, "poller"], capture_output=True, text=True,
                       timeout=60)
    out = p.stdout + p.stderr
    check(f"poller {attempt}: exit status 4 (the worker's _exit) or 1 (main's)",
          p.returncode in (1, 4), out)
    check(f"poller {attempt}: the record arrived whole, naming drop_config",
          "drop_config (" in out and "definitely lost: 1 block, 48 bytes" in out and
          "without a leak report" not in out, out)

for attempt in range(3):  # ten waits libc ends with EINTR after any handler
    p = subprocess.run([tool, "run", "--", binary, "waits"], capture_output=True, text=True,
                       timeout=60)
    out = p.stdout + p.stderr
    check(f"waits {attempt}: no waiter woke", "woke" not in out, out)
    check(f"waits {attempt}: the program's exit status 1", p.returncode == 1, out)
    check(f"waits {attempt}: the report names drop_config", "drop_config (" in out, out)

libc = ctypes.CDLL(None, use_errno=True)


def remove_ipc(out):
    """The io mode's System V objects outlive it: IPC_RMID both."""
    for line in out.splitlines():
        if line.startswith("ipc "):
            msq, sem = (int(x) for x in line.split()[1:3])
            if msq >= 0:
                libc.msgctl(msq, 0, None)  # IPC_RMID
            if sem >= 0:
                libc.semctl(sem, 0, 0)  # IPC_RMID


p = subprocess.run([binary, "io"], capture_output=True, text=True, timeout=60)
remove_ipc(p.stdout)
check("io without leakcheck: exit status 1, no waiter woke",
      p.returncode == 1 and "woke" not in p.stderr, p.stdout + p.stderr)
for attempt in range(3):  # twenty calls Linux ends with EINTR even with SA_RESTART
    p = subprocess.run([tool, "run", "--", binary, "io"], capture_output=True, text=True,
                       timeout=60)
    remove_ipc(p.stdout)
    out = p.stdout + p.stderr
    check(f"io {attempt}: no waiter woke", "woke" not in out, out[-3000:])
    check(f"io {attempt}: the program's exit status 1", p.returncode == 1, out[-3000:])
    check(f"io {attempt}: the report names drop_config", "drop_config (" in out, out[-3000:])

p = subprocess.run([tool, "run", "--", binary, "own"], capture_output=True, text=True,
                   timeout=60)
check("own: the program's signal cuts its sleep short (exit 0)", p.returncode == 0,
      p.stdout + p.stderr)

for f in failures:
    print("FAIL:", f)
print("rtrlib_exit_sleepers:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
