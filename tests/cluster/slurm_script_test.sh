#!/usr/bin/env bash
# tests/cluster/slurm_script_test.sh KESIM — tools/cluster/slurm-explore.sh's shard tasks run as
# plain processes (SLURM_ARRAY_TASK_ID set by hand, as Slurm would), then its merge: the merged
# verdict and schedule count equal one unsharded `kesim explore`. With KESIM_SLURM=1 and a
# running Slurm (sbatch, e.g. a single-node slurm-wlm), it also submits the real array job and
# waits for the merge — optional, not part of the default CI.
set -euo pipefail
kesim=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script=$root/tools/cluster/slurm-explore.sh
scenario=$root/scenarios/basics/semaphore.yaml
opts=(--strategy dfs --preemption-bound 3)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

one=$("$kesim" explore "$scenario" "${opts[@]}" --format json)
for i in 1 2 3; do SLURM_ARRAY_TASK_ID=$i KESIM=$kesim "$script" task "$scenario" 3 "$out" "${opts[@]}"; done
KESIM=$kesim "$script" merge "$scenario" 3 "$out" > "$out/merge.txt"
python3 - "$out/merged.json" <<PY
import json, sys
one = json.loads('''$one''')
merged = json.load(open(sys.argv[1]))
for key in ("found", "schedules", "verdict", "exhausted"):
    assert merged[key] == one[key], (key, merged[key], one[key])
print("shards 1/3..3/3 merged:", merged["verdict"], "-", merged["schedules"], "schedules, as one run")
PY
grep -q "no schedule breaks the expectation: exhaustive up to 3 preemptions" "$out/merge.txt"

# A task outside a Slurm array is refused, not run as shard "/3".
if KESIM=$kesim "$script" task "$scenario" 3 "$out" 2>/dev/null; then echo "task without SLURM_ARRAY_TASK_ID ran" >&2; exit 1; fi

if [ "${KESIM_SLURM:-0}" = 1 ] && command -v sbatch >/dev/null; then
  real=$(mktemp -d /tmp/kesim-slurm.XXXXXX)
  KESIM=$kesim "$script" submit "$scenario" 3 "$real" "${opts[@]}"
  for _ in $(seq 1 120); do [ -f "$real/merged.json" ] && break; sleep 1; done
  python3 -c "import json,sys; m=json.load(open('$real/merged.json')); o=json.loads('''$one'''); assert m['verdict']==o['verdict'], m" 
  echo "real Slurm array job: same verdict"
fi
