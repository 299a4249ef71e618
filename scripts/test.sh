#!/usr/bin/env bash
# test.sh: set up, build and run every zapm test with ctest.
#
#   scripts/test.sh              build/ with warnings as errors and asserts on
#   scripts/test.sh --sanitize   build-sanitize/ with ASan + UBSan as well
#   scripts/test.sh --tsan       build-tsan/ with ThreadSanitizer; runs only the
#                                threaded tests (ctest -L threads): workers, store,
#                                auth, remote write, agent threads, every e2e test
#
# Exits non-zero on any failure: setup, configure, build or a single test.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

build=build
flags=(-DZAPM_WERROR=ON -DZAPM_ASSERTS=ON)
ctest_args=()
case "${1:-}" in
  "") ;;
  --sanitize)
    build=build-sanitize
    flags+=(-DZAPM_SANITIZE=ON)
    # Fail on the first report, print stacks that name our code.
    export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    ;;
  --tsan)
    build=build-tsan
    flags+=(-DZAPM_TSAN=ON)
    ctest_args+=(-L threads)
    # Exit (code 66) on the first race or lock-order inversion, so that a test whose
    # program reports one fails; both stacks of an inversion; libzmq's and czmq's own
    # internals, which are not built with TSan, suppressed (each entry says why).
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp}"
    ;;
  -h|--help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "test.sh: unknown option '$1'" >&2
    echo "Try 'scripts/test.sh --help' for more information." >&2
    exit 2
    ;;
esac

phase() { printf '\n==> %s\n' "$*"; }
start=$SECONDS

phase "setup (Debian packages, web/node_modules)"
scripts/setup.sh

phase "configure $build/ (${flags[*]})"
cmake -S . -B "$build" "${flags[@]}"

phase "build $build/ (-j2)"
cmake --build "$build" -j2

phase "test $build/ (ctest, ${ctest_args[*]:-every test})"
status=0
ctest --test-dir "$build" --output-on-failure "${ctest_args[@]}" || status=$?

phase "done in $((SECONDS - start)) s: $([[ $status == 0 ]] && echo PASS || echo FAIL)"
exit "$status"
