#!/usr/bin/env bash
# run.sh: the zapm-collector benchmark sweep. Not a ctest test.
#
# Builds zapm-collector, zapm-loadgen and zapm-ssesink (Release) in build-bench/,
# then for each row of the table starts a fresh collector on free loopback ports,
# N simulated agents sending R samples/s in total, and K SSE clients on /feed;
# measures over a window after a warm-up and prints one aligned table:
# sent, delivered events/s, loss, latency p50/p99/max, collector CPU
# (utime+stime from /proc/PID/stat over the window; in brackets its main loop
# thread alone, the rest is libzmq's I/O thread), the load tools' CPU (they share
# the machine's cores), the CPU everything else on the machine used meanwhile (a
# busy machine skews latency tails), CPU-us per ingested sample and per delivered
# event (all collector CPU divided by each), and peak RSS (VmHWM).
# Default rows: idle (RSS, CPU), the issue's (N, R, K) table, ingest only (K = 0)
# with book-size and agent-size samples, and 10,000 connected idle clients (RSS
# per client). Everything runs on 127.0.0.1 and every step is bounded in time;
# the default sweep takes about 2.5 minutes.
#
# Usage: bench/collector/run.sh [--help]
# Environment (all optional):
#   BUILD_DIR     build directory (default: <repo>/build-bench)
#   WARMUP        seconds before each measurement window (default 2)
#   DURATION      seconds measured per row (default 5)
#   SINK_THREADS  zapm-ssesink threads (default 1; the machine has 2 cores)
#   ROWS          space-separated rows "name:N:R:K[:full][:tls][:curve]" (default: the
#                 sweep below); ":full" sends zapm-agent-sized samples (proc and sys
#                 objects, ~570 bytes) instead of the book's fields (~190 bytes); ":tls"
#                 serves HTTPS (a certificate made by openssl for the run) and the sink
#                 speaks TLS (issue 10: compare a row with its :tls twin, e.g.
#                 ROWS="p:100:5000:100 t:100:5000:100:tls"); ":curve" runs the collector
#                 with --curve-cert/--curve-allow and CURVE agents (issue 9, e.g.
#                 ROWS="plain:100:10000:0 curve:100:10000:0:curve")
#   PERF_ROW      name of one row to profile with `perf record -g` over its window
#   KEEP          1 to keep the per-row logs (printed path) after the run
#   NO_BUILD      1 to use the binaries already in BUILD_DIR/bin
#   NICE          niceness for the collector and the load tools, e.g. -5 on a machine
#                 busy with other work (needs root for negative values; default: none)
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
BIN=$BUILD/bin
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-5}
SINK_THREADS=${SINK_THREADS:-1}
PERF_ROW=${PERF_ROW:-}
KEEP=${KEEP:-0}
NO_BUILD=${NO_BUILD:-0}
RUN=()
[[ -n ${NICE:-} ]] && RUN=(nice -n "$NICE")
ROWS=${ROWS:-"idle:0:0:0 a:10:1000:1 b:100:1000:100 c0:100:20000:0 c0full:100:20000:0:full c:100:20000:1 d:100:20000:100 e:1000:10000:10 idle10k:0:0:10000"}
CLK_TCK=$(getconf CLK_TCK)
PYTHON=/usr/bin/python3

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/zapm-bench.XXXXXX")
COLLECTOR_PID=""
SINK_PID=""
LOADGEN_PID=""

s_stop () {
    # Ends only the processes this script started, by pid.
    local pid
    for pid in "$LOADGEN_PID" "$SINK_PID"; do
        if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
    done
    if [[ -n $COLLECTOR_PID ]]; then
        kill -TERM "$COLLECTOR_PID" 2>/dev/null || true
        for _ in $(seq 30); do
            kill -0 "$COLLECTOR_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$COLLECTOR_PID" 2>/dev/null || true
        wait "$COLLECTOR_PID" 2>/dev/null || true
    fi
    COLLECTOR_PID="" SINK_PID="" LOADGEN_PID=""
}

s_cleanup () {
    s_stop
    if [[ $KEEP == 1 ]]; then
        echo "logs kept in $LOGS"
    else
        rm -rf "$LOGS"
    fi
}
trap s_cleanup EXIT
trap 'exit 130' INT TERM

