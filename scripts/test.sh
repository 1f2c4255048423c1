#!/usr/bin/env bash
# The whole test suite: installs missing packages, builds kifu twice (normal,
# and with AddressSanitizer + UndefinedBehaviorSanitizer) and runs every unit
# and end-to-end test through ctest in both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for cfg in normal asan; do
  dir=build-test-$cfg
  extra=()
  [ $cfg = asan ] && extra=(-DKIFU_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  echo "== $cfg build" >&2
  cmake -S . -B "$dir" "${extra[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs" >/dev/null
  echo "== $cfg tests" >&2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
