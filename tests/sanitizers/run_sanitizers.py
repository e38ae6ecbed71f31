#!/usr/bin/python3
"""leakcheck in sanitizer builds, with gcc and clang.

usage: run_sanitizers.py CC CXX INCLUDE_DIR LIB_DIR TESTS_DIR

For each compiler (CC, and clang when installed) it builds san_leak.c with
ASan against the shared libleakcheck and checks from the JSON report and the
console that each planted leak is caught with the planted function in its
stack (the sanitizer's own frames cut: the console's innermost frame is the
program's, or strdup), that the clean twin is clean and that the exit status
is the number of leaks; the clean twin alone also runs with ASan's leak check
on, which must find nothing. Under ASan the C++ container suite (cxx_leaks.cpp,
checked by run_cxx_leaks.py) must still reach the user's frames. TSan and LSan,
whose allocator hooks skip some entry points, MSan (clang) and a foreign malloc
without hooks must fail every test with leakcheck's one line instead of
judging it. A compiler that cannot build a sanitizer is skipped with a
message.
Exit status 77 (skipped) when no sanitizer build was possible at all."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LEAKS = {"leak_malloc": "planted_malloc", "leak_strdup": "planted_strdup"}
# The console's first frame: the program's own (malloc's frames are hooks),
# or the libc call the program made: ASan intercepts strdup ("strdup"), TSan
# and LSan leave it to glibc ("strdup (strdup.c:42)": glibc's __strdup by its
# public name).
INNERMOST = {"leak_malloc": r"planted_malloc\b",
             "leak_strdup": r"strdup( \(strdup\.c:\d+\))? <- (\.\.\. <- )?planted_strdup\b"}
# Sanitizer runtime options: their own leak report at exit would change the
# exit status of a binary whose leaks are planted.
QUIET = {"ASAN_OPTIONS": "detect_leaks=0", "LSAN_OPTIONS": "detect_leaks=0"}


class Ctx:
    def __init__(self, argv, tmp):
        self.cc, self.cxx, self.inc, self.lib, self.tests = argv
        self.tmp = tmp
        self.failures, self.ran, self.skipped = [], 0, []

    def fail(self, what, msg):
        self.failures.append(f"{what}: {msg}")

    def ok(self, before, what):
        if len(self.failures) == before:
            print(f"ok   {what}")

    def build(self, compiler, flags, sources, out, extra_libs=()):
        # clang 14 emits no .debug_aranges, without which libdw 0.188 finds no
        # file:line; gcc emits them and rejects the flag
        dbg = ["-g", "-gdwarf-aranges"] if "clang" in os.path.basename(compiler) else ["-g"]
        cmd = [compiler, *dbg, "-O2", *flags, "-I", self.inc, *sources, "-o", out,
               *extra_libs, "-L", self.lib, "-lleakcheck", "-lcmocka",
               f"-Wl,-rpath,{self.lib}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        return proc.returncode == 0, proc.stderr.strip().splitlines()[:2]

    def run(self, binary, env_extra):
        report = binary + ".json"
        env = dict(os.environ, LEAKCHECK_JSON=report, **env_extra)
        env.pop("CMOCKA_MESSAGE_OUTPUT", None)
        proc = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
        doc = None
        if os.path.exists(report):
            with open(report) as f:
                doc = json.load(f)
        return proc, doc


def check_planted(ctx, what, proc, doc):
    if doc is None:
        return ctx.fail(what, f"no JSON report; exit {proc.returncode}: {proc.stderr[-800:]}")
    tests = {t["name"]: t for t in doc["tests"]}
    for name, fn in LEAKS.items():
        t = tests.get(name)
        if not t or t["verdict"] != "leak":
            ctx.fail(what, f"{name}: {t and t['verdict']} ({t and t.get('message')})")
            continue
        named = [fr.get("function") for fi in t["findings"] if fi["kind"] == "memory"
                 for fr in (fi.get("stack") or [])]
        if fn not in named:
            ctx.fail(what, f"{name}: no memory finding names {fn}: {named}")
        lines = [ln for ln in proc.stderr.splitlines() if "block/iter" in ln]
        shape = re.compile(r"B/iter  " + INNERMOST[name])
        if not any(shape.search(ln) for ln in lines):
            ctx.fail(what, f"{name}: no console stack starts at {INNERMOST[name]}: {lines}")
    t = tests.get("clean_twin")
    if not t or t["verdict"] != "clean":
        ctx.fail(what, f"clean_twin: {t and t['verdict']} ({t and t.get('message')})")
    if proc.returncode != len(LEAKS):
        ctx.fail(what, f"exit status {proc.returncode}, expected {len(LEAKS)}: "
                       f"{proc.stderr[-1500:]}")


def check_blind(ctx, what, proc, doc, phrase):
    """Every test failed with leakcheck's one line; none judged."""
    judged = set(LEAKS) | {"clean_twin"}
    tests = [t for t in (doc["tests"] if doc else []) if t["name"] in judged]
    if len(tests) != 3 or any(t["verdict"] != "failed" or phrase not in (t.get("message") or "")
                              for t in tests):
        ctx.fail(what, f"expected every test failed with '{phrase}': "
                       f"{[(t['name'], t['verdict'], t.get('message')) for t in tests]}")
    if proc.stderr.count("leakcheck: ") < 3 or proc.returncode != 3:
        ctx.fail(what, f"exit {proc.returncode}, stderr: {proc.stderr[-800:]}")


