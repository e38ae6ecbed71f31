#!/usr/bin/env bash
# Everyday programs under `leakcheck run` exit with their own status and a
# report that holds no definite or indirect leak (memcheck reports none for
# them either; see README). The OpenSSL users (curl, openssl, ssh) once died
# at exit when the traced process symbolized. Usage: test_everyday.sh BIN_DIR
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
run_one 0 ls /
run_one 0 sort /dev/null
run_one 0 tar --version
run_one 0 git --version
run_one 0 make --version
run_one 0 gcc --version
run_one 0 python3 -c pass
run_one 0 curl --version
run_one 0 openssl version
run_one 0 ssh -V
run_one 0 git status --short "$tmp"
exit $fail
