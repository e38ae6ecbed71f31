#!/usr/bin/env bash
# LEAKCHECK_PPROF in a test binary and `leakcheck report --pprof`, read back
# by `go tool pprof`: one file for the whole suite, -tagfocus test=NAME keeps
# exactly that test's samples (the planted leak's function and file:line,
# the figures of its JSON finding), the clean twin has nothing in use and
# its allocations counted at [no stack kept], the inlined helper is a line
# of its caller's location, the binary's build-id is in -raw; a profile path
# that cannot be written: one line, the verdicts, JSON and JUnit unchanged.
# Usage: test_pprof_suite.sh BIN_DIR SUITE SOURCE
set -u
bin=$1 suite=$2 src=$3
tool=$bin/leakcheck
command -v go >/dev/null 2>&1 || { echo "SKIP: go (Debian golang-go) not installed"; exit 77; }
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check
export HOME=$tmp/home GOCACHE=$tmp/home/cache GOPATH=$tmp/home/go
mkdir -p "$HOME"
unset LEAKCHECK_JSON LEAKCHECK_JUNIT LEAKCHECK_PPROF
has() { grep -qE -- "$2" "$1" || { echo "--- $1 lacks /$2/:"; cat "$1"; return 1; }; }
lacks() { ! grep -qE -- "$2" "$1" || { echo "--- $1 has /$2/:"; cat "$1"; return 1; }; }
line_of() { grep -n "$1" "$src" | head -1 | cut -d: -f1; }
base=$(basename "$src") name=$(basename "$suite")
node=$(line_of pp-suite-node-line) inl=$(line_of pp-suite-inline-line) blob=$(line_of pp-suite-blob-line)
# json.py REPORT TEST FIELD: the memory findings' blocks/bytes, the series' total
# allocs, or live_blocks/live_bytes at the test's end
json() {
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = [t for t in d["tests"] if t["name"] == sys.argv[2]][0]
if sys.argv[3] == "allocs":
    print(sum(s["allocs"] for s in t["series"]))
elif sys.argv[3].startswith("live_"):
    print(t["series"][-1][sys.argv[3]])
else:
    print(sum(f[sys.argv[3]] for f in t["findings"] if f["kind"] == "memory"))
PY
}
pp() { go tool pprof "$@" 2>"$tmp/pprof.err"; }

cd "$tmp"
LEAKCHECK_JSON=$tmp/s.json LEAKCHECK_JUNIT=$tmp/s.xml LEAKCHECK_PPROF=$tmp/%e.pb.gz \
    "$suite" >"$tmp/suite.out" 2>&1
check "the suite fails its two leaking tests" test $? -eq 2
prof=$tmp/$name.pb.gz
check "%e names the profile $name.pb.gz" test -s "$prof"
nb=$(json s.json leak_nodes bytes) nn=$(json s.json leak_nodes blocks) bb=$(json s.json leak_blobs bytes)
check "the JSON has both leaks ($nn nodes, $nb B; $bb B of blobs)" test "$nb" -gt 0 -a "$bb" -gt 0
lb=$(json s.json leak_nodes live_bytes) ln=$(json s.json leak_nodes live_blocks)

# in use: the finding's blocks at its stack (allocated in attribution
# iterations), the rest of what the test left live at [no stack kept]
pp -top -unit=B -sample_index=inuse_space -tagfocus test=leak_nodes "$prof" >"$tmp/nodes.txt"
check "-tagfocus test=leak_nodes: inuse_space is the $lb B the test left live" has "$tmp/nodes.txt" "accounting for ${lb}B, "
check "-tagfocus test=leak_nodes: the finding's $nb B at pp_suite_node" has "$tmp/nodes.txt" " ${nb}B .* pp_suite_node$"
check "-tagfocus test=leak_nodes: the other $((lb - nb)) B at [no stack kept]" has "$tmp/nodes.txt" "^ +$((lb - nb))B .* \[no stack kept\]$"
check "-tagfocus test=leak_nodes: the inlined pp_suite_fill" has "$tmp/nodes.txt" " pp_suite_fill \(inline\)$"
check "-tagfocus test=leak_nodes: not the other test's pp_suite_blob" lacks "$tmp/nodes.txt" "pp_suite_blob"
pp -top -sample_index=inuse_objects -tagfocus test=leak_nodes "$prof" >"$tmp/nodeobjs.txt"
check "-sample_index=inuse_objects: the $ln blocks, $nn of them at pp_suite_node" sh -c \
    "grep -q 'accounting for $ln, ' '$tmp/nodeobjs.txt' && grep -qE ' $nn +[0-9.]+% +pp_suite_node$' '$tmp/nodeobjs.txt'"
