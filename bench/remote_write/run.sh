#!/usr/bin/env bash
# run.sh: the remote write benchmark (issue 13). Not a ctest test.
#
# Builds bench-remote-write (Release) in build-bench/, then prints:
# 1. CPU per point with no network, one thread: copying the point into a queue
#    record (the collector loop's share), protobuf encoding and snappy (the
#    sender's share), and bytes per point;
# 2. instructions per point of the same three steps (valgrind --tool=callgrind,
#    inclusive counts of rw_record_write, rw_proto_append, snappy_compress), the
#    figure that does not depend on what else the machine does;
# 3. against a real Prometheus (Debian's, --web.enable-remote-write-receiver)
#    and a real VictoriaMetrics, started here on free loopback ports with
#    temporary storage: the points per second one sender sustains with nothing
#    dropped, CPU per point of the appending thread and of the sender thread,
#    and the receiver's own CPU per point (it is what limits the rate here).
# Everything runs on 127.0.0.1; each step is bounded in time; about a minute.
#
# Usage: bench/remote_write/run.sh [--help]
# Environment (all optional):
#   BUILD_DIR   build directory (default: <repo>/build-bench)
#   POINTS      points sent to each receiver (default 2000000)
#   SERIES      distinct series (default 8000: 1000 agents x 8 metrics)
#   NO_BUILD    1 to use the binary already in BUILD_DIR/bin
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
BENCH=$BUILD/bin/bench-remote-write
POINTS=${POINTS:-2000000}
SERIES=${SERIES:-8000}
CLK_TCK=$(getconf CLK_TCK)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/zapm-rw-bench.XXXXXX")
SERVER_PID=""

s_stop () {
    # Ends only the receiver this script started, by pid.
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
trap 's_stop; rm -rf "$TMP"' EXIT

s_free_port () {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

s_cpu_ticks () {  # utime + stime of a process, in clock ticks
    awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

s_wait_ready () {  # URL
    for _ in $(seq 150); do
        curl -sf -o /dev/null "$1" && return 0
        sleep 0.2
    done
    echo "run.sh: $1 not ready within 30 s" >&2
    exit 1
}

# s_against NAME WRITE_URL: runs the sender against the receiver in SERVER_PID.
s_against () {
    local before after
    before=$(s_cpu_ticks "$SERVER_PID")
    "$BENCH" --url "$2" --series "$SERIES" --points "$POINTS" 2>"$TMP/$1.log" | tee "$TMP/$1.out"
    after=$(s_cpu_ticks "$SERVER_PID")
    awk -v t="$((after - before))" -v hz="$CLK_TCK" -v n="$POINTS" -v name="$1" \
        'BEGIN { printf "%-24s %.1f   (%s, all its threads)\n", "receiver ns/point", t / hz * 1e9 / n, name }'
    echo
}

if [[ ${NO_BUILD:-0} != 1 ]]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DZAPM_WERROR=ON >/dev/null
    cmake --build "$BUILD" -j2 --target bench-remote-write >/dev/null
fi

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$BENCH" --series "$SERIES" --points "$POINTS"
echo

if command -v valgrind >/dev/null 2>&1; then
    n=100000
    valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" \
        "$BENCH" --series "$SERIES" --points "$n" >/dev/null 2>"$TMP/vg.log"
    callgrind_annotate --inclusive=yes "$TMP/cg.out" 2>/dev/null |
        awk -v n="$n" '
            $3 ~ /:rw_record_write$/ { gsub(",", "", $1); r = $1 }
            $3 ~ /:rw_proto_append$/ { gsub(",", "", $1); e = $1 }
            $3 ~ /:snappy_compress$/ { gsub(",", "", $1); c = $1 }
            END {
                printf "%-24s %.0f\n", "record instr/point", r / n
                printf "%-24s %.0f\n", "encode instr/point", e / n
                printf "%-24s %.0f\n", "compress instr/point", c / n
            }'
    echo
fi

port=$(s_free_port)
mkdir -p "$TMP/prom"
echo "global: {}" >"$TMP/prom/prometheus.yml"
prometheus --config.file "$TMP/prom/prometheus.yml" --web.enable-remote-write-receiver \
    --storage.tsdb.path "$TMP/prom/tsdb" --web.listen-address "127.0.0.1:$port" \
    >"$TMP/prometheus.log" 2>&1 &
SERVER_PID=$!
s_wait_ready "http://127.0.0.1:$port/-/ready"
s_against prometheus "http://127.0.0.1:$port/api/v1/write"
s_stop

port=$(s_free_port)
victoria-metrics -httpListenAddr "127.0.0.1:$port" -storageDataPath "$TMP/vm" \
    >"$TMP/vm.log" 2>&1 &
SERVER_PID=$!
s_wait_ready "http://127.0.0.1:$port/health"
s_against victoria-metrics "http://127.0.0.1:$port/api/v1/write"
s_stop
