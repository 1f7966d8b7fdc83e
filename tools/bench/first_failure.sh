#!/usr/bin/env bash
# tools/bench/first_failure.sh [KESIM] [RUNS] — time from process start to the first failing
# schedule of the ABBA classroom scenario: `kesim explore` (default portfolio) is started RUNS
# times (default 11) and the wall time of each whole process (load, exploration, shrinking,
# printing, exit) is measured; prints min and median in ms, and the load average (the machines
# are shared: BENCHMARKS.md). Target (issue #9 item 6): under 50 ms.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kesim="${1:-$root/build/bench/tools/kesim/kesim}"
runs="${2:-11}"
scenario="$root/scenarios/classroom/abba_found_by_exploration.yaml"
times=()
for ((i = 0; i < runs; i++)); do
  start=$(date +%s%N)
  set +e
  out=$("$kesim" explore "$scenario")
  rc=$?
  set -e
  end=$(date +%s%N)
  if [ "$rc" -ne 1 ]; then
    echo "first_failure.sh: kesim explore did not find the deadlock (exit $rc): $out" >&2
    exit 1
  fi
  times+=($(( (end - start) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
min=${sorted[0]}
median=${sorted[$(( runs / 2 ))]}
printf 'abba_found_by_exploration: first failing schedule, process start to exit: min %d.%03d ms, median %d.%03d ms (%d runs; load %s)\n' \
  $((min / 1000)) $((min % 1000)) $((median / 1000)) $((median % 1000)) "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$out" | head -n 1
