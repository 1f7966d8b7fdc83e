#!/usr/bin/env bash
# tools/bench/run.sh — the benchmark figures: Google Benchmark suite (optimized build), the
# seed race at 1000 files, and peak memory of the 100,000-thread scenario. Not part of CI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build/bench"
"$root/tools/setup.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKESIM_TESTS=OFF -DKESIM_BENCH=ON >/dev/null
cmake --build "$build" --target kesim kesim_bench
"$build/tools/bench/kesim_bench" --benchmark_min_time="${BENCH_MIN_TIME:-1}"
echo "== time to the first failing schedule (ABBA classroom scenario)"
"$root/tools/bench/first_failure.sh" "$build/tools/kesim/kesim"
echo "== file_race_1000 (host time)"
/usr/bin/env time -f "%e s, peak %M KiB" "$build/tools/kesim/kesim" run "$root/scenarios/seeds/file_race_1000.yaml" | tail -n 1
echo "== 100,000 threads, all blocked at once (host time, peak memory)"
/usr/bin/env time -f "%e s, peak %M KiB" "$build/tools/kesim/kesim" run "$root/tools/bench/scenarios/threads_100k.yaml" | tail -n 1
