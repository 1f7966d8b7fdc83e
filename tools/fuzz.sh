#!/usr/bin/env bash
# tools/fuzz.sh — fuzz the scenario loader and a bounded run with libFuzzer (clang,
# -fsanitize=fuzzer,address,undefined; harnesses in tests/fuzz/).
#   tools/fuzz.sh [SECONDS]     total time, split between the two harnesses (default 600)
# The seed corpus is every scenario under scenarios/ plus tests/fuzz/regressions/; the working
# corpus grows in build/fuzz/corpus/ across runs. A finding (crash, sanitizer report, timeout of
# 10 s per input, over 2 GB) stops that harness, leaves the input in build/fuzz/findings/ and
# makes the script exit 1: reduce it, fix the bug, and add it to tests/fuzz/regressions/ (the
# ctests fuzz_*_regressions replay it in every build). Without clang the script says so and
# exits 0 (nothing was fuzzed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
case "$seconds" in ''|*[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS]" >&2; exit 2 ;; esac

if ! "$root/tools/setup.sh" --fuzz || ! command -v clang++ >/dev/null; then
  echo "fuzz: SKIPPED — clang with libFuzzer is not installed and could not be installed (apt-get install clang)" >&2
  exit 0
fi

build="$root/build/fuzz"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKESIM_FUZZ=ON -DKESIM_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target fuzz_load fuzz_run

mkdir -p "$build/findings"
status=0
total=0
per=$(( seconds / 2 > 0 ? seconds / 2 : 1 ))
for h in load run; do
  corpus="$build/corpus/$h"
  mkdir -p "$corpus"
  log="$build/fuzz_$h.log"
  echo "== fuzz_$h: ${per}s =="
  # detect_stack_use_after_return=0: ASan's fake stacks do not follow fiber switches (README,
  # "Sanitizers"); leaks are checked by the ASan test build, not per fuzz input.
  if ASAN_OPTIONS=detect_stack_use_after_return=0:detect_leaks=0 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$build/tests/fuzz/fuzz_$h" "$corpus" "$root/scenarios" "$root/tests/fuzz/regressions" \
       -dict="$root/tests/fuzz/yaml.dict" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
       -max_len=16384 -print_final_stats=1 -artifact_prefix="$build/findings/$h-" >"$log" 2>&1; then
    :
  else
    status=1
    echo "fuzz_$h: FINDING — see $log and $build/findings/" >&2
    grep -E "^==[0-9]+==ERROR|^SUMMARY|Test unit written|ALARM|out-of-memory" "$log" | head -5 >&2 || true
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  echo "fuzz_$h: ${runs:-0} inputs executed, corpus $(ls "$corpus" | wc -l) files"
  total=$(( total + ${runs:-0} ))
done
echo "fuzz: $total inputs executed in total"
exit "$status"