# Sanitizers whose allocator hooks skip some entry points (gcc 12 and clang
# 14): their blocks would go unseen, so every test must fail with the line
# naming them, never pass as clean.
BLIND = {"thread": "under ThreadSanitizer, posix_memalign, aligned_alloc, memalign, valloc "
                   "reach no allocator hook",
         "leak": "under LeakSanitizer, realloc, reallocarray reach no allocator hook"}


def sanitizer_suite(ctx, compiler, san):
    what = f"{os.path.basename(compiler)} -fsanitize={san}"
    src = os.path.join(ctx.tests, "sanitizers", "san_leak.c")
    exe = os.path.join(ctx.tmp, f"san_{os.path.basename(compiler)}_{san}")
    ok, err = ctx.build(compiler, [f"-fsanitize={san}"], [src], exe)
    if not ok:
        ctx.skipped.append(f"{what}: the compiler cannot build it ({' '.join(err)})")
        return
    ctx.ran += 1
    proc, doc = ctx.run(exe, QUIET)
    before = len(ctx.failures)
    if san in BLIND:
        check_blind(ctx, what, proc, doc, BLIND[san])
        ctx.ok(before, f"{what}: every test failed with one line ({BLIND[san]})")
        return
    check_planted(ctx, what, proc, doc)
    if san == "address":
        ok, err = ctx.build(compiler, [f"-fsanitize={san}", "-DCLEAN_ONLY"], [src], exe + "_clean")
        if not ok:
            return ctx.fail(what, f"clean build failed: {err}")
        proc, _ = ctx.run(exe + "_clean", {})
        if proc.returncode != 0 or "LeakSanitizer" in proc.stderr:
            ctx.fail(what, f"the sanitizer's own leak check failed a clean run: "
                           f"{proc.stderr[-1500:]}")
    ctx.ok(before, what)


