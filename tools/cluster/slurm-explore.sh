#!/usr/bin/env bash
# tools/cluster/slurm-explore.sh — `kesim explore` as a Slurm job array: N shards
# (`--shard I/N`, one array task each) and a merge job that runs when they have all ended.
#
#   tools/cluster/slurm-explore.sh submit SCENARIO N OUTDIR [explore options...]
#       sbatch --array=1-N (this script, task mode), then a merge job with
#       --dependency=afterany:<array job>; prints both job ids.
#   tools/cluster/slurm-explore.sh task SCENARIO N OUTDIR [explore options...]
#       one shard: I from SLURM_ARRAY_TASK_ID (Slurm sets it in every task of an array job,
#       https://slurm.schedmd.com/job_array.html); writes OUTDIR/shard-I.json.
#   tools/cluster/slurm-explore.sh merge SCENARIO N OUTDIR
#       kesim explore --merge OUTDIR/shard-*.json; writes OUTDIR/merged.json and prints the
#       verdict; exit 1 when a shard found a breaking schedule, as `kesim explore` does.
#
# KESIM (default: build/test/tools/kesim/kesim under the repository) names the binary; every
# node must see it and OUTDIR (a shared file system). Give the same explore options to every
# mode: the shards must explore the same thing (merge refuses parts that do not fit).
set -euo pipefail

mode=${1:?usage: slurm-explore.sh submit|task|merge SCENARIO N OUTDIR [explore options...]}
scenario=${2:?scenario file}
count=${3:?number of shards}
outdir=${4:?output directory}
shift 4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kesim=${KESIM:-$here/../../build/test/tools/kesim/kesim}

case "$mode" in
  submit)
    mkdir -p "$outdir"
    array=$(sbatch --parsable --array="1-$count" --job-name=kesim-explore \
              --output="$outdir/shard-%a.log" \
              "$here/slurm-explore.sh" task "$scenario" "$count" "$outdir" "$@")
    merge=$(sbatch --parsable --dependency="afterany:$array" --job-name=kesim-merge \
              --output="$outdir/merge.log" \
              "$here/slurm-explore.sh" merge "$scenario" "$count" "$outdir")
    echo "array job $array, merge job $merge; results in $outdir/merged.json"
    ;;
  task)
    index=${SLURM_ARRAY_TASK_ID:?not in a Slurm array task (SLURM_ARRAY_TASK_ID unset)}
    mkdir -p "$outdir"
    # Exit 1 means "found": that is a result, not a failed task.
    status=0
    "$kesim" explore "$scenario" --shard "$index/$count" --format json "$@" \
      > "$outdir/shard-$index.json.tmp" || status=$?
    [ "$status" -le 1 ] || exit "$status"
    mv "$outdir/shard-$index.json.tmp" "$outdir/shard-$index.json"
    ;;
  merge)
    parts=()
    for ((i = 1; i <= count; i++)); do parts+=("$outdir/shard-$i.json"); done
    status=0
    "$kesim" explore "$scenario" --merge "${parts[@]}" --format json > "$outdir/merged.json" || status=$?
    [ "$status" -le 1 ] || exit "$status"
    "$kesim" explore "$scenario" --merge "${parts[@]}" || true
    exit "$status"
    ;;
  *)
    echo "slurm-explore.sh: unknown mode '$mode' (submit, task or merge)" >&2
    exit 2
    ;;
esac
