#!/usr/bin/env bash
# compare.sh: is revision B as fast as revision A? Not a ctest test.
#
# Issue 17 moved the collector's files into folders under a "speed does not
# change" rule: ingest instructions per sample and fan-out CPU per delivered
# event within 3 % of the commit before the move, both measured in one run.
# This script makes that run reproducible for any two revisions:
#
#  1. Exports each revision (git archive) into its own temporary directory and
#     builds it there with the same cache (RelWithDebInfo, asserts off): targets
#     zapm-collector, zapm-loadgen, zapm-ssesink, zapm-keygen and bench-ingest.
#  2. Ingest instructions: bench-ingest --count COUNT --sample S under
#     valgrind --tool=callgrind, A and B alternated. Per sample is
#     (I(COUNT) - I(1)) / (COUNT - 1), the program's start-up taken out by a run
#     with --count 1; total / COUNT (the older figures' convention) is printed too.
#  3. Fan-out CPU: bench/collector/run.sh of this checkout, one row, ROUNDS
#     times for each side, alternated (AB, BA, AB, ...). The collector is each
#     revision's own; the load tools (zapm-loadgen, zapm-ssesink) are A's for
#     both, so only the collector differs. CPU per delivered event is run.sh's
#     us/event: all of the collector's CPU (both threads, utime+stime) over the
#     window divided by the events its /feed clients received. A round counts
#     only if neither side lost an event or reset a client (a window that a slow
#     /metrics request cut short still counts: its CPU and clock are read
#     together); the ratio B/A is the median of the counted rounds' ratios. The default row is 100 agents at
#     5,000 samples/s to 100 clients (500,000 events/s): run.sh's row d
#     (2,000,000 events/s) needs about 1.7 of the machine's 2 cores for the
#     collector and the load tools, and on a shared machine its sink falls
#     behind, loses events and is reset, which makes its CPU per event no
#     measure of the collector (ROW=d:100:20000:100 runs it all the same).
#  4. Fan-out instructions, the steadier twin of 3: the collector under callgrind
#     (all threads, user space), once with CG_CLIENTS /feed clients and once with
#     none. Counters are zeroed (callgrind_control -z) once the clients stream,
#     CG_AGENTS agents send CG_RATE samples/s for CG_SECONDS seconds, and the
#     counters are dumped half a second after the last one: start-up, connections
#     and shutdown are left out. Per delivered event:
#     (I(clients) - I(none)) / events the clients received. Kernel time (the TCP
#     send path) is not in it: that is what 3 adds. At a low rate every sample
#     is its own wake-up, so the count repeats to about 1 %; at higher rates how
#     samples batch into wake-ups depends on timing (at 200 samples/s the count
#     moved by 25 % between runs of one build).
#  5. When a ratio is outside TOLERANCE, or always with ANNOTATE=1, prints the
#     functions whose instructions moved most between the two sides' profiles
#     (callgrind_annotate, joined by function name: the trees' paths differ).
#
# Everything runs on 127.0.0.1; the temporary directory (builds, profiles,
# logs) is removed at exit and every process the script started is stopped.
# The defaults take about 9 to 10 minutes on 2 shared cores (builds 3 to 4,
# ingest 1, fan-out CPU 2, fan-out instructions 3); ROUNDS=3 FI_ROUNDS=1 or
# SKIP=... make it shorter.
#
# Usage: bench/compare.sh [--help] [A [B]]
#   A, B          git revisions (default: 52e952f, the commit before issue 17's
#                 move, and HEAD); committed state only: uncommitted changes are
#                 not part of a revision
# Environment (all optional):
#   ROUNDS        fan-out CPU rounds, each one run of A and one of B (default 5)
#   ROW           run.sh's row "name:N:R:K" for them (default f:100:5000:100)
#   WARMUP, DURATION  run.sh's warm-up and window in seconds (default 2 and 5)
#   NICE          run.sh's niceness for the collector and load tools (e.g. -10, root only)
#   CG_ROUNDS     bench-ingest rounds under callgrind (default 1: its counts repeat to
#                 a few hundred instructions in 333 million)
#   FI_ROUNDS     rounds of the fan-out under callgrind (default 3; its count repeats
#                 to about 1 %)
#   COUNT         bench-ingest --count (default 20000)
#   SAMPLES       bench-ingest sample kinds (default "small full")
#   CG_AGENTS, CG_RATE, CG_SECONDS, CG_CLIENTS  the fan-out under callgrind
#                 (default 10 agents, 50 samples/s, 10 s, 10 clients)
#   SKIP          space-separated parts to leave out: ingest fanout-cpu fanout-ir
#   TOLERANCE     allowed |B/A - 1| in per cent (default 3)
#   ANNOTATE      1 to compare the profiles' top functions whatever the ratios
#   JOBS          parallel build jobs (default 2)
#   KEEP          1 to keep the temporary directory (printed path)
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
fi
if (($# > 2)) || [[ ${1:-} == -* ]]; then
    echo "usage: bench/compare.sh [--help] [A [B]]" >&2
    exit 64
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REV_A=${1:-52e952f}
REV_B=${2:-HEAD}
ROUNDS=${ROUNDS:-5}
ROW=${ROW:-f:100:5000:100}
WARMUP=${WARMUP:-2}
DURATION=${DURATION:-5}
NICE=${NICE:-}
CG_ROUNDS=${CG_ROUNDS:-1}
FI_ROUNDS=${FI_ROUNDS:-3}
COUNT=${COUNT:-20000}
SAMPLES=${SAMPLES:-"small full"}
CG_AGENTS=${CG_AGENTS:-10}
CG_RATE=${CG_RATE:-50}
CG_SECONDS=${CG_SECONDS:-10}
CG_CLIENTS=${CG_CLIENTS:-10}
SKIP=" ${SKIP:-} "
TOLERANCE=${TOLERANCE:-3}
ANNOTATE=${ANNOTATE:-0}
JOBS=${JOBS:-2}
KEEP=${KEEP:-0}
PYTHON=/usr/bin/python3
for n in ROUNDS CG_ROUNDS FI_ROUNDS COUNT CG_AGENTS CG_RATE CG_SECONDS CG_CLIENTS JOBS; do
    [[ ${!n} =~ ^[0-9]+$ ]] || { echo "compare.sh: $n must be a whole number" >&2; exit 64; }
done
((COUNT >= 2)) || { echo "compare.sh: COUNT must be at least 2" >&2; exit 64; }
((CG_CLIENTS >= 1 && CG_RATE >= 1 && CG_AGENTS >= 1)) ||
    { echo "compare.sh: CG_CLIENTS, CG_RATE and CG_AGENTS must be at least 1" >&2; exit 64; }
s_part () { [[ $SKIP != *" $1 "* ]]; } # is this part to run?
if [[ ! -d $ROOT/web/node_modules ]]; then
    echo "compare.sh: $ROOT/web/node_modules is missing: run scripts/setup.sh (npm ci in web/)" >&2
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zapm-compare.XXXXXX")
PIDS=() # every process started in the background and not yet waited for

s_stop_all () {
    # Ends only the processes this script started, by pid (run.sh stops its own).
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
s_cleanup () {
    s_stop_all
    if [[ $KEEP == 1 ]]; then
        echo "kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap s_cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command in the background and waits for it, so that a signal can stop it.
s_run () {
    "$@" &
    PIDS=($!)
    local rc=0
    wait "${PIDS[0]}" || rc=$?
    PIDS=()
    return "$rc"
}
s_load () { cut -d' ' -f1-3 /proc/loadavg; }
# Two free loopback TCP ports (the kernel picks them; a tiny race is acceptable).
s_free_ports () {
    "$PYTHON" -c 'import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'
}
# Total instructions (Ir) of one callgrind profile.
s_total () { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }
# Median of whitespace-separated numbers, and their range.
s_median () {
    tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
                                   else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
s_range () { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | sed -n '1p;$p' | paste -sd' ' | sed 's/ / to /'; }
s_ratio () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b / a }'; }
OUTSIDE=""
s_verdict () { # label ratio: prints the change and whether it is within TOLERANCE
    local v
    v=$(awk -v r="$2" -v t="$TOLERANCE" 'BEGIN { d = (r - 1) * 100; printf "%+.2f %%, %s", d,
        (d <= t && d >= -t) ? "within" : "OUTSIDE" }')
    [[ $v == *OUTSIDE ]] && OUTSIDE+=" $1"
    echo "$v"
}
# Self Ir per function name of a profile, summed over files (paths differ between trees).
s_functions () {
    callgrind_annotate --threshold=100 --inclusive=no --auto=no "$1" 2>/dev/null |
        awk '/file:function/ { table = 1; next }
             table && $1 ~ /^[0-9,]+$/ {
                 ir = $1; gsub(/,/, "", ir)
                 name = $0
                 sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", name)
                 obj = ""
                 if (match(name, / +\[[^]]*\]$/)) {
                     obj = substr(name, RSTART); sub(/^ +\[/, "", obj); sub(/\]$/, "", obj)
                     sub(/^.*\//, "", obj)
                     name = substr(name, 1, RSTART - 1)
                 }
                 sub(/^.*:/, "", name)
                 if (name ~ /^0x/ && obj != "") name = name " (" obj ")"
                 sum[name] += ir
             }
             END { for (n in sum) print sum[n] "\t" n }'
}
# The functions that moved most: A's and B's profile (each optionally minus a baseline
# profile, "file-base"), each divided by its unit count.
s_moves () { # title unit_a unit_b total_a total_b profile_a [base_a] -- profile_b [base_b]
    local title=$1 unit_a=$2 unit_b=$3 total_a=$4 total_b=$5 f
    shift 5
    local args=()
    for f in "$@"; do
        if [[ $f == -- ]]; then args+=(--); else
            s_functions "$f" >"$f.fn"
            args+=("$f.fn")
        fi
    done
    echo
    echo "== $title: self instructions by function, A against B, largest moves first"
    "$PYTHON" - "$unit_a" "$unit_b" "$total_a" "$total_b" "${args[@]}" <<'EOF'
import sys
def load(path):
    out = {}
    for line in open(path):
        ir, name = line.rstrip("\n").split("\t", 1)
        out[name] = out.get(name, 0) + int(ir)
    return out
def side(paths, unit):
    prof = load(paths[0])
    for base in paths[1:]:
        for k, v in load(base).items():
            prof[k] = prof.get(k, 0) - v
    return {k: v / unit for k, v in prof.items()}
unit_a, unit_b, total_a, total_b = (float(x) for x in sys.argv[1:5])
rest = sys.argv[5:]
cut = rest.index("--")
a, b = side(rest[:cut], unit_a), side(rest[cut + 1:], unit_b)
# In a profile dumped mid-run (callgrind_control -d) the functions still on the stack
# (main, the thread starts) show their callees' cost as their own: left out.
stack = [k for k in set(a) | set(b)
         if abs(a.get(k, 0)) > total_a / 2 or abs(b.get(k, 0)) > total_b / 2]
for k in stack:
    a.pop(k, None)
    b.pop(k, None)
names = sorted(set(a) | set(b), key=lambda k: -abs(b.get(k, 0) - a.get(k, 0)))
print(f"   {'A':>10} {'B':>10} {'B-A':>9}  function")
for k in names[:15]:
    x, y = a.get(k, 0), b.get(k, 0)
    print(f"   {x:10.1f} {y:10.1f} {y - x:+9.1f}  {k}")
x, y = sum(a.values()), sum(b.values())
print(f"   {x:10.1f} {y:10.1f} {y - x:+9.1f}  (all of the above and the rest)")
print(f"   {total_a:10.1f} {total_b:10.1f} {total_b - total_a:+9.1f}  (the measured figure)")
if stack:
    print("   left out (on the stack at the dump, carrying their callees): " + ", ".join(sorted(stack)))
EOF
}

SHA_A=$(git -C "$ROOT" rev-parse --verify "$REV_A^{commit}")
SHA_B=$(git -C "$ROOT" rev-parse --verify "$REV_B^{commit}")
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(s_load)"
echo "A  $REV_A = $(git -C "$ROOT" log -1 --format='%h %s' "$SHA_A")"
echo "B  $REV_B = $(git -C "$ROOT" log -1 --format='%h %s' "$SHA_B")"

# --- build -------------------------------------------------------------------
for side in A B; do
    sha=SHA_$side
    src=$WORK/$side/src build=$WORK/$side/build
    mkdir -p "$src"
    git -C "$ROOT" archive "${!sha}" | tar -x -C "$src"
    # The dashboard's pinned npm packages are not in git: this checkout's (scripts/setup.sh).
    ln -s "$ROOT/web/node_modules" "$src/web/node_modules"
    echo "-- build $side (RelWithDebInfo) in $build"
    # The same cache for both: no browser tests, man pages or install tests (not
    # needed here), asserts off (the default), no -Werror (an older tree may warn
    # with a newer compiler without being slower).
    if ! s_run cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DZAPM_BROWSER_TESTS=OFF -DZAPM_MAN=OFF -DZAPM_INSTALL_TESTS=OFF \
        -DZAPM_WERROR=OFF -DZAPM_ASSERTS=OFF >"$WORK/$side/build.log" 2>&1 ||
        ! s_run cmake --build "$build" -j"$JOBS" --target zapm-collector zapm-loadgen \
            zapm-ssesink zapm-keygen bench-ingest >>"$WORK/$side/build.log" 2>&1; then
        tail -40 "$WORK/$side/build.log" >&2
        echo "compare.sh: the build of $side failed" >&2
        exit 1
    fi
    flags=$(awk -F= '/^CMAKE_C_FLAGS(_RELWITHDEBINFO)?:/ { printf "%s ", $2 }' "$build/CMakeCache.txt")
    cc=$(awk -F= '/^CMAKE_C_COMPILER:/ { print $2 }' "$build/CMakeCache.txt")
    echo "   $("$cc" --version | head -1), flags: ${flags% } (${SECONDS}s so far)"
done
TOOLS=$WORK/A/build/bin # the load tools of both sides

# --- ingest instructions: bench-ingest under callgrind ---------------------------
declare -A CG_PER CG_BASE
if s_part ingest && ((CG_ROUNDS > 0)); then
    echo
    echo "== ingest: valgrind --tool=callgrind bench-ingest --count $COUNT --sample {$SAMPLES}," \
        "$CG_ROUNDS round(s)"
    for sample in $SAMPLES; do
        for side in A B; do
            out=$WORK/cg.$side.$sample.base
            s_run valgrind --tool=callgrind --callgrind-out-file="$out" \
                "$WORK/$side/build/bin/bench-ingest" --count 1 --sample "$sample" \
                >/dev/null 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
            CG_BASE[$side.$sample]=$(s_total "$out")
        done
        for ((r = 1; r <= CG_ROUNDS; r++)); do
            order="A B"
            ((r % 2 == 0)) && order="B A"
            for side in $order; do
                out=$WORK/cg.$side.$sample.$r
                s_run valgrind --tool=callgrind --callgrind-out-file="$out" \
                    "$WORK/$side/build/bin/bench-ingest" --count "$COUNT" --sample "$sample" \
                    >"$out.stdout" 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
                total=$(s_total "$out")
                per=$(awk -v t="$total" -v b="${CG_BASE[$side.$sample]}" -v n="$COUNT" \
                    'BEGIN { printf "%.1f", (t - b) / (n - 1) }')
                CG_PER[$side.$sample]="${CG_PER[$side.$sample]:-} $per"
                printf '   %-5s round %d  %s  total %s Ir, total/count %.1f, per sample %s (start-up %s Ir)\n' \
                    "$sample" "$r" "$side" "$total" "$(awk -v t="$total" -v n="$COUNT" 'BEGIN { print t / n }')" \
                    "$per" "${CG_BASE[$side.$sample]}"
            done
        done
    done
fi

# --- fan-out CPU: run.sh -------------------------------------------------------
# run.sh reads BUILD_DIR/bin: one per side, the side's collector and A's tools.
for side in A B; do
    mkdir -p "$WORK/run.$side/bin"
    ln -s "$WORK/$side/build/bin/zapm-collector" "$WORK/run.$side/bin/zapm-collector"
    for tool in zapm-loadgen zapm-ssesink zapm-keygen; do
        ln -s "$TOOLS/$tool" "$WORK/run.$side/bin/$tool"
    done
done

# One field of run.sh's table row, found by its header's column (fields hold spaces).
s_column () { # file row-name header
    awk -v row="$2" -v head="$3" '
        /^row +agents/ { hdr = $0; next }
        hdr != "" && $1 == row {
            at = index(hdr, head)
            rest = substr(hdr, at + length(head))
            match(rest, /^ *[^ ]/)
            f = RSTART ? substr($0, at, length(head) + RLENGTH - 1) : substr($0, at)
            gsub(/^ +| +$/, "", f); print f; exit
        }' "$1"
}

declare -A FO_EV FO_CPU FO_DEL FO_OTHERS
FO_RATIOS="" FO_BAD=0
row_name=${ROW%%:*}
if s_part fanout-cpu && ((ROUNDS > 0)); then
    echo
    echo "== fan-out CPU: bench/collector/run.sh row $ROW, $ROUNDS round(s), warm-up ${WARMUP}s," \
        "window ${DURATION}s${NICE:+, nice $NICE}; collector per side, load tools of A (${SECONDS}s so far)"
    printf '   %-5s %-4s %9s %15s %13s %7s %9s %7s  %s\n' round side us/event "delivered ev/s" \
        "CPU % (loop)" "others %" lost resets note
    for ((r = 1; r <= ROUNDS; r++)); do
        order="A B"
        ((r % 2 == 0)) && order="B A"
        declare -A this=()
        counted=1
        for side in $order; do
            out=$WORK/fanout.$side.$r
            if ! s_run env BUILD_DIR="$WORK/run.$side" NO_BUILD=1 ROWS="$ROW" WARMUP="$WARMUP" \
                DURATION="$DURATION" NICE="$NICE" KEEP=0 "$ROOT/bench/collector/run.sh" >"$out" 2>&1; then
                cat "$out" >&2
                echo "compare.sh: run.sh failed for $side" >&2
                exit 1
            fi
            ev=$(s_column "$out" "$row_name" us/event)
            cpu=$(s_column "$out" "$row_name" "CPU % (loop)")
            del=$(s_column "$out" "$row_name" "delivered ev/s")
            oth=$(s_column "$out" "$row_name" "others CPU %")
            lost=$(s_column "$out" "$row_name" lost)
            lost=${lost%% *}
            resets=$(s_column "$out" "$row_name" resets)
            note=$(s_column "$out" "$row_name" note)
            printf '   %-5s %-4s %9s %15s %13s %7s %9s %7s  %s\n' "$r" "$side" "$ev" "$del" "$cpu" "$oth" \
                "$lost" "$resets" "$note"
            # A lagging sink (lost events, reset clients) is no measure of the collector.
            # A window cut short by a slow /metrics request still is: its CPU and its
            # clock are read together, over a steady rate.
            if [[ ! $ev =~ ^[0-9.]+$ || $lost != 0 || $resets != 0 ]]; then
                counted=0
                continue
            fi
            this[$side]=$ev
            FO_EV[$side]="${FO_EV[$side]:-} $ev"
            FO_CPU[$side]="${FO_CPU[$side]:-} ${cpu%% *}"
            FO_DEL[$side]="${FO_DEL[$side]:-} $del"
            FO_OTHERS[$side]="${FO_OTHERS[$side]:-} $oth"
        done
        if ((counted)); then
            FO_RATIOS+=" $(s_ratio "${this[A]}" "${this[B]}")"
        else
            FO_BAD=$((FO_BAD + 1))
            echo "   round $r not counted (lost events or reset clients)"
        fi
    done
fi

# --- fan-out instructions: the collector under callgrind -----------------------
# One run: the collector under callgrind, K clients (none if 0); its counters
# zeroed, the agents send CG_RATE x CG_SECONDS samples, the counters dumped
# (profile OUT.1), the sink ends and the collector stops. Sets FI_RESULT to "instructions delivered lost resets sent" (not a
# subshell, so that PIDS stays this shell's).
s_fanout_ir () { # side clients profile
    local side=$1 clients=$2 out=$3 zmq http pid sink_pid="" up=0 try
    # Another program can take a free port before the collector binds it: try again.
    for try in 1 2 3; do
        read -r zmq http < <(s_free_ports)
        valgrind --tool=callgrind --callgrind-out-file="$out" "$WORK/$side/build/bin/zapm-collector" \
            --bind "tcp://127.0.0.1:$zmq" --http "127.0.0.1:$http" --store none \
            --max-clients-per-address 0 >"$out.log" 2>&1 &
        pid=$!
        PIDS=("$pid")
        for _ in $(seq 150); do
            curl -sf --max-time 1 "http://127.0.0.1:$http/healthz" >/dev/null 2>&1 && { up=1; break; }
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        ((up)) && break
        s_stop_all
        echo "   (the collector did not come up, try $try: $(grep -m1 ' E: ' "$out.log" || echo no error line))"
    done
    if ((!up)); then
        cat "$out.log" >&2
        echo "compare.sh: zapm-collector of $side did not come up under valgrind" >&2
        exit 1
    fi
    if ((clients > 0)); then
        # Its window covers the whole send, so its sample count is every delivered sample.
        "$TOOLS/zapm-ssesink" --http "127.0.0.1:$http" --clients "$clients" --warmup 1 \
            --duration "$((CG_SECONDS + 4))" --max-agents "$CG_AGENTS" >"$out.sink" 2>&1 &
        sink_pid=$!
        PIDS+=("$sink_pid")
        sleep 1.5 # clients streaming before the first sample
    fi
    callgrind_control -z "$pid" >"$out.control" 2>&1 || true
    "$TOOLS/zapm-loadgen" --endpoint "tcp://127.0.0.1:$zmq" --agents "$CG_AGENTS" --rate "$CG_RATE" \
        --duration "$CG_SECONDS" >"$out.loadgen" 2>&1 &
    PIDS+=($!)
    wait "${PIDS[-1]}" || true
    sleep 0.5 # the last samples delivered
    callgrind_control -d "$pid" >>"$out.control" 2>&1 || true
    [[ -n $sink_pid ]] && { wait "$sink_pid" || true; }
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || true
    PIDS=()
    local sent delivered=0 lost=0 resets=0
    sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' "$out.loadgen")
    if ((clients > 0)); then
        delivered=$(sed -n 's/.* samples=\([0-9]*\).*/\1/p' "$out.sink")
        lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' "$out.sink")
        resets=$(sed -n 's/.* resets=\([0-9]*\).*/\1/p' "$out.sink")
    fi
    [[ -f $out.1 ]] || { cat "$out.control" >&2; echo "compare.sh: no callgrind dump" >&2; exit 1; }
    FI_RESULT="$(s_total "$out.1") ${delivered:-0} ${lost:-?} ${resets:-?} ${sent:-0}"
}

declare -A FI_PER FI_UNIT FI_ONE
if s_part fanout-ir && ((FI_ROUNDS > 0)); then
    echo
    echo "== fan-out instructions: zapm-collector under valgrind --tool=callgrind, $CG_AGENTS agents," \
        "$CG_RATE samples/s for ${CG_SECONDS}s, $CG_CLIENTS clients and none, $FI_ROUNDS round(s) (${SECONDS}s so far)"
    for ((r = 1; r <= FI_ROUNDS; r++)); do
        order="A B"
        ((r % 2 == 0)) && order="B A"
        for side in $order; do
            s_fanout_ir "$side" "$CG_CLIENTS" "$WORK/cgf.$side.k.$r"
            read -r ir_k delivered lost resets sent <<<"$FI_RESULT"
            s_fanout_ir "$side" 0 "$WORK/cgf.$side.0.$r"
            read -r ir_0 _ _ _ sent0 <<<"$FI_RESULT"
            expect=$((sent * CG_CLIENTS))
            per=$(awk -v k="$ir_k" -v z="$ir_0" -v d="$delivered" 'BEGIN { if (d > 0) printf "%.1f", (k - z) / d; else print "-" }')
            allin=$(awk -v k="$ir_k" -v d="$delivered" 'BEGIN { if (d > 0) printf "%.1f", k / d; else print "-" }')
            note=""
            [[ $sent != "$sent0" ]] && note+=" sent $sent and $sent0"
            [[ $delivered != "$expect" || $lost != 0 || $resets != 0 ]] &&
                note+=" delivered $delivered of $expect, lost $lost, resets $resets"
            printf '   round %d  %s  %s Ir with clients, %s without; delivered %s; per event %s (all-in %s)%s\n' \
                "$r" "$side" "$ir_k" "$ir_0" "$delivered" "$per" "$allin" "${note:+; NOT COUNTED:$note}"
            if [[ -z $note && $per != - ]]; then
                FI_PER[$side]="${FI_PER[$side]:-} $per"
                FI_UNIT[$side.$r]=$delivered
                ((r == 1)) && FI_ONE[$side]=$per
            fi
        done
    done
fi

# --- summary -------------------------------------------------------------------
echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), ${SECONDS}s in all, load average $(s_load))"
echo "A = $(git -C "$ROOT" rev-parse --short "$SHA_A"), B = $(git -C "$ROOT" rev-parse --short "$SHA_B");" \
    "tolerance ${TOLERANCE} %"
if [[ -n ${CG_PER[*]:-} ]]; then
    for sample in $SAMPLES; do
        a=$(s_median "${CG_PER[A.$sample]}") b=$(s_median "${CG_PER[B.$sample]}")
        ratio=$(s_ratio "$a" "$b")
        echo "ingest $sample: instructions per sample A $a, B $b; B/A $ratio ($(s_verdict "ingest-$sample" "$ratio"))"
    done
fi
if s_part fanout-cpu && ((ROUNDS > 0)); then
    if [[ -z $FO_RATIOS ]]; then
        echo "fan-out CPU row $ROW: no round counted (of $ROUNDS): no figure"
        OUTSIDE+=" fanout-cpu"
    else
        ratio=$(s_median "$FO_RATIOS")
        echo "fan-out CPU row $ROW: us per delivered event, median A $(s_median "${FO_EV[A]}")" \
            "($(s_range "${FO_EV[A]}")), B $(s_median "${FO_EV[B]}") ($(s_range "${FO_EV[B]}"))"
        echo "   B/A per counted round:$FO_RATIOS; median $ratio ($(s_verdict fanout-cpu "$ratio"));" \
            "$((ROUNDS - FO_BAD)) of $ROUNDS rounds counted"
        echo "   collector CPU % median A $(s_median "${FO_CPU[A]}"), B $(s_median "${FO_CPU[B]}");" \
            "delivered ev/s median A $(s_median "${FO_DEL[A]}"), B $(s_median "${FO_DEL[B]}")"
        echo "   noise: the rest of the machine meanwhile (others CPU %, of one core) A:${FO_OTHERS[A]}," \
            "B:${FO_OTHERS[B]}"
    fi
fi
if s_part fanout-ir && ((FI_ROUNDS > 0)); then
    if [[ -z ${FI_PER[A]:-} || -z ${FI_PER[B]:-} ]]; then
        echo "fan-out instructions: no round counted: no figure"
        OUTSIDE+=" fanout-ir"
    else
        a=$(s_median "${FI_PER[A]}") b=$(s_median "${FI_PER[B]}")
        ratio=$(s_ratio "$a" "$b")
        echo "fan-out instructions per delivered event (user space, clients minus none): median A $a" \
            "($(s_range "${FI_PER[A]}")), B $b ($(s_range "${FI_PER[B]}")); B/A $ratio ($(s_verdict fanout-ir "$ratio"))"
    fi
fi
[[ -n $OUTSIDE ]] && echo "outside the tolerance or not measured:$OUTSIDE"

# --- where: the functions that moved ---------------------------------------------
if [[ -n ${CG_PER[*]:-} ]]; then
    for sample in $SAMPLES; do
        [[ $ANNOTATE == 1 || $OUTSIDE == *" ingest-$sample"* ]] || continue
        s_moves "ingest $sample, per sample (start-up included)" "$COUNT" "$COUNT" \
            "$(awk -v t="$(s_total "$WORK/cg.A.$sample.1")" -v n="$COUNT" 'BEGIN { print t / n }')" \
            "$(awk -v t="$(s_total "$WORK/cg.B.$sample.1")" -v n="$COUNT" 'BEGIN { print t / n }')" \
            "$WORK/cg.A.$sample.1" -- "$WORK/cg.B.$sample.1"
    done
fi
if [[ -n ${FI_UNIT[A.1]:-} && -n ${FI_UNIT[B.1]:-} ]] && [[ $ANNOTATE == 1 || $OUTSIDE == *fanout* ]]; then
    s_moves "fan-out, per delivered event (with clients minus without, round 1)" \
        "${FI_UNIT[A.1]}" "${FI_UNIT[B.1]}" "${FI_ONE[A]}" "${FI_ONE[B]}" "$WORK/cgf.A.k.1.1" "$WORK/cgf.A.0.1.1" -- \
        "$WORK/cgf.B.k.1.1" "$WORK/cgf.B.0.1.1"
fi
exit 0