def cxx_under_asan(ctx, compiler):
    what = f"{os.path.basename(compiler)} -fsanitize=address (C++ containers)"
    exe = os.path.join(ctx.tmp, f"cxx_{os.path.basename(compiler)}")
    srcs = ["-x", "c++", os.path.join(ctx.tests, "cxx_leaks.cpp"),
            "-x", "c", os.path.join(ctx.tests, "sink.c")]
    ok, err = ctx.build(compiler, ["-fsanitize=address"], srcs, exe)
    if not ok:
        ctx.skipped.append(f"{what}: the compiler cannot build it ({' '.join(err)})")
        return
    ctx.ran += 1
    proc = subprocess.run([sys.executable, os.path.join(ctx.tests, "run_cxx_leaks.py"), exe],
                          env=dict(os.environ, **QUIET), capture_output=True, text=True)
    if proc.returncode:
        ctx.fail(what, [ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL")])
    else:
        print(f"ok   {what}")


def patterns_under_asan(ctx, compiler):
    """The whole planted-pattern suite (threads, fds, dlopen, shared
    libraries) under ASan: the same verdicts as natively."""
    what = f"{os.path.basename(compiler)} -fsanitize=address (pattern suite)"
    exe = os.path.join(ctx.tmp, f"patterns_{os.path.basename(compiler)}")
    module = os.path.join(ctx.lib, "liblc_module_leak.so")
    srcs = [os.path.join(ctx.tests, "harness", "patterns.c"), os.path.join(ctx.tests, "sink.c")]
    ok, err = ctx.build(compiler, ["-fsanitize=address", f'-DMODULE_PATH="{module}"',
                                   "-rdynamic"], srcs, exe,
                        extra_libs=("-L", ctx.lib, "-llc_shared_leak", "-lpthread", "-ldl"))
    if not ok:
        return ctx.fail(what, f"build failed: {err}")
    ctx.ran += 1
    proc = subprocess.run([sys.executable, os.path.join(ctx.tests, "harness", "run_patterns.py"),
                           exe], env=dict(os.environ, **QUIET), capture_output=True, text=True,
                          timeout=600)
    if proc.returncode:
        ctx.fail(what, [ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL")])
    else:
        print(f"ok   {what}")


def unmodified_under_asan(ctx, compiler):
    """A plain cmocka suite built with ASan, run unmodified with
    LEAKCHECK_CMOCKA=1 and libleakcheck preloaded. gcc's ASan runtime is a
    shared library that must come first in the preload list (then its malloc
    is the one in use); preloaded ahead of it, leakcheck fails every test with
    one line giving that order. clang links its runtime into the program."""
    name = os.path.basename(compiler)
    what = f"{name} -fsanitize=address (unmodified suite, LEAKCHECK_CMOCKA=1)"
    exe = os.path.join(ctx.tmp, f"plain_{name}")
    src = os.path.join(ctx.tests, "sanitizers", "plain_suite.c")
    dbg = ["-gdwarf-aranges"] if "clang" in name else []
    cmd = [compiler, "-g", *dbg, "-O2", "-fsanitize=address", src, "-o", exe, "-lcmocka"]
    if subprocess.run(cmd, capture_output=True).returncode:
        ctx.skipped.append(f"{what}: the compiler cannot build it")
        return
    ctx.ran += 1
    lib = os.path.join(ctx.lib, "libleakcheck.so")
    runtime = ""
    if "clang" not in name:
        runtime = subprocess.run([compiler, "-print-file-name=libasan.so"], capture_output=True,
                                 text=True).stdout.strip()
    env = dict(QUIET, LEAKCHECK_CMOCKA="1", LD_PRELOAD=f"{runtime} {lib}".strip())
    proc, doc = ctx.run(exe, env)
    before = len(ctx.failures)
    tests = {t["name"]: t for t in (doc or {}).get("tests", [])}
    leak, clean = tests.get("plain_leak"), tests.get("plain_clean")
    named = [fr.get("function") for fi in (leak or {}).get("findings", [])
             for fr in (fi.get("stack") or [])]
    if not leak or leak["verdict"] != "leak" or "planted_in_plain" not in named:
        ctx.fail(what, f"plain_leak: {leak and leak['verdict']}, stack {named}: "
                       f"{proc.stderr[-1500:]}")
    if not clean or clean["verdict"] != "clean":
        ctx.fail(what, f"plain_clean: {clean and clean['verdict']}")
    sweep_blind(ctx, what, exe, env)
    lsan_agrees(ctx, what, cmd, exe, env)
    if runtime:
        env = dict(env, LD_PRELOAD=f"{lib} {runtime}",
                   ASAN_OPTIONS=QUIET["ASAN_OPTIONS"] + ":verify_asan_link_order=0")
        proc, doc = ctx.run(exe, env)
        if proc.returncode != 2 or "preload the runtime first" not in proc.stdout + proc.stderr:
            ctx.fail(what, f"preloaded ahead of ASan: exit {proc.returncode}, "
                           f"{proc.stderr[-800:]}")
    ctx.ok(before, what)


def lsan_agrees(ctx, what, cmd, exe, env):
    """ASan's own leak check left on (its default, as CI runs suites): it
    reports the planted leak and nothing of leakcheck's (libdw's symbolizer
    blocks, referenced only from leakcheck's mmap'd tables, were ~58 KB of
    'indirect leaks' failing every suite, and leakcheck run --cmocka lost its
    report); leakcheck's summary and leakcheck run's record still arrive
    when LSan ends the process; the clean twin alone passes preloaded and
    under leakcheck run."""
    loud = dict(env, ASAN_OPTIONS="detect_leaks=1", LSAN_OPTIONS="detect_leaks=1")
    proc, _ = ctx.run(exe, loud)
    records = re.split(r"\n(?:Direct|Indirect) leak of ", proc.stderr)[1:]
    others = [r[:600] for r in records if "planted_in_plain" not in r]
    if not records or others:
        ctx.fail(what, f"detect_leaks=1: LSan reported {len(records)} leaks, "
                       f"{len(others)} not planted_in_plain's: {others[:2]}")
    # LSan leaves through its own _exit from libasan's destructor, before
    # ours: leakcheck's summary and leakcheck run's record must come first
    if "[leakcheck] 2 tests: 1 clean, 1 leak" not in proc.stdout + proc.stderr:
        ctx.fail(what, f"detect_leaks=1: no leakcheck summary before LSan's exit: "
                       f"{(proc.stdout + proc.stderr)[-1200:]}")
    tool = os.path.join(ctx.lib, "leakcheck")
    run_env = dict(os.environ, **{k: v for k, v in loud.items() if k != "LD_PRELOAD"})
    if os.path.exists(tool):
        proc = subprocess.run([tool, "run", "--cmocka", "--", exe], env=run_env,
                              capture_output=True, text=True, timeout=300)
        found = re.search(r"leakcheck: \S+ \(pid \d+\): \d+ leaked block", proc.stderr)
        if proc.returncode == 0 or not found or "planted_in_plain" not in proc.stderr.split(
                "LeakSanitizer: detected")[-1]:
            ctx.fail(what, f"detect_leaks=1, leakcheck run --cmocka on the planted leak: exit "
                           f"{proc.returncode}, no record naming planted_in_plain: "
                           f"{proc.stderr[-1200:]}")
        # clang's LSan starts its symbolizer through two pipes for its report:
        # the runtime's fds, never the program's
        if re.search(r"fds? left open", proc.stderr):
            ctx.fail(what, f"detect_leaks=1, leakcheck run --cmocka: the runtime's fds "
                           f"reported: {proc.stderr[-1200:]}")
    clean = exe + "_clean"
    if subprocess.run([*cmd[:-3], "-DCLEAN_ONLY", *cmd[-3:-2], clean, "-lcmocka"],
                      capture_output=True).returncode:
        return ctx.fail(what, "the CLEAN_ONLY build failed")
    proc, _ = ctx.run(clean, loud)
    if proc.returncode != 0 or "LeakSanitizer" in proc.stderr:
        ctx.fail(what, f"detect_leaks=1, clean twin preloaded: exit {proc.returncode}: "
                       f"{proc.stderr[-1200:]}")
    if not os.path.exists(tool):
        return
    asan_error(ctx, what, cmd, exe, env)
    proc = subprocess.run([tool, "run", "--cmocka", "--", clean], env=run_env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or "LeakSanitizer" in proc.stderr or "no leaks" not in proc.stderr:
        ctx.fail(what, f"detect_leaks=1, clean twin under leakcheck run --cmocka: exit "
                       f"{proc.returncode}: {proc.stderr[-1200:]}")


def asan_error(ctx, what, cmd, exe, env):
    """An ASan error inside a test ends the process through the runtime's
    death callback: the reports hold the clean test and the one in progress
    as crashed, ended by the runtime; the summary is printed."""
    bad = exe + "_overflow"
    if subprocess.run([*cmd[:-3], "-DASAN_ERROR", *cmd[-3:-2], bad, "-lcmocka"],
                      capture_output=True).returncode:
        return ctx.fail(what, "the ASAN_ERROR build failed")
    proc, doc = ctx.run(bad, env)
    tests = {t["name"]: t for t in (doc or {}).get("tests", [])}
    over = tests.get("plain_overflow") or {}
    out = proc.stdout + proc.stderr
    if ("heap-buffer-overflow" not in out or proc.returncode == 0 or
            (tests.get("plain_clean") or {}).get("verdict") != "clean" or
            over.get("verdict") != "crashed" or "sanitizer runtime" not in over.get("message", "") or
            "[leakcheck] 2 tests: 1 clean, 0 leak, 0 failed, 1 crashed" not in out):
        ctx.fail(what, f"ASan error in a test: exit {proc.returncode}, plain_overflow "
                       f"{json.dumps(over)[:300]}: {out[-800:]}")


BLIND_SWEEP = "the fail sweep cannot fail allocations under AddressSanitizer: not swept"


def sweep_blind(ctx, what, exe, env):
    """A fail sweep asked for under ASan cannot fail any allocation: every
    test says so in one line and the run fails (nothing silent); the leaking
    test keeps its leak verdict with the line in its details. The same through
    `leakcheck run --cmocka --fail-sweep`."""
    proc, doc = ctx.run(exe, dict(env, LEAKCHECK_FAIL_SWEEP="1"))
    tests = {t["name"]: t for t in (doc or {}).get("tests", [])}
    clean, leak = tests.get("plain_clean") or {}, tests.get("plain_leak") or {}
    if not (clean.get("verdict") == "failed" and clean.get("failure_type") == "tracker" and
            clean.get("message") == BLIND_SWEEP and
            (clean.get("fail_sweep") or {}).get("skipped") == BLIND_SWEEP):
        ctx.fail(what, f"LEAKCHECK_FAIL_SWEEP=1: plain_clean {json.dumps(clean)[:600]}")
    if leak.get("verdict") != "leak" or BLIND_SWEEP not in (leak.get("details") or ""):
        ctx.fail(what, f"LEAKCHECK_FAIL_SWEEP=1: plain_leak {leak.get('verdict')}")
    out = proc.stdout + proc.stderr
    if proc.returncode == 0 or out.count(BLIND_SWEEP + "\n") < 1:
        ctx.fail(what, f"LEAKCHECK_FAIL_SWEEP=1: exit {proc.returncode}: {out[-600:]}")
    tool = os.path.join(ctx.lib, "leakcheck")
    if "clang" in os.path.basename(what) or not os.path.exists(tool):
        return
    env = {k: v for k, v in env.items() if k != "LD_PRELOAD"}
    proc = subprocess.run([tool, "run", "--cmocka", "--fail-sweep", "--", exe],
                          env=dict(os.environ, **env), capture_output=True, text=True,
                          timeout=300)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0 or f"plain_clean: {BLIND_SWEEP}" not in out:
        ctx.fail(what, f"leakcheck run --cmocka --fail-sweep: exit {proc.returncode}: "
                       f"{out[-600:]}")


def blind_cases(ctx, clang):
    src = os.path.join(ctx.tests, "sanitizers", "san_leak.c")
    if clang:
        exe = os.path.join(ctx.tmp, "san_msan")
        ok, err = ctx.build(clang, ["-fsanitize=memory"], [src], exe)
        if ok:
            ctx.ran += 1
            proc, doc = ctx.run(exe, {})
            before = len(ctx.failures)
            check_blind(ctx, "clang -fsanitize=memory", proc, doc, "MemorySanitizer")
            ctx.ok(before, "clang -fsanitize=memory: every test failed with one line")
        else:
            ctx.skipped.append(f"clang -fsanitize=memory: cannot build it ({' '.join(err)})")
    lib = os.path.join(ctx.tmp, "libforeign_malloc.so")
    subprocess.run([ctx.cc, "-shared", "-fPIC", "-O2", "-o", lib,
                    os.path.join(ctx.tests, "sanitizers", "foreign_malloc.c")], check=True)
    exe = os.path.join(ctx.tmp, "san_foreign")
    ok, err = ctx.build(ctx.cc, [f"-Wl,-rpath,{ctx.tmp}"], [src], exe,
                        extra_libs=("-Wl,--no-as-needed", lib))
    if not ok:
        return ctx.fail("foreign malloc", f"build failed: {err}")
    proc, doc = ctx.run(exe, {})
    before = len(ctx.failures)
    check_blind(ctx, "foreign malloc", proc, doc, "not leakcheck's")
    ctx.ok(before, "foreign malloc without hooks: every test failed with one line")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Ctx(sys.argv[1:6], tmp)
        clang = shutil.which("clang")
        compilers = [ctx.cc] + ([clang] if clang and os.path.basename(ctx.cc) != "clang" else [])
        if not clang:
            ctx.skipped.append("clang: not installed (apt-get install clang)")
        for compiler in compilers:
            for san in ("address", "thread", "leak"):
                sanitizer_suite(ctx, compiler, san)
        clangxx = shutil.which("clang++")
        for compiler in [ctx.cxx] + ([clangxx] if clangxx else []):
            cxx_under_asan(ctx, compiler)
        for compiler in compilers:
            patterns_under_asan(ctx, compiler)
            unmodified_under_asan(ctx, compiler)
        blind_cases(ctx, clang)
    for s in ctx.skipped:
        print("SKIP", s)
    for f in ctx.failures:
        print("FAIL", f)
    print(f"{ctx.ran} sanitizer builds checked, {len(ctx.skipped)} skipped, "
          f"{len(ctx.failures)} failures")
    if ctx.failures:
        return 1
    return 77 if ctx.ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
