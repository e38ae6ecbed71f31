#!/usr/bin/env bash
# The hooks' thread-local state must use the initial-exec TLS model. With the
# default global-dynamic model (what a shared library gets unless told
# otherwise), each access goes through __tls_get_addr, which mallocs the
# thread's TLS block on its first access from that thread: inside malloc, that
# recurses into the hook. So libleakcheck.so must contain no call to
# __tls_get_addr anywhere (not only in lc_hook_text: the guard is also touched
# by code the hooks call, and no part of the library needs dynamic TLS), and no
# relocation of the dynamic models (DTPMOD64/DTPOFF64 for the classic dialect,
# TLSDESC for gnu2, whose calls do not name __tls_get_addr in the disassembly).
# To show the check is not vacuous it also asserts that the library does have
# TLS (an initial-exec TPOFF64 relocation) and that lc_hook_text holds malloc.
# Usage: check_tls.sh path/to/libleakcheck.so
set -u
lib=$1
fail=0
check() { # description, condition...
    local what=$1
    shift
    if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

dis=$(objdump -d "$lib") || { echo "FAIL objdump -d $lib"; exit 1; }
relocs=$(readelf -rW "$lib") || { echo "FAIL readelf -r $lib"; exit 1; }
hook=$(objdump -d -j lc_hook_text "$lib" 2>/dev/null)

check "disassembly is not empty" test -n "$dis"
check "lc_hook_text holds the malloc hook" grep -q '^[0-9a-f]* <malloc>:' <<<"$hook"
check "the library uses TLS, in the initial-exec model (TPOFF64)" \
    grep -q 'R_X86_64_TPOFF64' <<<"$relocs"
if grep -n '__tls_get_addr' <<<"$dis" >/dev/null; then
    echo "FAIL no call to __tls_get_addr; found:"
    # Name the function around each call, so the offender is obvious.
    awk '/^[0-9a-f]+ <.*>:$/ {fn=$2; sub(/:$/, "", fn)} /call.*__tls_get_addr/ {print "     in " fn ": " $0}' <<<"$dis"
    fail=1
else
    echo "ok   no call to __tls_get_addr"
fi
# (the relocation listing is searched in this shell: it is larger than one
# command-line argument may be, the cmocka glue's trampoline table alone has
# 2048 relative relocations)
no_dynamic_tls() { ! grep -Eq 'R_X86_64_(DTPMOD64|DTPOFF64|TLSDESC)' <<<"$relocs"; }
check "no dynamic-TLS relocation (DTPMOD64, DTPOFF64, TLSDESC)" no_dynamic_tls
exit $fail