pp -top -unit=B -tagfocus test=leak_blobs "$prof" >"$tmp/blobs.txt"
check "-tagfocus test=leak_blobs: $bb B at pp_suite_blob" has "$tmp/blobs.txt" "^ +${bb}B .* pp_suite_blob$"
check "-tagfocus test=leak_blobs: not pp_suite_node" lacks "$tmp/blobs.txt" "pp_suite_node"
pp -top -lines -tagfocus test=leak_nodes "$prof" >"$tmp/lines.txt"
check "-lines: pp_suite_node at $base:$node" has "$tmp/lines.txt" "pp_suite_node .*$base:$node( |$)"
check "-lines: pp_suite_fill at $base:$inl" has "$tmp/lines.txt" "pp_suite_fill .*$base:$inl( |$)"
pp -top -unit=B -sample_index=inuse_space -tagfocus test=clean_churn "$prof" >"$tmp/clean.txt"
check "-tagfocus test=clean_churn: nothing in use" has "$tmp/clean.txt" "accounting for 0, 0% of "
ca=$(json s.json clean_churn allocs)
pp -top -sample_index=alloc_objects -tagfocus test=clean_churn "$prof" >"$tmp/cleanalloc.txt"
check "-sample_index=alloc_objects: clean_churn's $ca allocations of its series" has "$tmp/cleanalloc.txt" "accounting for $ca, "
check "... counted at [no stack kept]" has "$tmp/cleanalloc.txt" "\[no stack kept\]$"
pp -tags "$prof" >"$tmp/tags.txt"
check "-tags: a test label per test" sh -c "grep -q leak_nodes '$tmp/tags.txt' && grep -q leak_blobs '$tmp/tags.txt' && grep -q clean_churn '$tmp/tags.txt'"
pp -raw "$prof" >"$tmp/raw.txt"
id=$(readelf -n "$suite" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
check "-raw: the suite's mapping has its build-id" has "$tmp/raw.txt" "/$name $id"
check "-raw: pp_suite_fill and pp_suite_node in one location" sh -c "grep -A1 -E '^ +[0-9]+: 0x[0-9a-f]+ M=[0-9]+ pp_suite_fill ' '$tmp/raw.txt' | grep -q pp_suite_node"

# report --pprof: the same profile from the JSON report
"$tool" report --pprof "$tmp/r.pb.gz" "$tmp/s.json" >/dev/null
check "report --pprof exits 0" test $? -eq 0
pp -top -unit=B -tagfocus test=leak_nodes "$tmp/r.pb.gz" >"$tmp/rnodes.txt"
check "report --pprof: leak_nodes' $lb B, $nb B at pp_suite_node" sh -c "grep -q 'accounting for ${lb}B, ' '$tmp/rnodes.txt' && grep -qE ' ${nb}B .* pp_suite_node$' '$tmp/rnodes.txt'"
pp -raw "$tmp/r.pb.gz" >"$tmp/rraw.txt"
check "report --pprof: the build-id read from the binary on disk" has "$tmp/rraw.txt" "/$name $id"
"$tool" diff "$prof" "$tmp/r.pb.gz" >"$tmp/same.txt"
check "diff of the two: exit 0, nothing changed" sh -c "test $? -eq 0 && test \$(wc -l <'$tmp/same.txt') -eq 1 && grep -q '+0 B, +0 objects; 0 sites grew' '$tmp/same.txt'"

# bad input
mkdir "$tmp/dir.pb.gz"
LEAKCHECK_JSON=$tmp/b.json LEAKCHECK_JUNIT=$tmp/b.xml LEAKCHECK_PPROF=$tmp/dir.pb.gz \
    "$suite" >"$tmp/bad.out" 2>&1
check "an unwritable LEAKCHECK_PPROF: the suite's verdicts unchanged (2 failed)" test $? -eq 2
check "an unwritable LEAKCHECK_PPROF: one line naming it" sh -c \
    "test \$(grep -c 'cannot write pprof' '$tmp/bad.out') -eq 1 && grep -q \"^leakcheck: cannot write pprof profile '$tmp/dir.pb.gz': \" '$tmp/bad.out'"
check "an unwritable LEAKCHECK_PPROF: the JSON holds the 3 tests" test "$(python3 -c "import json; print(len(json.load(open('$tmp/b.json'))['tests']))")" -eq 3
check "an unwritable LEAKCHECK_PPROF: the JUnit is written" has "$tmp/b.xml" "<testcase .*name=\"clean_churn\""
"$tool" report --pprof "$tmp/dir.pb.gz" "$tmp/s.json" >/dev/null 2>"$tmp/rbad.err"
check "report --pprof to a directory: exit 2, one line" sh -c "test $? -eq 2 && test \$(wc -l <'$tmp/rbad.err') -eq 1 && grep -q 'cannot write pprof profile' '$tmp/rbad.err'"
exit $fail
