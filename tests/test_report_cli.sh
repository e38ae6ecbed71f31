#!/usr/bin/env bash
# `leakcheck report` end to end, on the reports test_report wrote (the
# lc_reports fixture): the text and Markdown summaries, merging into one JUnit
# file that matches the library's own, and every kind of bad input giving one
# line that names the file, exit status 2, and no output file.
# Usage: test_report_cli.sh TOOL REPORT_DIR JUNIT_XSD PYTHON
set -u
tool=$1 dir=$2 xsd=$3 py=$4
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check
one_line() { test "$(wc -l <"$1")" -eq 1; }

# ---- summaries ----
"$tool" report "$dir/report.json" >"$tmp/text" 2>"$tmp/err"
check "text summary: exit 0" test $? -eq 0
check "text summary: nothing on stderr" test ! -s "$tmp/err"
check "text: leak line with growth" grep -q 'LEAK .*leaks_\]\]>_cdata & "q" <x>  +1 block, +32 B per iteration' "$tmp/text"
check "text: top finding" grep -q 'top: +1 block/iter, 32 B  record_new (a&b.c:23)' "$tmp/text"
check "text: failed, crashed, skipped, clean" grep -q 'FAILED .*ünïcödé_名前_🙂' "$tmp/text"
check "text: crashed" grep -q 'CRASHED  second/group :: crashes$' "$tmp/text"
check "text: benchmark over budget" grep -q 'FAILED .*bench <over> budget  5.00 allocs/op' "$tmp/text"
check "text: control characters shown escaped, tab/newline as spaces" grep -qF '+1\x01 block, +32 B per iteration (5 of 5 measured) \x1b[31m' "$tmp/text"
check "text: no raw escape character" bash -c "! grep -q $'\x1b' '$tmp/text'"
check "text: totals" grep -q '^total: 5 tests: 1 clean, 1 leak, 1 failed, 1 crashed, 1 skipped; 2 benchmarks, 1 failed (budget or baseline)$' "$tmp/text"

"$tool" report --format=markdown "$dir/report.json" >"$tmp/md"
check "markdown: exit 0" test $? -eq 0
check "markdown: heading and table" grep -q '^| verdict | test | growth | top finding |$' "$tmp/md"
check "markdown: HTML and table syntax neutralized" grep -qF '| **leak** | grp "quoted" &amp; &lt;angle&gt; '"'"'apos'"'"' :: leaks\_\]\]&gt;\_cdata &amp; "q" &lt;x&gt; |' "$tmp/md"
check "markdown: benchmark table" grep -q '^| bench\\_parse | 3.00 | 96.5 | 4096 | ok |$' "$tmp/md"
check "markdown: every table row has 4 or 5 cells" "$py" -c '
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("|"):
        cells = line.replace("\\|", "").count("|") - 1
        assert cells in (4, 5), line
' "$tmp/md"

# ---- merging into JUnit ----
"$tool" report "$dir/report.json" "$dir/empty.json" "$dir/report.json" --junit "$tmp/merged.xml" >/dev/null
check "merge: exit 0" test $? -eq 0
check "merge: valid against junit.xsd" xmllint --noout --schema "$xsd" "$tmp/merged.xml"
check "merge: totals of all files" grep -q '<testsuites name="leakcheck" tests="14" failures="6" errors="2" skipped="2"' "$tmp/merged.xml"
check "merge: no temp file left" test -z "$(ls "$tmp" | grep '\.tmp\.')"
"$tool" report "$dir/report.json" --junit "$tmp/one.xml" >/dev/null
check "JUnit from JSON equals the library's own JUnit (timestamps aside)" "$py" -c '
import re, sys
strip = lambda p: re.sub(r" timestamp=\"[^\"]*\"", "", open(p, encoding="utf-8").read())
a, b = strip(sys.argv[1]), strip(sys.argv[2])
if a != b:
    import difflib
    sys.stdout.writelines(list(difflib.unified_diff(a.splitlines(1), b.splitlines(1)))[:40])
    sys.exit(1)
' "$dir/report.xml" "$tmp/one.xml"

