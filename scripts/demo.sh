#!/usr/bin/env bash
# demo.sh: the book's APM demo, in C. Builds zapm, starts the collector (its
# history in build/demo-state/zapm.db, so a restarted demo shows the last run)
# and three demo services as in the book (red; blue leaking 10000 and green
# 100000 8-byte items per iteration), prints the dashboard URL; Ctrl-C stops all.
#
# Usage: scripts/demo.sh [--bind ENDPOINT] [--http ADDR:PORT] [--duration S]
#   --bind      ZeroMQ endpoint the collector binds for agents (env ZAPM_BIND,
#               default tcp://*:5555)
#   --http      address the dashboard is served on (env ZAPM_HTTP,
#               default 127.0.0.1:8088)
#   --duration  stop by itself after S seconds (default: run until Ctrl-C)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bind="${ZAPM_BIND:-tcp://*:5555}"
http="${ZAPM_HTTP:-127.0.0.1:8088}"
duration=""

usage() { sed -n '7,12p' "$0" | sed 's/^# \{0,1\}//'; }
die_usage() {
  echo "demo.sh: $*" >&2
  echo "Try 'scripts/demo.sh --help' for more information." >&2
  exit 2
}
while (($#)); do
  case "$1" in
    --bind) (($# >= 2)) || die_usage "--bind needs a value"; bind="$2"; shift 2 ;;
    --http) (($# >= 2)) || die_usage "--http needs a value"; http="$2"; shift 2 ;;
    --duration)
      (($# >= 2)) || die_usage "--duration needs a value"
      [[ "$2" =~ ^[0-9]+$ && "$2" -gt 0 ]] || die_usage "--duration wants whole seconds > 0, not '$2'"
      duration="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
  esac
done

# Agents connect where the collector binds: tcp://*:P -> tcp://localhost:P.
connect="${bind/\*/localhost}"
connect="${connect/0.0.0.0/localhost}"

echo "==> setup"
scripts/setup.sh
echo "==> build build/"
cmake -S . -B build -DZAPM_WERROR=ON >/dev/null
cmake --build build -j2 --target zapm-collector zapm-demo >/dev/null

bin="$root/build/bin"
pids=()
stopping=0
stop_all() {
  ((stopping)) && return
  stopping=1
  ((${#pids[@]})) || return 0
  echo
  echo "==> stopping"
  # Demo services first, then the collector, so it sees them leave.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
  done
  for _ in $(seq 30); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# History is kept under the build tree, so a demo started again shows the
# earlier run (delete build/demo-state/ to start afresh).
store="$root/build/demo-state/zapm.db"
mkdir -p -m 0700 "$root/build/demo-state"
echo "==> starting zapm-collector --bind $bind --http $http --store $store"
"$bin/zapm-collector" --bind "$bind" --http "$http" --store "$store" &
pids+=($!)
sleep 0.3
kill -0 "${pids[0]}" 2>/dev/null || { echo "demo.sh: zapm-collector did not start" >&2; exit 1; }

"$bin/zapm-demo" --connect "$connect" --name red --color red &
pids+=($!)
"$bin/zapm-demo" --connect "$connect" --name blue --color blue --leak 10000 &
pids+=($!)
"$bin/zapm-demo" --connect "$connect" --name green --color green --leak 100000 &
pids+=($!)

echo
echo "    Dashboard: http://$http/"
if [[ -n "$duration" ]]; then
  echo "    (stopping by itself in $duration s)"
else
  echo "    (Ctrl-C to stop)"
fi
echo

# Wait for Ctrl-C, the duration, or any process dying.
deadline=$((SECONDS + ${duration:-0}))
while :; do
  for p in "${pids[@]}"; do
    if ! kill -0 "$p" 2>/dev/null; then
      # Ctrl-C reaches the whole process group at once: give the INT trap a
      # moment to run before calling it an early exit.
      sleep 0.3
      echo "demo.sh: process $p exited early" >&2
      exit 1
    fi
  done
  if [[ -n "$duration" ]] && ((SECONDS >= deadline)); then break; fi
  sleep 0.5
done
exit 0
