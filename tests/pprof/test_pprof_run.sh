#!/usr/bin/env bash
# `leakcheck run --pprof` read back by `go tool pprof`: the planted leak's
# function and file:line in -top, the inlined helper as a line of the same
# location, inuse and alloc sample types, the build-id of the program in
# -raw, -base between a run and one with an extra planted leak showing exactly
# that leak (also through `leakcheck diff`), %p expansion, and a path that
# cannot be written (one line; the JSON and JUnit are still written).
# Usage: test_pprof_run.sh BIN_DIR PROGRAM SOURCE
set -u
bin=$1 prog=$2 src=$3
tool=$bin/leakcheck
command -v go >/dev/null 2>&1 || { echo "SKIP: go (Debian golang-go) not installed"; exit 77; }
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check
export HOME=$tmp/home GOCACHE=$tmp/home/cache GOPATH=$tmp/home/go GOFLAGS=-mod=mod
mkdir -p "$HOME"
has() { grep -qE -- "$2" "$1" || { echo "--- $1 lacks /$2/:"; cat "$1"; return 1; }; }
lacks() { ! grep -qE -- "$2" "$1" || { echo "--- $1 has /$2/:"; cat "$1"; return 1; }; }
line_of() { grep -n "$1" "$src" | head -1 | cut -d: -f1; }
base=$(basename "$src")
rec=$(line_of pp-record-line) inl=$(line_of pp-inline-line) extra=$(line_of pp-extra-line)

