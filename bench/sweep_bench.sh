#!/bin/bash
# sweep_bench.sh BUILD_DIR [REPS]: the fail sweep's cost on a test of 200
# allocation calls at 20 sites (bench/sweep_bench.c): median wall time of the
# binary without the sweep, with LEAKCHECK_FAIL_SWEEP=transient and =both, and
# the extra time per failing run (JSON fail_sweep.runs).
set -euo pipefail
build=${1:?usage: sweep_bench.sh BUILD_DIR [REPS]}
reps=${2:-5}
bin=$build/out/sweep_bench
[ -x "$bin" ] || { echo "sweep_bench.sh: $bin not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ms() { date +%s%N | awk '{printf "%.1f", $1 / 1e6}'; }
median() { sort -n | awk '{v[NR] = $1} END {printf "%.1f\n", v[int((NR + 1) / 2)]}'; }
for mode in 0 transient both; do
    for ((i = 0; i < reps; i++)); do
        t0=$(ms)
        LEAKCHECK_FAIL_SWEEP=$mode LEAKCHECK_JSON=$tmp/$mode.json "$bin" >/dev/null 2>&1
        t1=$(ms)
        awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}' >>"$tmp/$mode.ms"
    done
done
base=$(median <"$tmp/0.ms")
echo "fail sweep, 1 test, 200 allocation calls at 20 sites, median of $reps (wall ms):"
printf '  %-22s %8s %6s %6s %14s\n' mode wall sites runs "ms per run"
printf '  %-22s %8s %6s %6s %14s\n' "off" "$base" - - -
for mode in transient both; do
    w=$(median <"$tmp/$mode.ms")
    read -r sites runs < <(python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['tests'][0]['fail_sweep']; print(f['sites'], f['runs'])" "$tmp/$mode.json")
    per=$(awk -v w="$w" -v b="$base" -v r="$runs" 'BEGIN {printf "%.2f", (w - b) / r}')
    printf '  %-22s %8s %6s %6s %14s\n' "$mode" "$w" "$sites" "$runs" "$per"
done
