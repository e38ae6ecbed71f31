#!/usr/bin/env bash
# `leakcheck run` on a program built with AddressSanitizer, as users' Debug
# builds often are: ASan refuses to start unless its runtime comes first, so
# the tool preloads the runtime the program names in DT_NEEDED ahead of
# libleakcheck. The planted leaks are caught with the planted function as the
# innermost frame (the sanitizer's allocator frames cut), the clean twin is
# clean. Usage: test_run_asan.sh BIN_DIR CC SOURCE_DIR; 77 when the compiler
# cannot build with ASan.
set -u
bin=$1 cc=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$cc" -g -O1 -fsanitize=address "$src/run_asan.c" -o "$tmp/run_asan" 2>"$tmp/cc.err"; then
    echo "skip: $cc cannot build with -fsanitize=address: $(head -1 "$tmp/cc.err")"
    exit 77
fi
export ASAN_OPTIONS=detect_leaks=0
fail=0
"$bin/leakcheck" run --json="$tmp/leak.json" -- "$tmp/run_asan" leak >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL leak: exit $rc, expected 1"; sed 's/^/     /' "$tmp/err" | head -20; fail=1; }
python3 - "$tmp/leak.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
found = {}
for t in d["tests"]:
    for f in t["findings"]:
        fr = f.get("stack") or []
        names = [x.get("function") for x in fr]
        found[names[0] if names else None] = names
want = {"asan_planted_leak": ["asan_planted_leak", "main"]}
ok = True
if found.get("asan_planted_leak", [])[:2] != want["asan_planted_leak"]:
    print("FAIL leak: no finding with asan_planted_leak innermost:", found); ok = False
dup = [n for n in found.values() if "asan_planted_strdup" in n]
if not dup or dup[0][0] != "strdup":
    print("FAIL leak: the strdup'd block is not reported from strdup <- asan_planted_strdup:", found); ok = False
if any(n and n[0] and ("asan" in n[0].lower() and not n[0].startswith("asan_planted")) for n in found.values()):
    print("FAIL leak: a sanitizer frame is innermost:", found); ok = False
print("ok   leak: planted leaks caught in ASan build" if ok else "")
sys.exit(0 if ok else 1)
PY
"$bin/leakcheck" run -- "$tmp/run_asan" clean >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] || ! grep -q "no leaks" "$tmp/err"; then
    echo "FAIL clean: exit $rc, expected 0 and 'no leaks'"; sed 's/^/     /' "$tmp/err" | head -20; fail=1
else
    echo "ok   clean: the twin is clean"
fi
exit $fail
