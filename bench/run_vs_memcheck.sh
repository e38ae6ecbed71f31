#!/usr/bin/env bash
# `leakcheck run` against `valgrind --leak-check=full` on everyday programs:
# verdict (definitely + indirectly lost blocks and bytes, exit status) and
# wall time, median of REPS runs, native time for reference, from one run.
# Usage: bench/run_vs_memcheck.sh BUILD_DIR [REPS]
set -u
build=$1
reps=${2:-3}
tool=$build/out/leakcheck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
timeit() { # command... -> seconds on stdout
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 </dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
printf '| program | native | leakcheck run | memcheck | leakcheck: lost (exit) | memcheck: lost |\n'
printf '|---|---:|---:|---:|---|---|\n'
while IFS= read -r cmd; do
    [ -z "$cmd" ] && continue
    read -r -a argv <<<"$cmd"
    n=(); l=(); v=()
    for _ in $(seq "$reps"); do
        n+=("$(timeit "${argv[@]}")")
        l+=("$(timeit "$tool" run -- "${argv[@]}")")
        v+=("$(timeit valgrind --leak-check=full "${argv[@]}")")
    done
    "$tool" run -- "${argv[@]}" >/dev/null 2>"$tmp/lc" </dev/null
    rc=$?
    lc=$(grep -E 'definitely lost:|indirectly lost:' "$tmp/lc" | sed -E 's/.*: ([0-9]+) blocks?, ([0-9]+) bytes.*/\1\/\2/' | paste -sd' ')
    valgrind --leak-check=full "${argv[@]}" >/dev/null 2>"$tmp/vg" </dev/null
    vg=$(grep -E 'definitely lost:|indirectly lost:' "$tmp/vg" | sed -E 's/.*: ([0-9,]+) bytes in ([0-9,]+) blocks.*/\2\/\1/' | tr -d , | paste -sd' ')
    printf '| `%s` | %.3f s | %.3f s | %.3f s | def/ind blocks/bytes: %s (exit %d) | %s |\n' "$cmd" \
        "$(printf '%s\n' "${n[@]}" | median)" "$(printf '%s\n' "${l[@]}" | median)" \
        "$(printf '%s\n' "${v[@]}" | median)" "$lc" "$rc" "${vg:-?}"
done <<'LIST'
ls /
sort /dev/null
tar --version
git --version
make --version
gcc --version
python3 -c pass
curl --version
openssl version
ssh -V
LIST
