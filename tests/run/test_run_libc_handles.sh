#!/usr/bin/env bash
# `leakcheck run` on glibc handles never closed (run_libc_handles.c): an iconv
# descriptor is definitely lost at its opener (gconv's one-time caches stay
# suppressed, the descriptor is not), the DIR of an opendir names its opener
# with no leakcheck frame in between, and the clean twin has no leaks.
# Usage: test_run_libc_handles.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check

"$tool" run --track-fds=no --json="$tmp/l.json" -- "$bin/run_libc_handles" 2>"$tmp/err"
check "leaking: exit 1" test $? -eq 1
check "iconv_open never closed: definitely lost at open_converter" python3 - "$tmp/l.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["tests"][0]
kinds = {f["leak_kind"] for f in t["findings"] if f["kind"] == "memory" and
         "open_converter" in [fr.get("function") for fr in f["stack"]]}
sys.exit(0 if "definite" in kinds else 1)
PY
check "opendir never closed: its opener follows libc's frames" \
    grep -Eq '#[0-9]+ +opendir_tail .*' "$tmp/err"
check "no leakcheck frame in any stack" bash -c "! grep -q 'libleakcheck' '$tmp/err'"
check "the opener named" grep -Eq '#[0-9]+ +open_listing \(.*run_libc_handles\.c:[0-9]+\)' "$tmp/err"

"$tool" run --json="$tmp/c.json" -- "$bin/run_libc_handles" clean 2>"$tmp/err"
check "clean twin: exit 0" test $? -eq 0
check "clean twin: no leaks" grep -q 'run_libc_handles (pid [0-9]*): no leaks' "$tmp/err"
exit $fail
