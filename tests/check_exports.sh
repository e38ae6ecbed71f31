#!/usr/bin/env bash
# libleakcheck.so's dynamic symbol table. Interposition works only for symbols
# the library exports, so every malloc-family entry point glibc offers (an
# incomplete family gives heap corruption: a block from one allocator freed by
# the other), plus pthread_create (attribution of new threads), dlclose
# (closed-module symbolization), dlopen (RTLD_DEEPBIND dropped) and fork (frees made by fork handlers while
# leakcheck holds its locks are deferred), must be defined and exported.
# Every function the public headers declare with LEAKCHECK_API must be exported too
# (else users get a link error), and no lc__* cross-file internal may leak out
# (they are hidden by -fvisibility=hidden; an export would let a program bind
# to internals). Other exported names are listed for information only: other
# modules add wrappers of their own.
# Usage: check_exports.sh path/to/libleakcheck.so path/to/include/leakcheck
set -u
lib=$1
incdir=$2
fail=0

syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ {print $3}' | sed 's/@.*//' | sort -u)
if [ -z "$syms" ]; then
    echo "FAIL nm -D --defined-only $lib listed no defined function"
    exit 1
fi
has() { grep -qx -- "$1" <<<"$syms"; }

for s in malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign \
    valloc pvalloc malloc_usable_size pthread_create dlclose dlopen fork; do
    if has "$s"; then echo "ok   exports $s"; else echo "FAIL does not export $s"; fail=1; fi
done

# The public API: every LEAKCHECK_API function declared in the installed headers.
api=$(cat "$incdir"/*.h | grep -v '#define' | grep -o 'LEAKCHECK_API[^(]*(' |
    sed -E 's/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*\($/\1/' | sort -u)
if [ "$(wc -w <<<"$api")" -lt 10 ]; then
    echo "FAIL found only $(wc -w <<<"$api") LEAKCHECK_API declarations in $incdir"
    fail=1
fi
for s in $api; do
    if has "$s"; then
        echo "ok   exports $s"
    else
        echo "FAIL does not export $s (declared LEAKCHECK_API)"
        fail=1
    fi
done

internal=$(grep -E '^lc__' <<<"$syms")
if [ -n "$internal" ]; then
    echo "FAIL internal symbols exported:" $internal
    fail=1
else
    echo "ok   no lc__* internal symbol exported"
fi

others=$(grep -Evx -- "$(tr ' ' '\n' <<<"$api malloc free calloc realloc reallocarray \
posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size pthread_create \
dlclose dlopen fork" | grep -v '^$' | paste -sd'|')" <<<"$syms")
[ -n "$others" ] && echo "info other exports:" $others
exit $fail