# Two free loopback TCP ports (the kernel picks them; a tiny race is acceptable).
s_free_ports () {
    "$PYTHON" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

s_now () { date +%s.%N; }
s_sleep_until () { # absolute time from s_now
    local left
    left=$(awk -v t="$1" -v n="$(s_now)" 'BEGIN { d = t - n; print (d > 0 ? d : 0) }')
    sleep "$left"
}
s_cpu_ticks () { # utime + stime of a pid, in clock ticks
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
s_tools_ticks () { # CPU ticks of the running load tools together
    local pid total=0 t
    for pid in $SINK_PID $LOADGEN_PID; do
        t=$(s_cpu_ticks "$pid" 2>/dev/null || echo 0)
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
s_busy_ticks () { # non-idle CPU ticks of the whole machine
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
s_status_kb () { # a /proc/PID/status field in kB
    awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}
SCHEME=http
s_metric () { # one counter from the collector's /metrics, empty if unavailable (favoured with NICE too)
    "${RUN[@]}" curl -sfk --max-time 2 "$SCHEME://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null |
        awk -v m="$1" '$1 == m { print $2; exit }' || true
}
s_invalid () { # sum of zapm_samples_invalid_total{reason=...}
    "${RUN[@]}" curl -sfk --max-time 2 "$SCHEME://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null |
        awk '$1 ~ /^zapm_samples_invalid_total/ { n += $2 } END { print n + 0 }' || true
}
s_field () { # key=value field from a tool's result line
    sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" "$1" | head -1
}

s_start_collector () { # name max_series tls|"" [extra collector flags...]
    local name=$1 series=$2 want_tls=${3:-}
    shift 3
    read -r ZMQ_PORT HTTP_PORT < <(s_free_ports)
    local tls=()
    SCHEME=http
    if [[ $want_tls == tls ]]; then
        if [[ ! -f $LOGS/cert.pem ]]; then
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                -keyout "$LOGS/key.pem" -out "$LOGS/cert.pem" -days 1 -subj /CN=localhost \
                >"$LOGS/openssl.log" 2>&1
            chmod 600 "$LOGS/key.pem"
        fi
        tls=(--tls-cert "$LOGS/cert.pem" --tls-key "$LOGS/key.pem")
        SCHEME=https
    fi
    # Every load tool connects from 127.0.0.1: no per-address limit. Memory only
    # (--store none), so the figures compare with the runs before the store.
    "${RUN[@]}" "$BIN/zapm-collector" --bind "tcp://127.0.0.1:$ZMQ_PORT" --http "127.0.0.1:$HTTP_PORT" \
        --store none --max-clients 20000 --max-series "$series" --max-clients-per-address 0 "${tls[@]}" "$@" \
        >"$LOGS/$name.collector.log" 2>&1 &
    COLLECTOR_PID=$!
    for _ in $(seq 50); do
        if curl -sfk --max-time 1 "$SCHEME://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$COLLECTOR_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "run.sh: zapm-collector did not come up, see below" >&2
    cat "$LOGS/$name.collector.log" >&2
    return 1
}

if [[ $NO_BUILD != 1 ]]; then
    echo "== build (Release) in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$LOGS/cmake.log" 2>&1 ||
        { cat "$LOGS/cmake.log" >&2; exit 1; }
    cmake --build "$BUILD" -j2 --target zapm-collector zapm-loadgen zapm-ssesink zapm-keygen \
        >>"$LOGS/cmake.log" 2>&1 || { tail -40 "$LOGS/cmake.log" >&2; exit 1; }
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
    "warm-up ${WARMUP}s, window ${DURATION}s, nofile $NOFILE${NICE:+, nice $NICE}"

HEADER=(row agents "samples/s" clients "sent/s" "delivered ev/s" lost resets
    "p50 ms" "p99 ms" "max ms" "CPU % (loop)" "tools CPU %" "others CPU %" "us/sample" "us/event"
    "peak RSS MiB" note)
TABLE=("$(IFS='|'; echo "${HEADER[*]}")")

for spec in $ROWS; do
    IFS=: read -r name agents rate clients shape shape2 <<<"$spec"
    echo "-- row $name: $agents agents, $rate samples/s, $clients clients ${shape:-} ${shape2:-}"
    full=() tls="" sink_tls=()
    [[ ${shape:-} == full || ${shape2:-} == full ]] && full=(--full)
    [[ ${shape:-} == tls || ${shape2:-} == tls ]] && tls=tls sink_tls=(--tls yes)
    curve_collector=() curve_agents=()
    if [[ ${shape:-} == curve || ${shape2:-} == curve ]]; then
        mkdir -p "$LOGS/curve/allow"
        [[ -f $LOGS/curve/collector ]] || "$BIN/zapm-keygen" "$LOGS/curve/collector" >/dev/null
        [[ -f $LOGS/curve/agents ]] || "$BIN/zapm-keygen" "$LOGS/curve/agents" >/dev/null
        cp "$LOGS/curve/agents" "$LOGS/curve/allow/agents"
        curve_collector=(--curve-cert "$LOGS/curve/collector" --curve-allow "$LOGS/curve/allow")
        curve_agents=(--curve-server "$LOGS/curve/collector" --curve-cert "$LOGS/curve/agents")
    fi
    note=""
    if ((clients + 100 > NOFILE)); then
        TABLE+=("$name|$agents|$rate|$clients|-|-|-|-|-|-|-|-|-|-|-|-|-|skipped: ulimit -n $NOFILE")
        continue
    fi
    max_series=$((agents > 10000 ? agents : 10000)) # the default, unless more agents
    s_start_collector "$name" "$max_series" "$tls" "${curve_collector[@]}"
    sleep 0.3
    rss0=$(s_status_kb "$COLLECTOR_PID" VmRSS)
    # Many clients need longer to connect (5,000/s) before the window opens.
    warmup=$(awk -v w="$WARMUP" -v k="$clients" 'BEGIN { print (k >= 1000 ? w + k / 5000 + 2 : w) }')
    start=$(s_now)
    window_start=$(awk -v s="$start" -v w="$warmup" 'BEGIN { printf "%.3f", s + w }')
    window_end=$(awk -v s="$window_start" -v d="$DURATION" 'BEGIN { printf "%.3f", s + d }')
    # The tools outlast the window by a second, so their CPU can be read at its end;
    # the sink's rates are per second, so its slightly longer window does not matter.
    if ((clients > 0)); then
        "${RUN[@]}" "$BIN/zapm-ssesink" --http "127.0.0.1:$HTTP_PORT" --clients "$clients" \
            --threads "$SINK_THREADS" --warmup "$warmup" --duration "$(awk -v d="$DURATION" 'BEGIN { print d + 1 }')" \
            --max-agents "$((agents > 0 ? agents : 1))" --connect-rate 5000 "${sink_tls[@]}" \
            >"$LOGS/$name.sink.out" 2>"$LOGS/$name.sink.err" &
        SINK_PID=$!
    fi
    if ((agents > 0)); then
        sleep 0.5 # clients connected first, so they see every agent from seq 0
        send_s=$(awk -v w="$warmup" -v d="$DURATION" 'BEGIN { print w + d + 1 }')
        "${RUN[@]}" "$BIN/zapm-loadgen" --endpoint "tcp://127.0.0.1:$ZMQ_PORT" --agents "$agents" \
            --rate "$rate" --duration "$send_s" "${full[@]}" "${curve_agents[@]}" \
            >"$LOGS/$name.loadgen.out" 2>"$LOGS/$name.loadgen.err" &
        LOADGEN_PID=$!
    fi
    s_sleep_until "$window_start"
    # The counters first: on a busy machine a /metrics request can take seconds, which
    # must not fall between the CPU readings and the clock that times them.
    recv0=$(s_metric zapm_samples_received_total)
    invalid0=$(s_invalid)
    cpu0=$(s_cpu_ticks "$COLLECTOR_PID")
    loop0=$(s_cpu_ticks "$COLLECTOR_PID/task/$COLLECTOR_PID")
    tools0=$(s_tools_ticks)
    busy0=$(s_busy_ticks)
    t0=$(s_now)
    if [[ $name == "$PERF_ROW" ]]; then
        perf record -F 999 -g -p "$COLLECTOR_PID" -o "$LOGS/$name.perf.data" -- \
            sleep "$DURATION" >"$LOGS/$name.perf.log" 2>&1 || true
    else
        s_sleep_until "$window_end"
    fi
    cpu1=$(s_cpu_ticks "$COLLECTOR_PID")
    loop1=$(s_cpu_ticks "$COLLECTOR_PID/task/$COLLECTOR_PID")
    tools1=$(s_tools_ticks)
    busy1=$(s_busy_ticks)
    t1=$(s_now)
    recv1=$(s_metric zapm_samples_received_total)
    invalid1=$(s_invalid)
    rss=$(s_status_kb "$COLLECTOR_PID" VmRSS)
    [[ -n $SINK_PID ]] && { wait "$SINK_PID" || true; }
    [[ -n $LOADGEN_PID ]] && { wait "$LOADGEN_PID" || true; }
    SINK_PID="" LOADGEN_PID=""
    hwm=$(s_status_kb "$COLLECTOR_PID" VmHWM)
    s_stop

    window=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$CLK_TCK" 'BEGIN { print (b - a) * 1e6 / hz }')
    cpu_pct=$(awk -v c="$cpu_us" -v w="$window" 'BEGIN { printf "%.1f", c / w / 1e4 }')
    loop_pct=$(awk -v a="$loop0" -v b="$loop1" -v hz="$CLK_TCK" -v w="$window" \
        'BEGIN { printf "%.1f", (b - a) * 100 / hz / w }')
    # Everything else the machine ran meanwhile (other users' builds and tests)
    others_pct=$(awk -v a="$busy0" -v b="$busy1" -v c="$cpu0" -v d="$cpu1" -v e="$tools0" \
        -v f="$tools1" -v hz="$CLK_TCK" -v w="$window" \
        'BEGIN { x = ((b - a) - (d - c) - (f - e)) * 100 / hz / w; printf "%.0f", (x > 0 ? x : 0) }')
    # "-" when a tool ended before the window was read (perf can overrun it)
    tools_pct=$(awk -v a="$tools0" -v b="$tools1" -v hz="$CLK_TCK" -v w="$window" \
        'BEGIN { if (b >= a) printf "%.1f", (b - a) * 100 / hz / w; else print "-" }')
    sent="-" delivered="-" lost="-" resets="-" p50="-" p99="-" max="-" per_sample="-" per_event="-"
    if ((agents > 0)); then
        sent=$(s_field "$LOGS/$name.loadgen.out" sent_per_s)
        blocked=$(s_field "$LOGS/$name.loadgen.out" blocked)
        [[ -z $sent ]] && { sent="?"; note+="loadgen failed: $(head -c 200 "$LOGS/$name.loadgen.err") "; }
        [[ -n $blocked && $blocked != 0 ]] && note+="blocked sends $blocked "
        [[ ${shape:-} == full ]] && note+="full-size samples "
        [[ ${shape:-} == curve || ${shape2:-} == curve ]] && note+="CURVE "
        if [[ -n $invalid0 && -n $invalid1 && $invalid1 != "$invalid0" ]]; then
            note+="INVALID $((invalid1 - invalid0)) "
        fi
        if [[ -n $recv0 && -n $recv1 ]]; then
            ingested=$(awk -v a="$recv0" -v b="$recv1" 'BEGIN { print b - a }')
        else # no /metrics: assume the offered rate was ingested
            ingested=$(awk -v r="$rate" -v w="$window" 'BEGIN { print r * w }')
            note+="ingest=offered "
        fi
        per_sample=$(awk -v c="$cpu_us" -v n="$ingested" 'BEGIN { if (n > 0) printf "%.2f", c / n; else print "-" }')
    fi
    if ((clients > 0)); then
        out="$LOGS/$name.sink.out"
        if [[ ! -s $out ]]; then
            note+="sink failed: $(head -c 200 "$LOGS/$name.sink.err") "
        else
            events=$(awk -v r="$(s_field "$out" events_per_s)" -v w="$window" 'BEGIN { print r * w }')
            delivered=$(s_field "$out" events_per_s)
            lost="$(s_field "$out" lost) ($(s_field "$out" lost_pct)%)"
            resets=$(s_field "$out" resets)
            p50=$(s_field "$out" lat_p50_ms) p99=$(s_field "$out" lat_p99_ms) max=$(s_field "$out" lat_max_ms)
            streaming=$(s_field "$out" streaming)
            if ((agents > 0)); then
                per_event=$(awk -v c="$cpu_us" -v n="$events" 'BEGIN { if (n > 0) printf "%.3f", c / n; else print "-" }')
                [[ $streaming != "$clients" ]] && note+="streaming $streaming/$clients "
            else
                p50="-" p99="-" max="-" lost="-" resets="-" delivered="-" # no samples
                per_client=$(awk -v a="$rss0" -v b="$rss" -v n="$streaming" \
                    'BEGIN { if (n > 0) printf "%.1f", (b - a) / n; else print "-" }')
                note+="$streaming streaming; RSS $((rss0 / 1024))->$((rss / 1024)) MiB = $per_client KiB/client "
            fi
        fi
    fi
    # A /metrics request that took seconds on a busy machine leaves less of the window.
    if awk -v w="$window" -v d="$DURATION" 'BEGIN { exit !(w < 0.8 * d) }'; then
        note+="window cut to $(awk -v w="$window" 'BEGIN { printf "%.1f", w }')s "
    fi
    if ((agents == 0 && clients == 0)); then
        note+="RSS $(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }') MiB idle "
    fi
    peak=$(awk -v h="$hwm" 'BEGIN { printf "%.1f", h / 1024 }')
    TABLE+=("$name|$agents|$rate|$clients|$sent|$delivered|$lost|$resets|$p50|$p99|$max|$cpu_pct ($loop_pct)|$tools_pct|$others_pct|$per_sample|$per_event|$peak|${note% }")
done

echo
printf '%s\n' "${TABLE[@]}" | column -t -s '|' -o '  '
if [[ -n $PERF_ROW && -f $LOGS/$PERF_ROW.perf.data ]]; then
    echo
    echo "== perf report, row $PERF_ROW (self time by thread and symbol, top 30)"
    perf report -i "$LOGS/$PERF_ROW.perf.data" --no-children --stdio --percent-limit 0.5 \
        --sort comm,dso,symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -30
fi
