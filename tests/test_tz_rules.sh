#!/usr/bin/env bash
# Built-in rules for glibc's time zone state under `leakcheck run`: tzset and
# localtime with a zone file name (EST5EDT) and with POSIX TZ strings glibc
# parses itself (names kept by __tzstring) report no leak; the twin that also
# leaks one block of its own reports exactly that block, and no time zone
# frame. Usage: test_tz_rules.sh BIN_DIR
set -u
bin=$1
. "$(dirname "$0")"/lib/check.sh # $tmp, $fail, check

for tz in EST5EDT 'XST5XDT,M3.2.0,M11.1.0' 'ABC-3:30' UTC0; do
    TZ=$tz "$bin/leakcheck" run -- "$bin/tz_program" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "TZ=$tz: exit 0" test $rc -eq 0
    check "TZ=$tz: the program ran" grep -q ':' "$tmp/out"
    check "TZ=$tz: no leaks" grep -q 'no leaks' "$tmp/err"
    [ $rc -eq 0 ] || cat "$tmp/err"

    TZ=$tz "$bin/leakcheck" run -- "$bin/tz_program" leak >"$tmp/out" 2>"$tmp/err"
    check "TZ=$tz, planted leak: exit 1" test $? -eq 1
    check "TZ=$tz, planted leak: one block of 48 bytes" grep -q '1 leaked block, 48 bytes' "$tmp/err"
    check "TZ=$tz, planted leak: named" grep -Eq '#0 +tz_leak_once' "$tmp/err"
    check "TZ=$tz, planted leak: no time zone frame" \
        bash -c '! grep -Eq "tzstring|tzset|tzfile" "$1"' _ "$tmp/err"
done
exit $fail