# ---- a report from `leakcheck run` (process mode) is read too ----
bindir=$(dirname "$tool")
schema=$(dirname "$xsd")/../schema/leakcheck-report.schema.json
if [ -x "$bindir/leaky_program" ]; then
    "$tool" run --json="$tmp/run.json" --junit="$tmp/run-direct.xml" -- "$bindir/leaky_program" >/dev/null 2>&1
    check "process-mode JSON follows the schema" "$py" -c '
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
' "$schema" "$tmp/run.json"
    check "process-mode JUnit (LEAKCHECK_JUNIT) valid" xmllint --noout --schema "$xsd" "$tmp/run-direct.xml"
    check "process-mode JUnit: leak failure names the leaking function" \
        grep -q '<failure type="leak" message="1 leaked block, 32 bytes, from 1 allocation site, lost at exit">1 block, 32 bytes definitely lost, allocated at:' "$tmp/run-direct.xml"
    "$tool" report "$tmp/run.json" --junit "$tmp/run.xml" >"$tmp/run.txt" 2>"$tmp/err"
    check "process-mode report: exit 0" test $? -eq 0
    check "process-mode report: leak shown" grep -q 'LEAK .*process:leaky_program  1 block, 32 B lost at the end' "$tmp/run.txt"
    check "process-mode report: top finding" grep -q 'top: definitely lost: 1 block, 32 B  record_new (.*leaky_program.c:[0-9]*)' "$tmp/run.txt"
    check "process-mode report: JUnit valid" xmllint --noout --schema "$xsd" "$tmp/run.xml"
fi

# ---- bad input: one line naming the file, exit 2, nothing written ----
bad() { # description, expected message (grep -F), file...
    local what=$1 want=$2
    shift 2
    rm -f "$tmp/out.xml"
    "$tool" report "$@" --junit "$tmp/out.xml" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    check "$what: exit 2" test $rc -eq 2
    check "$what: one line" one_line "$tmp/err"
    check "$what: names the file and the problem" grep -qF "$want" "$tmp/err"
    check "$what: no JUnit file, no summary" test ! -e "$tmp/out.xml" -a ! -s "$tmp/out"
}
bad "missing file" "leakcheck: report: $tmp/nope.json: cannot read: No such file or directory" \
    "$dir/report.json" "$tmp/nope.json"
head -c 700 "$dir/report.json" >"$tmp/cut.json"
bad "truncated file" "$tmp/cut.json: not valid JSON at line" "$tmp/cut.json"
check "truncated file: says cut short" grep -q "empty or cut short" "$tmp/err"
: >"$tmp/empty-file.json"
bad "empty file" "$tmp/empty-file.json: not valid JSON at line 1" "$tmp/empty-file.json"
echo '{"name": "some other tool", "tests": []}' >"$tmp/other.json"
bad "foreign JSON" "$tmp/other.json: not a leakcheck report" "$tmp/other.json"
echo '[1, 2, 3]' >"$tmp/array.json"
bad "JSON array" "$tmp/array.json: not a leakcheck report" "$tmp/array.json"
sed 's/"version": 2$/"version": 3/' "$dir/report.json" >"$tmp/v3.json"
bad "newer schema version" "$tmp/v3.json: schema version 3 is not supported" "$tmp/v3.json"
sed 's/"verdict": "leak"/"verdict": "leaky"/' "$dir/report.json" >"$tmp/verdict.json"
bad "unknown verdict" "$tmp/verdict.json: tests[0].verdict 'leaky' is not one of" "$tmp/verdict.json"
sed 's/"allocs": 10,/"allocs": "ten",/' "$dir/report.json" >"$tmp/type.json"
bad "wrong type" "$tmp/type.json: tests[0].series[0].allocs is not an integer" "$tmp/type.json"
printf 'not json at all\n' >"$tmp/text.json"
bad "not JSON" "$tmp/text.json: not valid JSON" "$tmp/text.json"

# ---- usage errors ----
"$tool" report 2>"$tmp/err"
check "no files: exit 2" test $? -eq 2
"$tool" report --format=html "$dir/report.json" 2>"$tmp/err" >/dev/null
check "bad --format: exit 2" test $? -eq 2
check "bad --format: accepted values named" grep -q "accepted: text|markdown" "$tmp/err"
"$tool" report --bogus "$dir/report.json" 2>/dev/null >/dev/null
check "unknown option: exit 2" test $? -eq 2
"$tool" report "$dir/report.json" --junit /nonexistent-dir/x.xml >/dev/null 2>"$tmp/err"
check "unwritable --junit: exit 2" test $? -eq 2
check "unwritable --junit: one line naming it" grep -q "cannot write '/nonexistent-dir/x.xml'" "$tmp/err"
exit $fail
