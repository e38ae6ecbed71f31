# check.sh: the prelude leakcheck's shell tests source: a private temporary
# directory in $tmp (removed when the script exits), $fail, and
#   check DESCRIPTION COMMAND...
# which runs COMMAND and prints "ok   DESCRIPTION" or "FAIL DESCRIPTION"
# (then the first lines of $tmp/err, where the scripts keep the last
# command's stderr) and sets fail=1. A script ends with `exit $fail`.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
    local what=$1
    shift
    if "$@"; then
        echo "ok   $what"
    else
        echo "FAIL $what"
        [ -s "$tmp/err" ] && sed 's/^/     /' "$tmp/err" | head -30
        fail=1
    fi
    return 0
}
