#!/usr/bin/env bash
# stop_bytes.sh: bytes on disk per stored point after a short real run and a
# clean stop (issue 19, item 8). Not a ctest test.
#
# Starts zapm-collector on a fresh store, AGENTS real zapm-agent --system at
# HZ samples a second for SECONDS, stops the agents, reads the points written
# from /metrics, stops the collector with SIGTERM, and prints the file and
# WAL sizes and (file + WAL) / points.
#
# Usage: bench/store/stop_bytes.sh
# Environment (all optional):
#   BUILD_DIR  build directory (default: <repo>/build)
#   AGENTS     agents (default 20)
#   HZ         samples a second per agent (default 20)
#   SECONDS_   seconds of the run (default 120)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD_DIR:-$root/build}/bin
agents=${AGENTS:-20}
hz=${HZ:-20}
seconds=${SECONDS_:-120}
dir=$(mktemp -d /tmp/zapm-stop-bytes-XXXXXX)
trap 'rm -rf "$dir"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
zmq=$(port)
http=$(port)
"$bin/zapm-collector" --bind "tcp://127.0.0.1:$zmq" --http "127.0.0.1:$http" \
    --store "$dir/h.db" >"$dir/collector.log" 2>&1 &
collector=$!
sleep 1
pids=()
for i in $(seq 1 "$agents"); do
    "$bin/zapm-agent" --connect "tcp://127.0.0.1:$zmq" --name "a$i" \
        --interval "$(echo "scale=4; 1/$hz" | bc)" --system >/dev/null 2>&1 &
    pids+=($!)
done
sleep "$seconds"
kill "${pids[@]}"
sleep 1
points=$(curl -s "127.0.0.1:$http/metrics" | awk '/^zapm_store_points_written_total/ {print $2}')
kill -TERM "$collector"
wait "$collector" || true
file=$(stat -c %s "$dir/h.db")
wal=$(stat -c %s "$dir/h.db-wal" 2>/dev/null || echo 0)
echo "agents $agents at $hz Hz for $seconds s, --system; clean stop"
echo "points $points  file $file bytes  WAL $wal bytes"
echo "bytes per point $(echo "scale=3; ($file + $wal) / $points" | bc)"
