#!/usr/bin/env bash
# idle_wakeups.sh: how often an idle zapm-collector's threads wake. Not a ctest test.
#
# Starts the collector on free loopback ports with no agent and no client, lets
# it settle 2 s, then counts each thread's context switches over SECONDS from
# /proc/PID/task/TID/status: a voluntary switch is a sleep that ended, so it
# counts wake-ups. The loop thread is the one whose TID is the PID. The issue 17
# goal: an idle collector wakes only for its timers, a few times a second at most.
#
# Usage: bench/collector/idle_wakeups.sh COLLECTOR [none|file] [SECONDS]
#   none: --store none (the default); file: a store in a temporary directory.
set -euo pipefail
bin=${1:?usage: idle_wakeups.sh COLLECTOR [none|file] [SECONDS]}
store=${2:-none}
secs=${3:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
[ "$store" = file ] && store=$dir/zapm.db
"$bin" --bind tcp://127.0.0.1:0 --http 127.0.0.1:0 --store "$store" >"$dir/log" 2>&1 &
pid=$!
sleep 2
snap() {
    for task in /proc/$pid/task/*; do
        printf '%s %s %s %s\n' "${task##*/}" "$(cat "$task/comm")" \
            "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status")" \
            "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$task/status")"
    done | sort
}
snap >"$dir/before"
sleep "$secs"
snap >"$dir/after"
kill -TERM "$pid"
wait "$pid" || true
echo "zapm-collector --store ${2:-none}, idle for $secs s: wake-ups (voluntary context switches) per thread"
join "$dir/before" "$dir/after" | awk -v pid="$pid" '{
    printf "  %-16s %6d%s\n", $2, $6 - $3, $1 == pid ? "   (the loop thread)" : "" }'
