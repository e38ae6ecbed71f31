#!/usr/bin/env bash
# A leak planted on a real library: sqlite_leak loses the strings that
# libsqlite3's sqlite3_mprintf returns (3 rows, 72 bytes). `leakcheck run`
# names it through the library's frames down to describe_row, with the same
# blocks and bytes as memcheck, which must name describe_row too; the clean
# twin passes both. Usage: test_run_real_library.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
. "$(dirname "$0")"/../lib/check.sh # $tmp, $fail, check
"$tool" run --json="$tmp/r.json" -- "$bin/sqlite_leak" >/dev/null 2>"$tmp/err"
check "sqlite_leak: exit 1" test $? -eq 1
check "sqlite_leak: the JSON summary says where its nameless top frame is" grep -Eq \
    '"summary": "definitely lost: 3 blocks, 72 B  \?\? \(libsqlite3\.so\.0\+0x[0-9a-f]+\)"' \
    "$tmp/r.json"
check "sqlite_leak: 3 blocks, 72 bytes definitely lost" \
    grep -q 'definitely lost: 3 blocks, 72 bytes in 1 site' "$tmp/err"
check "sqlite_leak: the stack runs through sqlite3_mprintf to describe_row" grep -Pzq \
    '#[0-9]+ +sqlite3_mprintf \(libsqlite3[^\n]*\n +#[0-9]+ +describe_row \([^\n]*sqlite_leak\.c:[0-9]+\)' \
    "$tmp/err"
"$tool" run -- "$bin/sqlite_leak" clean >/dev/null 2>"$tmp/err"
check "sqlite_leak clean: exit 0" test $? -eq 0
check "sqlite_leak clean: no leaks" grep -q 'sqlite_leak (pid [0-9]*): no leaks' "$tmp/err"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "FAIL valgrind is not installed (ci/deps.sh installs it)"
    exit 1
fi
valgrind --leak-check=full "$bin/sqlite_leak" >/dev/null 2>"$tmp/err"
check "memcheck: 72 bytes in 3 blocks definitely lost" \
    grep -q 'definitely lost: 72 bytes in 3 blocks' "$tmp/err"
check "memcheck: the same stack" grep -Pzq \
    'by 0x[0-9A-F]+: sqlite3_mprintf [^\n]*\n[^\n]*by 0x[0-9A-F]+: describe_row \(sqlite_leak\.c:[0-9]+\)' \
    "$tmp/err"
exit $fail
