#!/usr/bin/python3
"""leakcheck binaries under valgrind's memcheck.

usage: run_valgrind.py VG_CLEAN SAN_LEAK CXX_LEAKS

With --soname-synonyms=somalloc=nouserintercepts (memcheck then leaves
leakcheck's malloc in place and still sees every block through it):
1. the clean suite (vg_clean) passes under --error-exitcode=1 with a full
   leak check: 0 memcheck errors, no definitely or possibly lost block, every
   test judged clean;
2. the planted C leaks (san_leak, built natively) and the C++ container leaks
   (cxx_leaks) are still caught, with the planted function in the JSON stack,
   and memcheck reports 0 errors.
Without that option memcheck replaces leakcheck's malloc: every test must fail
with leakcheck's one line naming the option, none may be CLEAN.
Exit status 77 (skipped) when valgrind is not installed."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BOTH = "--soname-synonyms=somalloc=nouserintercepts"


def valgrind(vg, args, binary, tmp):
    report = os.path.join(tmp, os.path.basename(binary) + ".json")
    if os.path.exists(report):
        os.unlink(report)
    env = dict(os.environ, LEAKCHECK_JSON=report)
    env.pop("CMOCKA_MESSAGE_OUTPUT", None)
    proc = subprocess.run([vg, *args, binary], env=env, capture_output=True, text=True,
                          timeout=600)
    doc = None
    if os.path.exists(report):
        with open(report) as f:
            doc = json.load(f)
    m = re.search(r"ERROR SUMMARY: (\d+) errors", proc.stderr)
    return proc, doc, int(m.group(1)) if m else None


SUITE = {"clean_malloc_family", "clean_thread_joined", "clean_fds_and_stdio",
         "clean_lazy_cache", "clean_free_next_iteration"}


def verdicts(doc, names=None):
    return {t["name"]: t for t in (doc or {}).get("tests", [])
            if names is None or t["name"] in names}


def check_caught(failures, what, doc, leaks):
    tests = verdicts(doc, set(leaks) | {n for n in verdicts(doc) if n.startswith("clean_")})
    for name, fn in leaks.items():
        t = tests.get(name)
        if not t or t["verdict"] != "leak":
            failures.append(f"{what}: {name} is {t and t['verdict']}, expected leak")
            continue
        named = [fr.get("function") for fi in t["findings"] if fi["kind"] == "memory"
                 for fr in (fi.get("stack") or [])]
        if fn not in named:
            failures.append(f"{what}: {name}: no memory finding names {fn}: {named}")
    for name, t in tests.items():
        if name not in leaks and t["verdict"] != "clean":
            failures.append(f"{what}: {name} is {t['verdict']}, expected clean")


def main():
    vg = shutil.which("valgrind")
    if not vg:
        print("SKIP valgrind is not installed (apt-get install valgrind)")
        return 77
    vg_clean, san_leak, cxx_leaks = sys.argv[1:4]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, doc, errors = valgrind(vg, ["--error-exitcode=1", BOTH, "--leak-check=full",
                                          "--errors-for-leak-kinds=definite,possible"],
                                     vg_clean, tmp)
        tests = verdicts(doc, SUITE)
        if proc.returncode != 0 or errors != 0:
            failures.append(f"clean suite: exit {proc.returncode}, {errors} memcheck errors:\n"
                            f"{proc.stderr[-4000:]}")
        if len(tests) != 5 or any(t["verdict"] != "clean" for t in tests.values()):
            failures.append(f"clean suite: verdicts {[(n, t['verdict']) for n, t in tests.items()]}")
        print(f"clean suite under memcheck: exit {proc.returncode}, {errors} errors, "
              f"{sum(t['verdict'] == 'clean' for t in tests.values())} of {len(tests)} clean")

        proc, doc, errors = valgrind(vg, ["--error-exitcode=99", BOTH], san_leak, tmp)
        check_caught(failures, "planted C leaks", doc,
                     {"leak_malloc": "planted_malloc", "leak_strdup": "planted_strdup"})
        if errors != 0 or proc.returncode != 2:
            failures.append(f"planted C leaks: exit {proc.returncode} (expected 2), {errors} "
                            f"memcheck errors:\n{proc.stderr[-3000:]}")
        print(f"planted C leaks under memcheck: exit {proc.returncode}, {errors} errors")

        proc, doc, errors = valgrind(vg, ["--error-exitcode=99", BOTH], cxx_leaks, tmp)
        check_caught(failures, "C++ container leaks", doc,
                     {"leak_std_vector": "make_vector_and_forget()",
                      "leak_std_map": "registry_add()",
                      "leak_std_string": "keep_string_buffer()"})
        if errors != 0 or proc.returncode != 3:
            failures.append(f"C++ container leaks: exit {proc.returncode} (expected 3), {errors} "
                            f"memcheck errors:\n{proc.stderr[-3000:]}")
        print(f"C++ container leaks under memcheck: exit {proc.returncode}, {errors} errors")

        proc, doc, errors = valgrind(vg, ["--error-exitcode=99"], vg_clean, tmp)
        tests = verdicts(doc, SUITE)
        blind = [t for t in tests.values() if t["verdict"] == "failed" and
                 "somalloc=nouserintercepts" in (t.get("message") or "")]
        if len(tests) != 5 or len(blind) != 5 or proc.returncode != 5 or errors != 0:
            failures.append(f"without {BOTH}: every test must fail with the one line: exit "
                            f"{proc.returncode}, {errors} errors, verdicts "
                            f"{[(n, t['verdict'], t.get('message')) for n, t in tests.items()]}")
        print(f"without the option: {len(blind)} of {len(tests)} tests failed with the line")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
