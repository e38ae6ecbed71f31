#!/usr/bin/env bash
# Replays one harness's seed corpus, then fuzzes it for SECONDS (default 5)
# from a scratch copy of that corpus (the repo's corpus is never written).
# Usage: run.sh FUZZ_BUILD_DIR CORPUS_ROOT NAME [SECONDS]
# Exit 77 when the harness was not built (no clang: see build.sh). A crash
# leaves its input in the scratch directory, named in the output.
set -euo pipefail
out=$(cd "$1" && pwd) corpus=$(cd "$2" && pwd)/$3 name=$3 secs=${4:-5}
bin=$out/fuzz_$name
if [ ! -x "$bin" ]; then
    echo "fuzz: SKIPPED: $bin was not built (clang missing? see the fuzz_build test)"
    exit 77
fi
[ -d "$corpus" ] || { echo "fuzz: no seed corpus at $corpus"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lc-fuzz-$name.XXXXXX")
keep=0
trap '[ $keep = 1 ] || rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$work"
# 1. every seed, once
if ! "$bin" -close_fd_mask=2 -runs=0 "$work/corpus" >replay.log 2>&1; then
    keep=1
    tail -40 replay.log
    echo "fuzz: $name: a seed of $corpus fails (log: $work/replay.log)"
    exit 1
fi
# 2. bounded fuzzing from the seeds
if ! "$bin" -close_fd_mask=2 -max_total_time="$secs" -max_len=65536 -timeout=10 \
        -rss_limit_mb=1024 -print_final_stats=1 "$work/corpus" >fuzz.log 2>&1; then
    keep=1
    tail -60 fuzz.log
    echo "fuzz: $name: FAILED; the input is in $work (crash-* / leak-* / timeout-*)"
    exit 1
fi
grep -E '^stat::number_of_executed_units|^stat::new_units_added' fuzz.log || true
echo "fuzz: $name: ${secs}s, no crash, leak, hang or UB"
