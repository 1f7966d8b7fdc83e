#!/usr/bin/env bash
# tools/update-golden.sh — regenerates tests/golden/*.txt from the scenarios they name (first
# line: "# scenarios/…yaml"). Review `git diff tests/golden` before committing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kesim="$root/build/test/tools/kesim/kesim"
[ -x "$kesim" ] || kesim="$root/build/tools/kesim/kesim"
for g in "$root"/tests/golden/*.txt; do
  scenario="$(head -n1 "$g" | sed 's/^# //')"
  read -r -a args <<< "$scenario"  # FILE, or FILE --schedule TOKEN (a replay's Schedule section)
  { echo "# $scenario"; (cd "$root" && "$kesim" run "${args[@]}" || true); } > "$g.new"
  mv "$g.new" "$g"
done
# Outcome, trace hash and JSON hash of every scenario at seeds 0 and 3 (tests/golden/digests.list).
test_bin="$root/build/test/tests/run_test"
[ -x "$test_bin" ] && KESIM_UPDATE_GOLDEN=1 "$test_bin" --gtest_filter='Run.JsonAndTraceAreTheSameOnEveryBuildType' >/dev/null
