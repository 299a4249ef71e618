#!/usr/bin/env bash
# setup.sh: install what zapm's build, demo and tests need, and nothing more.
#
# Debian packages are checked one by one with dpkg-query; only when some are
# missing does it run ONE `apt-get update` and one `apt-get install` of exactly
# those. Then `npm ci` in web/ from the committed lock file, only when
# web/node_modules is missing or older than web/package-lock.json.
# Idempotent and quiet when everything is already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake pkg-config
  libzmq3-dev libczmq-dev libmicrohttpd-dev libcjson-dev libgnutls28-dev libcrypt-dev
  libsqlite3-dev sqlite3
  openssl whois
  python3 python3-psutil python3-zmq
  chromium
  clang clang-format valgrind curl procps
  libcurl4-openssl-dev libsnappy-dev prometheus victoria-metrics openssl
  # man pages from --help; the install tests: man -l, systemd-analyze, dpkg-shlibdeps
  help2man man-db systemd dpkg-dev
)
# A node from another source (e.g. nodesource's nodejs, which bundles npm) is fine.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The dashboard's pinned npm dependencies (uPlot, playwright-core).
web="$root/web"
if [[ -f "$web/package-lock.json" ]]; then
  if [[ ! -d "$web/node_modules" || "$web/package-lock.json" -nt "$web/node_modules" ]]; then
    echo "setup: npm ci in web/"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$web/node_modules"
  fi
fi
