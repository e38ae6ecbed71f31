#!/usr/bin/env bash
# Everyday programs under `leakcheck run` exit with their own status and a
# report that holds no definite or indirect leak where memcheck finds none
# (Debian 12, valgrind --leak-check=full: 0 definitely lost). The two that
# memcheck finds leaking are reported leaking too: `sort /dev/null` (memcheck:
# 16 bytes in 1 block, definitely lost) and `gcc --version` (memcheck: 8,411
# bytes in 7 blocks). The OpenSSL users (curl, openssl, ssh) once died at exit
# when the traced process symbolized. Usage: test_everyday.sh BIN_DIR
set -u
bin=$1
tool=$bin/leakcheck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
run_one() { # expected-status, command...
    local want=$1
    shift
    n=$((n + 1))
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "FAIL $1 is not installed (ci/deps.sh installs it)"
        fail=1
        return
    fi
    "$tool" run --json="$tmp/r$n.json" -- "$@" >/dev/null 2>"$tmp/err$n" </dev/null
    local rc=$?
    if [ $rc -ne "$want" ]; then
        echo "FAIL $*: exit $rc, expected $want"
        sed 's/^/     /' "$tmp/err$n" | head -30
        fail=1
    elif ! grep -q "(pid [0-9]*): no leaks" "$tmp/err$n"; then
        echo "FAIL $*: no 'no leaks' line"
        sed 's/^/     /' "$tmp/err$n" | head -30
        fail=1
    else
        echo "ok   $*: exit $rc, no definite or indirect leak, fds closed"
    fi
}
# leaking_one PATTERN command...: exit 1, and the summary line matches PATTERN
leaking_one() {
    local want=$1
    shift
    "$tool" run -- "$@" >/dev/null 2>"$tmp/err" </dev/null
    local rc=$?
    if [ $rc -eq 1 ] && grep -Eq "$want" "$tmp/err"; then
        echo "ok   $*: exit 1, $(grep -E "$want" "$tmp/err" | head -1 | sed 's/^leakcheck: *//')"
    else
        echo "FAIL $*: exit $rc, expected 1 and '$want'"
        sed 's/^/     /' "$tmp/err" | head -20
        fail=1
    fi
}
run_one 0 ls /
run_one 0 tar --version
run_one 0 git --version
run_one 0 make --version
run_one 0 python3 -c pass
run_one 0 /usr/bin/python3 -c pass
run_one 0 curl --version
run_one 0 openssl version
run_one 0 ssh -V
git init -q "$tmp/repo" && run_one 0 git -C "$tmp/repo" status --short
leaking_one 'definitely lost: 1 block, 16 bytes' sort /dev/null
leaking_one 'definitely lost: [1-7] blocks?, [0-9]+ bytes' gcc --version
exit $fail
