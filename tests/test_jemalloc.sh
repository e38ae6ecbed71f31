#!/usr/bin/env bash
# jemalloc preloaded with leakcheck, in every order: never a crash, one line.
#  1. LD_PRELOAD=libjemalloc.so.2 leakcheck run -- PROG: refused before
#     anything runs (exit 2), one line naming it.
#  2. jemalloc ahead of a test binary linked with libleakcheck: every test is
#     an error naming jemalloc, the binary exits non-zero, no signal.
#  3. libleakcheck preloaded ahead of jemalloc: the same, by the other line.
# Usage: test_jemalloc.sh OUT_DIR (leakcheck, libleakcheck.so, the programs).
set -u
out=$1
jem=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -1)
if [ -z "$jem" ]; then
    echo "FAIL: libjemalloc.so.2 not installed (Debian package libjemalloc2, in ci/deps.sh)"
    exit 1
fi
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

LD_PRELOAD=$jem timeout 60 "$out/leakcheck" run -- "$out/leaky_program" >"$tmp/o" 2>"$tmp/e"
rc=$?
check "run: refused with exit 2 (got $rc)" '[ $rc = 2 ]'
check "run: one line on stderr" '[ "$(wc -l <"$tmp/e")" = 1 ]'
check "run: it names jemalloc" 'grep -q "libjemalloc.so.2 in LD_PRELOAD replaces malloc" "$tmp/e"'
check "run: the program did not run" '! grep -q "loaded" "$tmp/o"'

LD_PRELOAD=$jem LEAKCHECK_JSON=$tmp/a.json timeout 120 "$out/harness_exit_in_test" 5 \
    >"$tmp/o" 2>&1
rc=$?
check "ahead of the binary: no crash, non-zero exit (got $rc)" '[ $rc -ne 0 ] && [ $rc -lt 128 ]'
check "ahead of the binary: each test names jemalloc" \
    '[ "$(grep -c "not leakcheck.s but the one in libjemalloc.so.2" "$tmp/o")" -ge 2 ]'
check "ahead of the binary: never CLEAN" '! grep -q "CLEAN" "$tmp/o"'
check "ahead of the binary: every test is failed in the JSON, none judged" \
    'python3 -c "import json,sys; t=json.load(open(sys.argv[1]))[\"tests\"]; sys.exit(not t or any(x[\"verdict\"] != \"failed\" or \"jemalloc\" not in x[\"message\"] for x in t))" "$tmp/a.json"'

LD_PRELOAD=$out/libleakcheck.so:$jem timeout 120 "$out/harness_exit_in_test" 5 >"$tmp/o" 2>&1
rc=$?
check "behind libleakcheck: no crash, non-zero exit (got $rc)" '[ $rc -ne 0 ] && [ $rc -lt 128 ]'
check "behind libleakcheck: each test names jemalloc" \
    '[ "$(grep -c "libjemalloc.so.2, loaded after libleakcheck, replaces malloc" "$tmp/o")" -ge 2 ]'
check "behind libleakcheck: never CLEAN" '! grep -q "CLEAN" "$tmp/o"'
exit $fail
