#!/usr/bin/env bash
# package.sh: build zapm's Debian packages (zapm, libzapm-dev) with CPack.
#
#   scripts/package.sh [BUILD_DIR]   configure BUILD_DIR (default build-package/)
#                                    for /usr, build it, run `cpack -G DEB` there,
#                                    and print the paths of the .deb files
#
# The build is out of tree and separate from build/, so packaging never mixes
# with a test build (no -Werror, no sanitizer: a release build). Install with
#   sudo apt-get install ./build-package/zapm_*.deb ./build-package/libzapm-dev_*.deb
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  -h|--help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "package.sh: unknown option '$1'" >&2
    echo "Try 'scripts/package.sh --help' for more information." >&2
    exit 2
    ;;
esac
build="$(realpath -m "${1:-$root/build-package}")"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DZAPM_WERROR=OFF -DZAPM_SANITIZE=OFF -DZAPM_FUZZ=OFF >/dev/null
cmake --build "$build" -j2 >/dev/null
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >/dev/null)
ls "$build"/*.deb
