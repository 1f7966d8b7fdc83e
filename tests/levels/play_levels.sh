#!/usr/bin/env bash
# tests/levels/play_levels.sh KESIM — every level solved through `kesim play` on stdin, as a
# student types it: for each level's solution token (scenarios/levels/solutions.txt), one
# line per choice point with the number of the pick (play numbers choices from 1; the
# token's picks count from 0), then `quit`. Play must announce "Goal reached!" and print the
# same token, which `kesim replay` then reproduces (tests/levels/levels_test.py).
set -euo pipefail
kesim=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
solved=0
while read -r file token; do
  case "$file" in ''|'#'*) continue ;; esac
  [ "$token" = exhaustive ] && continue
  level="$root/scenarios/levels/$file"
  picks=${token#*/dfs:}
  out=$( { for p in ${picks//./ }; do echo $((p + 1)); done; echo quit; } | "$kesim" play "$level" 2>&1 || true)
  if ! grep -q "^Goal reached!" <<<"$out"; then
    echo "FAIL $file: typing $picks did not reach the goal"; echo "$out" | tail -20; exit 1
  fi
  if ! grep -q "^schedule: $token\$" <<<"$out"; then
    echo "FAIL $file: play printed $(grep '^schedule:' <<<"$out"), expected $token"; exit 1
  fi
  solved=$((solved + 1))
done < "$root/scenarios/levels/solutions.txt"
echo "$solved levels solved through kesim play"
[ "$solved" -ge 24 ]
