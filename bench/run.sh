#!/usr/bin/env bash
# run.sh: every row of issue 11's table in one run. Runs the churn benchmark
# natively, under leakcheck and under `leakcheck run` and prints medians,
# ratios against native, the 2-thread speedup and the tracker memory per live
# block; then the live-set sweep, the record stores modelled alone
# (record_store), the reachability scan's median (reach_bench),
# harness_cost and the whole-suite benchmark (suites.sh).
# It builds nothing: build first, e.g.
#   cmake -S . -B build && cmake --build build -j2
# Usage: bench/run.sh [BUILD_DIR] [REPS]
#   BUILD_DIR  the CMake build directory (default: build)
#   REPS       repetitions of every configuration (default: 3)
# Environment: OPS (operations per thread, default 2000000), LIVE (live blocks
# per thread, default 1024), MEM_LIVE (live blocks of the memory run, default
# 1048576), STACK_DEPTH (frames leakcheck keeps; default: the library's).
# Stack rows: "stacks" is the default unwinder (cached CFA walk with the
# per-thread memos), "2sites" alternates two call sites, "walk" is the walker
# without memos (LEAKCHECK_UNWINDER=walk) and "libunwind" the old path
# (LEAKCHECK_UNWINDER=libunwind); "run-" rows run churn_native under
# `leakcheck run`.
# Repetitions are interleaved (every configuration once, then again) so that
# load from other processes falls on all configurations alike; the table shows
# medians and the min..max spread. "ns/op" is wall time per operation of one
# thread; "cpu ns/op" is CPU time per operation (it moves less than wall time
# when other processes take the CPU, so it tells noise from a real change);
# "cpu vs" is its ratio to native.
set -euo pipefail
build=${1:-build}
reps=${2:-3}
ops=${OPS:-2000000}
live=${LIVE:-1024}
mem_live=${MEM_LIVE:-1048576}
sd=()
[ -n "${STACK_DEPTH:-}" ] && sd=(--stack-depth "$STACK_DEPTH")

native=$build/out/churn_native
tracked=$build/out/churn_lc
tool=$build/out/leakcheck
for b in "$native" "$tracked" "$tool"; do
    [ -x "$b" ] || { echo "run.sh: $b not found; build $build first" >&2; exit 2; }
done

# name, command (the name ends in -dDEPTH-tTHREADS: its native twin)
lcrun="$tool run --"
configs=(
    "native-d0-t1|$native --mode native --depth 0 --threads 1"
    "native-d20-t1|$native --mode native --depth 20 --threads 1"
    "native-d0-t2|$native --mode native --depth 0 --threads 2"
    "native-d20-t2|$native --mode native --depth 20 --threads 2"
    "idle-d0-t1|$tracked --mode idle --depth 0 --threads 1"
    "count-d0-t1|$tracked --mode count --depth 0 --threads 1"
    "count-d20-t1|$tracked --mode count --depth 20 --threads 1"
    "count-d0-t2|$tracked --mode count --depth 0 --threads 2"
    "stacks-d0-t1|$tracked --mode stacks --depth 0 --threads 1"
    "stacks-d20-t1|$tracked --mode stacks --depth 20 --threads 1"
    "stacks-d0-t2|$tracked --mode stacks --depth 0 --threads 2"
    "stacks-d20-t2|$tracked --mode stacks --depth 20 --threads 2"
    "run-count-d0-t1|env LEAKCHECK_STACKS=0 $lcrun $native --mode native --depth 0 --threads 1"
    "run-stacks-d0-t1|$lcrun $native --mode native --depth 0 --threads 1"
    "run-stacks-d20-t1|$lcrun $native --mode native --depth 20 --threads 1"
    "run-sample-d0-t1|$tool run --sample=512KiB -- $native --mode native --depth 0 --threads 1"
    "stacks-2sites-d0-t1|$tracked --mode stacks --sites 2 --depth 0 --threads 1"
    "stacks-2sites-d20-t1|$tracked --mode stacks --sites 2 --depth 20 --threads 1"
    "walk-d0-t1|env LEAKCHECK_UNWINDER=walk $tracked --mode stacks --depth 0 --threads 1"
    "walk-d20-t1|env LEAKCHECK_UNWINDER=walk $tracked --mode stacks --depth 20 --threads 1"
    "libunwind-d0-t1|env LEAKCHECK_UNWINDER=libunwind $tracked --mode stacks --depth 0 --threads 1"
    "libunwind-d20-t1|env LEAKCHECK_UNWINDER=libunwind $tracked --mode stacks --depth 20 --threads 1"
    "run-libunwind-d0-t1|env LEAKCHECK_UNWINDER=libunwind $lcrun $native --mode native --depth 0 --threads 1"
    "run-libunwind-d20-t1|env LEAKCHECK_UNWINDER=libunwind $lcrun $native --mode native --depth 20 --threads 1"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { # line, key
    sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= reps; r++)); do
    for c in "${configs[@]}"; do
        IFS='|' read -r name cmd <<<"$c"
        # shellcheck disable=SC2086
        line=$($cmd --ops "$ops" --live "$live" "${sd[@]}" 2>/dev/null || true)
        if [ "$(field "$line" counts)" != ok ]; then
            echo "run.sh: $name: wrong counts: $line" >&2
            exit 1
        fi
        field "$line" ns_per_op >>"$tmp/$name.ns"
        field "$line" mops >>"$tmp/$name.mops"
        field "$line" cpu_ns_per_op >>"$tmp/$name.cpu"
    done
    echo "repetition $r/$reps done" >&2
