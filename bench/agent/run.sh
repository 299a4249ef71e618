#!/bin/sh
# bench/agent/run.sh: every agent benchmark in one go, figures for docs/PERFORMANCE.md.
#
#   bench/agent/run.sh [BUILD_DIR]     (default: build; needs bench_agent built)
#
# 1. µs of CPU per sample: process-only and full (bench_agent), each kernel
#    source alone (the floor), and the same sample with psutil + json.dumps
#    in the same run, for the ratio;
# 2. instructions per full sample (valgrind --tool=callgrind), the steady figure
#    on a noisy shared machine (user space only: /proc formatting in the kernel
#    is not counted there, it is in the µs);
# 3. RSS the agent adds to a host, and its CPU share at 1 Hz.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
bench="$build/bin/bench_agent"
python=${ZAPM_PYTHON:-/usr/bin/python3}
[ -x "$bench" ] || { echo "run.sh: $bench not built (cmake --build $build --target bench_agent)" >&2; exit 1; }

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs"
out=$("$bench" 20000)
echo "$out"
"$bench" --sources 20000
py=$("$python" "$here/bench_psutil.py" 2000)
echo "$py"
full=$(echo "$out" | sed -n 's/^full_us=//p')
thread=$(echo "$out" | sed -n 's/^full_sampling_thread_us=//p')
pfull=$(echo "$py" | sed -n 's/^psutil_full_us=//p')
# psutil's figure has no transmission in it: compare it with both.
echo "psutil_over_zapm_full=$(echo "$pfull $full" | awk '{printf "%.1f", $1 / $2}')"
echo "psutil_over_zapm_sampling_thread=$(echo "$pfull $thread" | awk '{printf "%.1f", $1 / $2}')"

if command -v valgrind >/dev/null 2>&1; then
    n=2000
    tmp=$(mktemp -d)
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" --toggle-collect='s_full_sample*' \
        "$bench" --callgrind $n >/dev/null 2>"$tmp/vg.log"
    ir=$(callgrind_annotate "$tmp/cg.out" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) *(100.0%) *PROGRAM TOTALS.*/\1/p' | tr -d ,)
    [ -n "$ir" ] || ir=$(sed -n 's/^summary: *//p' "$tmp/cg.out")
    echo "callgrind_ir_per_full_sample=$(echo "$ir $n" | awk '{printf "%.0f", $1 / $2}')"
    rm -rf "$tmp"
else
    echo "callgrind: valgrind not installed, skipped"
fi

"$bench" --rss 3
"$bench" --idle 20
