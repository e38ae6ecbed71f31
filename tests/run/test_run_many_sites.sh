#!/usr/bin/env bash
# `leakcheck run` on a program that loses blocks at 24 sites, more than the
# console lists: the line after the 20th says where every one is, the JSON
# report's path with --json, else the --json option (before, it named a JSON
# report that no option had asked for). Usage: test_run_many_sites.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check

"$tool" run -- "$bin/many_sites" >"$tmp/out" 2>"$tmp/err"
check "24 sites: exit 1" test $? -eq 1
check "24 sites: all counted" grep -q 'definitely lost: 24 blocks' "$tmp/err"
check "no --json: the rest are named by the option that lists them" \
    grep -q '^  \.\.\. and 4 more (--json FILE lists every one)$' "$tmp/err"
check "no --json: no JSON report claimed" bash -c "! grep -q 'in the JSON report' '$tmp/err'"

"$tool" run --json "$tmp/r.json" -- "$bin/many_sites" >"$tmp/out" 2>"$tmp/err"
check "--json: exit 1" test $? -eq 1
check "--json: the rest are in that report, by its path" \
    grep -qF "  ... and 4 more (every one is in the JSON report, $tmp/r.json)" "$tmp/err"
check "--json: the report has all 24 sites" python3 -c "
import json, sys
t = json.load(open(sys.argv[1]))['tests'][0]
fns = {fr.get('function') for f in t['findings'] for fr in f['stack'][:1]}
sys.exit(0 if all('lose_block_%d' % n in fns for n in range(1, 25)) else 1)" "$tmp/r.json"
exit $fail
