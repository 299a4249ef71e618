#!/usr/bin/env bash
# run.sh: the store's benchmark (issue 11). Not a ctest test.
#
# Records real zapm-agent --system frames (a PUB agent into a Python SUB on
# loopback), then runs bench-store over them: the writer's CPU per sample and
# bytes per point at SERIES series x 1 Hz (fast time), query latency over 100
# series and 30 days, the value code against Gorilla's, and start-up time with a STARTUP_MIB store. Prints the
# figures; paste them into docs/PERFORMANCE.md with the date and this command.
#
# Usage: bench/store/run.sh [--help]
# Environment (all optional):
#   BUILD_DIR    build directory (default: <repo>/build)
#   SERIES       series for the write run (default 10000)
#   RUN_SECONDS  simulated seconds of the write run (default 120)
#   FRAMES       real frames to record at 10 a second (default 300)
#   FRAMES_FILE  use these recorded frames (one JSON object a line) instead
#   STARTUP_MIB  size of the start-up store (default 1024)
#   SKIP         space-separated parts to skip: codec write query startup
#   KEEP         a directory to keep the query part's store in (query.db), for
#                `bench-store queries` and bench/store/feed_storm.py --store
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SERIES=${SERIES:-10000}
RUN_SECONDS=${RUN_SECONDS:-120}
FRAMES=${FRAMES:-300}
STARTUP_MIB=${STARTUP_MIB:-1024}
SKIP=${SKIP:-}

cmake --build "$BUILD_DIR" -j2 --target bench-store zapm-agent >/dev/null
work=$(mktemp -d /tmp/zapm-bench-store-XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ -n ${FRAMES_FILE:-} ]]; then
    cp "$FRAMES_FILE" "$work/frames.jsonl"
else
    echo "recording $FRAMES zapm-agent --system frames..."
    /usr/bin/python3 "$ROOT/bench/store/record_frames.py" "$BUILD_DIR/bin/zapm-agent" "$FRAMES" \
        "$work/frames.jsonl"
fi
head -c 300 "$work/frames.jsonl"; echo " ..."

bench="$BUILD_DIR/bin/bench-store"
[[ " $SKIP " == *" codec "* ]] || "$bench" codec "$work/frames.jsonl"
[[ " $SKIP " == *" write "* ]] || "$bench" write "$work/frames.jsonl" "$work" "$SERIES" "$RUN_SECONDS"
[[ " $SKIP " == *" query "* ]] || "$bench" query "$work/frames.jsonl" "$work"
if [[ -n ${KEEP:-} && -f $work/query.db ]]; then
    for f in "$work"/query.db*; do cp "$f" "$KEEP/"; done
fi
[[ " $SKIP " == *" startup "* ]] || "$bench" startup "$work/frames.jsonl" "$work" "$STARTUP_MIB"