done

median() { sort -g "$1" | awk '{v[NR] = $1} END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { sort -g "$1" | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.1f..%.1f", lo, hi}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "churn: $ops ops/thread, $live live blocks/thread, 16..512 B, $reps reps (medians)," \
    "stack depth ${STACK_DEPTH:-default}; $(nproc) CPUs;" \
    "load average $load_start at start, $load_end at end"
printf '%-21s %9s %14s %9s %8s %10s %8s\n' config "ns/op" "min..max" "cpu ns/op" "Mops/s" \
    "vs native" "cpu vs"
for c in "${configs[@]}"; do
    name=${c%%|*}
    base=native-$(sed 's/.*-\(d[0-9]*-t[0-9]*\)$/\1/' <<<"$name")
    ns=$(median "$tmp/$name.ns")
    printf '%-21s %9s %14s %9s %8s %9sx %7sx\n' "$name" "$ns" "$(spread "$tmp/$name.ns")" \
        "$(median "$tmp/$name.cpu")" "$(median "$tmp/$name.mops")" \
        "$(div "$ns" "$(median "$tmp/$base.ns")")" \
        "$(div "$(median "$tmp/$name.cpu")" "$(median "$tmp/$base.cpu")")"
done

echo
echo "2-thread speedup: median Mops/s with 2 threads / with 1 thread (needs two idle"
echo "CPUs), and 2 x CPU ns/op with 1 thread / with 2 (what contention alone leaves):"
for m in native-d0 native-d20 count-d0 stacks-d0 stacks-d20; do
    printf '  %-11s %5sx   %5sx\n' "$m" "$(div "$(median "$tmp/$m-t2.mops")" \
        "$(median "$tmp/$m-t1.mops")")" \
        "$(div "$(awk -v c="$(median "$tmp/$m-t1.cpu")" 'BEGIN {print 2 * c}')" \
        "$(median "$tmp/$m-t2.cpu")")"
done

echo
line=$("$tracked" --mode stacks --depth 0 --threads 1 --ops 0 --live "$mem_live" "${sd[@]}")
[ "$(field "$line" counts)" = ok ] || { echo "run.sh: memory run: $line" >&2; exit 1; }
echo "tracker memory at $mem_live live blocks (stacks on):" \
    "table $(field "$line" table_bytes) bytes =" \
    "$(field "$line" table_bytes_per_block) bytes/block; depot $(field "$line" depot_bytes) bytes"

# The live-set sweep: CPU ns per op that counting adds to the churn at depth 0
# with 1K, 64K and 1M live blocks (count against native, same live set).
sweep_ops=${SWEEP_OPS:-1000000}
sizes=(1024 65536 1048576)
for ((r = 1; r <= reps; r++)); do
    for l in "${sizes[@]}"; do
        for m in native count; do
            bin=$tracked
            [ "$m" = native ] && bin=$native
            line=$("$bin" --mode "$m" --depth 0 --threads 1 --ops "$sweep_ops" --live "$l")
            [ "$(field "$line" counts)" = ok ] || { echo "run.sh: sweep: $line" >&2; exit 1; }
            field "$line" cpu_ns_per_op >>"$tmp/sweep-$m-$l.cpu"
        done
    done
done
echo
echo "live-set sweep: counting, depth 0, 1 thread, $sweep_ops ops, $reps reps (median CPU ns/op):"
printf '  %-12s %10s %10s %10s\n' "live blocks" native count added
for l in "${sizes[@]}"; do
    n=$(median "$tmp/sweep-native-$l.cpu")
    c=$(median "$tmp/sweep-count-$l.cpu")
    printf '  %-12s %10s %10s %+10.1f\n' "$l" "$n" "$c" "$(awk -v a="$c" -v b="$n" 'BEGIN {print a - b}')"
done

# The design behind the 1M row: each record store modelled alone, no
# leakcheck linked (record_store.c), at the sweep's live sets.
if [ -x "$build/out/record_store" ]; then
    echo
    echo "record stores modelled alone (record_store.c; median CPU ns/op, added: vs none in the same run):"
    for l in "${sizes[@]}"; do
        "$build/out/record_store" --live "$l" --ops $((3 * sweep_ops)) --reps "$reps" |
            awk '{printf "  %-14s %-18s %-24s %-14s %s\n", $2, $1, $5, $6, $8}'
    done
fi

# The reachability scan (reach_bench prints its own median over REPS runs).
reach=$build/out/reach_bench
if [ -x "$reach" ]; then
    echo
    echo "reachability scan, 1,000,000 blocks of 96 B (sparse: one pointer a block; dense: 12):"
    for dense in 0 1; do
        echo "  dense=$dense: $("$reach" --runs "$reps" --dense "$dense" | tail -1)"
    done
fi

# The harness's stack scheme on a clean test (harness_cost prints medians).
if [ -x "$build/out/harness_cost" ]; then
    echo
    echo "harness_cost --reps $reps (ns per allocation of a clean test body, 12 calls deep):"
    "$build/out/harness_cost" --reps "$reps" 2>/dev/null | grep -E '^(mode|native|counting|stacks|harness) ' |
        sed 's/\[.*//; s/^/  /'
fi

# The whole-suite benchmark.
echo
"$(dirname "$0")/suites.sh" "$build" "$reps"
