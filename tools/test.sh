#!/usr/bin/env bash
# tools/test.sh — every test: installs dependencies, builds, runs the unit tests and the
# scenario suite (ctest), then the same under AddressSanitizer + UndefinedBehaviorSanitizer.
#   tools/test.sh            both configurations, then a one-minute fuzz smoke run
#   tools/test.sh --fast     the optimized build only
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"
# --browser: chromium for the HTML report test (tests/html), which CI must run, not skip.
"$root/tools/setup.sh" --browser

run_config() {  # name, extra cmake args...
  local dir="$root/build/$1"; shift
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

echo "== optimized build =="
run_config test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKESIM_BENCH=ON
if [ "${1:-}" != "--fast" ]; then
  echo "== ASan + UBSan build =="
  # Fibers: sim/fiber/fiber.cpp tells ASan about every stack switch; the fake stack for
  # detect_stack_use_after_return does not follow fibers, so it is off.
  ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_config asan -DCMAKE_BUILD_TYPE=Debug -DKESIM_SANITIZE=ON -DKESIM_BENCH=OFF
  echo "== fuzz smoke (tools/fuzz.sh ${KESIM_FUZZ_SECONDS:-60}) =="
  # clang/libFuzzer: skipped with a message when clang cannot be installed.
  "$root/tools/fuzz.sh" "${KESIM_FUZZ_SECONDS:-60}"
fi
