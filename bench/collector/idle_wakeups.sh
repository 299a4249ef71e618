#!/bin/sh
# idle_wakeups.sh COLLECTOR [SECONDS]: how often an idle collector's threads wake.
# Starts COLLECTOR with a fresh store in a temporary directory (no agents, no
# clients), lets it settle 3 s, then prints each thread's voluntary context
# switches over SECONDS (default 30), by thread name, from /proc/PID/task/TID/status.
set -eu
bin=$1
secs=${2:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" --bind tcp://127.0.0.1:0 --http 127.0.0.1:0 --store "$dir/zapm.db" >"$dir/log" 2>&1 &
pid=$!
sleep 3
snap() {
    for t in /proc/$pid/task/*; do
        printf '%s %s %s\n' "$(basename "$t")" "$(cat "$t/comm")" \
            "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")"
    done | sort
}
snap >"$dir/a"
sleep "$secs"
snap >"$dir/b"
join "$dir/a" "$dir/b" | awk -v s="$secs" \
    '{d = $5 - $3; t += d; printf "%-16s %6d wake-ups in %d s\n", $2, d, s}
     END {printf "%-16s %6d\n", "total", t}'
kill "$pid"
wait "$pid" || true
