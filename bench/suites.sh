#!/usr/bin/env bash
# suites.sh: the whole-suite benchmark. Times the example suite
# (examples/kvcache, 9 tests) and the harness pattern suite (tests/harness,
# 46 tests) under leakcheck (JSON and JUnit reports on, as leakcheck_add_test
# runs them), as plain cmocka (the same sources built against
# bench/plain/leakcheck/leakcheck.h: every body once, no leakcheck) and, when
# valgrind is installed, the plain build under valgrind --leak-check=full;
# and bench/big_fixture.c (100 trivial tests beside a group fixture of
# 1,000,000 live blocks) plain and with leakcheck preloaded (LEAKCHECK_CMOCKA=1).
# Prints medians of wall and CPU time and the ratios. Builds nothing.
# Usage: bench/suites.sh [BUILD_DIR] [REPS]   (defaults: build, 5)
# Environment: PLAIN_DIR, the directory of the plain builds (default:
# BUILD_DIR/out; set it to time an older build that has none).
set -euo pipefail
build=${1:-build}
reps=${2:-5}
[ -d "$build/out" ] || { echo "suites.sh: $build/out not found; build $build first" >&2; exit 2; }
out=$(cd "$build/out" && pwd)
plain=$(cd "${PLAIN_DIR:-$out}" && pwd)
for b in "$out/test_kvcache" "$out/harness_patterns" "$plain/suite_kvcache_plain" \
    "$plain/suite_patterns_plain" "$out/big_fixture"; do
    [ -x "$b" ] || { echo "suites.sh: $b not found; build first" >&2; exit 2; }
done
vg=$(command -v valgrind || true)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name|command (run from $tmp; stdout and stderr dropped; exit status ignored:
# both suites plant leaks)
configs=(
    "kvcache-leakcheck|env LEAKCHECK_JSON=$tmp/k.json LEAKCHECK_JUNIT=$tmp/k.xml $out/test_kvcache"
    "kvcache-plain|$plain/suite_kvcache_plain"
    "patterns-leakcheck|env LEAKCHECK_JSON=$tmp/p.json LEAKCHECK_JUNIT=$tmp/p.xml $out/harness_patterns"
    "patterns-plain|$plain/suite_patterns_plain"
    "fixture-leakcheck|env LEAKCHECK_CMOCKA=1 LD_PRELOAD=$out/libleakcheck.so $out/big_fixture"
    "fixture-plain|$out/big_fixture"
)
if [ -n "$vg" ]; then
    configs+=("kvcache-valgrind|$vg -q --leak-check=full $plain/suite_kvcache_plain"
        "patterns-valgrind|$vg -q --leak-check=full $plain/suite_patterns_plain")
fi

TIMEFORMAT='%R %U %S'
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= reps; r++)); do
    for c in "${configs[@]}"; do
        IFS='|' read -r name cmd <<<"$c"
        rm -f "$tmp"/*.json "$tmp"/*.xml
        # shellcheck disable=SC2086
        t=$( { time (cd "$tmp" && $cmd >/dev/null 2>&1 || true); } 2>&1 )
        read -r wall user sys <<<"$t"
        echo "$wall" >>"$tmp/$name.wall"
        awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}' >>"$tmp/$name.cpu"
    done
    echo "repetition $r/$reps done" >&2
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g "$1" | awk '{v[NR] = $1} END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v s="$1" 'BEGIN {printf "%.0f", s * 1000}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f", a / b; else print "-"}'; }

echo
echo "whole suites: $reps reps (medians); $(nproc) CPUs; load average $load_start at start," \
    "$load_end at end"
printf '%-20s %8s %8s\n' config "wall ms" "cpu ms"
for c in "${configs[@]}"; do
    name=${c%%|*}
    printf '%-20s %8s %8s\n' "$name" "$(ms "$(median "$tmp/$name.wall")")" \
        "$(ms "$(median "$tmp/$name.cpu")")"
done
echo
echo "ratios, wall (cpu): leakcheck against plain cmocka; valgrind on the plain build against leakcheck"
for s in kvcache patterns; do
    lw=$(median "$tmp/$s-leakcheck.wall")
    lc=$(median "$tmp/$s-leakcheck.cpu")
    line="  $s: leakcheck $(div "$lw" "$(median "$tmp/$s-plain.wall")")x"
    line+=" ($(div "$lc" "$(median "$tmp/$s-plain.cpu")")x) plain cmocka"
    if [ -n "$vg" ]; then
        line+="; valgrind $(div "$(median "$tmp/$s-valgrind.wall")" "$lw")x"
        line+=" ($(div "$(median "$tmp/$s-valgrind.cpu")" "$lc")x) slower than leakcheck"
    else
        line+="; valgrind not installed"
    fi
    echo "$line"
done
fw=$(median "$tmp/fixture-leakcheck.wall")
echo "  fixture (100 tests, 1M-block group fixture): preloaded $(div "$fw" "$(median "$tmp/fixture-plain.wall")")x" \
    "($(div "$(median "$tmp/fixture-leakcheck.cpu")" "$(median "$tmp/fixture-plain.cpu")")x) plain cmocka," \
    "$(awk -v a="$fw" -v b="$(median "$tmp/fixture-plain.wall")" 'BEGIN {printf "%.2f", (a - b) * 10}') ms a test added"