cd "$tmp"
"$tool" run --pprof="$tmp/one.pb.gz" --json="$tmp/one.json" -- "$prog" 2>"$tmp/run1.err"
check "run --pprof exits 1 on the planted leak" test $? -eq 1
check "the profile is gzip" sh -c "head -c2 '$tmp/one.pb.gz' | od -An -tx1 | grep -q '1f 8b'"
pp() { go tool pprof "$@" 2>"$tmp/pprof.err"; }
pp -top -sample_index=inuse_space "$tmp/one.pb.gz" >"$tmp/top.txt"
check "-top: inuse_space total 300B" has "$tmp/top.txt" "accounting for 300B, 100% of 300B total"
check "-top: pp_make_record cum 300B" has "$tmp/top.txt" " 300B +100% +pp_make_record$"
check "-top: the inlined helper (inline)" has "$tmp/top.txt" "300B +100% +100% +300B +100% +pp_inline_alloc \(inline\)"
pp -top -lines -sample_index=inuse_space "$tmp/one.pb.gz" >"$tmp/lines.txt"
check "-lines: pp_make_record at $base:$rec" has "$tmp/lines.txt" "pp_make_record .*$base:$rec( |$)"
check "-lines: pp_inline_alloc at $base:$inl" has "$tmp/lines.txt" "pp_inline_alloc .*$base:$inl( |$)"
pp -top -sample_index=inuse_objects "$tmp/one.pb.gz" >"$tmp/objs.txt"
check "-sample_index=inuse_objects: 3 objects" has "$tmp/objs.txt" "accounting for 3, 100% of 3 total"
pp -top -sample_index=alloc_objects "$tmp/one.pb.gz" >"$tmp/allocs.txt"
check "-sample_index=alloc_objects: the churn counted without stacks" has "$tmp/allocs.txt" "\[no stack kept\]"
pp -raw "$tmp/one.pb.gz" >"$tmp/raw.txt"
id=$(readelf -n "$prog" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
check "-raw: the program's mapping has its build-id $id" has "$tmp/raw.txt" "$(basename "$prog") $id"
check "-raw: one location, two lines (inlined)" sh -c "grep -A2 -E '^ +[0-9]+: 0x[0-9a-f]+ M=[0-9]+ pp_inline_alloc ' '$tmp/raw.txt' | grep -q 'pp_make_record'"
check "-tagfocus test=process:$(basename "$prog") keeps the samples" sh -c \
    "go tool pprof -top -tagfocus 'test=process:$(basename "$prog")' '$tmp/one.pb.gz' 2>/dev/null | grep -q 'of 300B total'"
check "the JSON report is written beside the profile" test -s "$tmp/one.json"

# -base: the second run's extra leak, and nothing else
"$tool" run --pprof="$tmp/two-%p.pb.gz" -- "$prog" more 2>"$tmp/run2.err"
two=$(ls "$tmp"/two-*.pb.gz 2>/dev/null | head -1)
pid=$(basename "$two" | tr -dc 0-9)
check "%p expands to the traced program's pid" has "$tmp/run2.err" "\(pid ${pid:-none}\)"
pp -top -unit=B -base "$tmp/one.pb.gz" "$two" >"$tmp/base.txt"
check "-base: exactly the planted 2000B" has "$tmp/base.txt" "accounting for 2000B, "
check "-base: at pp_make_extra, called by main" has "$tmp/base.txt" "^ +2000B .* 2000B .* pp_make_extra$"
check "-base: two nodes (pp_make_extra, main)" test "$(grep -cE '^ +[0-9]+B? ' "$tmp/base.txt")" -eq 2
check "-base: pp_make_record unchanged" lacks "$tmp/base.txt" "pp_make_record"
"$tool" diff "$tmp/one.pb.gz" "$two" >"$tmp/diff.txt"
check "diff exits 1 when a site grew" test $? -eq 1
check "diff: +2000 B, +2 objects in total" has "$tmp/diff.txt" "\+2000 B, \+2 objects; 1 site grew"
check "diff: the growing site first, with file:line" sh -c \
    "sed -n 2p '$tmp/diff.txt' | grep -qE '^  \+2000 B  \+2 objects  pp_make_extra \(.*$base:$extra\) <- main '"
check "diff: nothing else changed" test "$(wc -l <"$tmp/diff.txt")" -eq 2
"$tool" diff "$two" "$tmp/one.pb.gz" >"$tmp/shrink.txt"
check "diff the other way: exit 0, -2000 B" sh -c "test $? -eq 0 && grep -q '^  -2000 B  -2 objects  pp_make_extra' '$tmp/shrink.txt'"

# followed children: one file, a test label per process
"$tool" run --follow-children --pprof="$tmp/kids.pb.gz" -- sh -c "'$prog'; '$prog' more; true" \
    2>"$tmp/kids.err"
pp -tags "$tmp/kids.pb.gz" >"$tmp/kids.tags"
check "--follow-children: labels process:sh and process:$(basename "$prog")[PID] twice" sh -c \
    "grep -q 'process:sh$' '$tmp/kids.tags' && test \$(grep -cE 'process:$(basename "$prog")\[[0-9]+\]$' '$tmp/kids.tags') -eq 2"
more_pid=$(sed -n "s/^leakcheck: $(basename "$prog") (pid \([0-9]*\)): 4 leaked blocks.*/\1/p" "$tmp/kids.err")
pp -top -tagfocus "test=\[${more_pid:-none}\]" "$tmp/kids.pb.gz" >"$tmp/kids.top"
check "--follow-children: -tagfocus on the child run with 'more' shows pp_make_extra" has "$tmp/kids.top" " pp_make_extra$"

# bad input
echo "not a profile" >"$tmp/text.pb.gz"
"$tool" diff "$tmp/text.pb.gz" "$two" >"$tmp/bad.out" 2>"$tmp/bad.err"
check "diff on a text file: exit 2" test $? -eq 2
check "diff on a text file: one line naming it" sh -c \
    "test \$(wc -l <'$tmp/bad.err') -eq 1 && grep -q \"^leakcheck: diff: $tmp/text.pb.gz: not a pprof profile\" '$tmp/bad.err'"
printf '\037\213garbage' >"$tmp/bad.gz"
"$tool" diff "$two" "$tmp/bad.gz" 2>"$tmp/bad2.err" >/dev/null
check "diff on damaged gzip: exit 2, one line" sh -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad2.err') -eq 1 && grep -q 'bad.gz: not a pprof profile' '$tmp/bad2.err'"
"$tool" diff "$tmp/missing.pb.gz" "$two" 2>"$tmp/bad3.err" >/dev/null
check "diff on a missing file: exit 2, one line" sh -c "test $? -eq 2 && test \$(wc -l <'$tmp/bad3.err') -eq 1"
mkdir "$tmp/dir.pb.gz"
"$tool" run --pprof="$tmp/dir.pb.gz" --json="$tmp/after.json" --junit="$tmp/after.xml" -- "$prog" \
    2>"$tmp/unwritable.err"
check "an unwritable profile path: the run still exits 1 (the leak)" test $? -eq 1
check "an unwritable profile path: one line naming it" sh -c \
    "test \$(grep -c 'cannot write' '$tmp/unwritable.err') -eq 1 && grep -q \"^leakcheck: cannot write pprof profile '$tmp/dir.pb.gz': \" '$tmp/unwritable.err'"
check "an unwritable profile path: the JSON is written" test -s "$tmp/after.json"
check "an unwritable profile path: the JUnit is written" has "$tmp/after.xml" "<failure type=\"leak\""
exit $fail
