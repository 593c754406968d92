#!/usr/bin/env bash
# A sharded sweep on Slurm: prepare → a job array of n shards → merge, chained with --dependency=afterok.
#
#   deploy/slurm/submit.sh N CONFIG.json ...            the whole sweep
#   deploy/slurm/submit.sh -a 2,5 N CONFIG.json ...     resubmit array tasks 2 and 5 (shards 3 and 6), then merge
#
# Prints `prepare=<job> array=<job> merge=<job>`. A task that fails or is cancelled cancels the merge (its
# dependency can no longer be met: --kill-on-invalid-dep); resubmit that task with -a (it resumes its shard store)
# and a new merge follows it. The submitting shell's environment goes with the jobs (sbatch --export=ALL):
#   POWERLAW_SGD_ROOT       the checkout, on storage every node mounts (default: the one holding this script)
#   POWERLAW_SGD_SHARD_DIR  shared folder for the shard stores and the problem cache (default $ROOT/data/shards)
#   POWERLAW_SGD_DB         the merged store (default $ROOT/data/results.duckdb)
#   SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, …   read by sbatch itself
# Relative config paths are taken from POWERLAW_SGD_ROOT. Job logs go to the submitting folder.
set -euo pipefail
usage() {
  echo "usage: deploy/slurm/submit.sh [-a INDICES] N CONFIG.json ..." >&2
  exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
export POWERLAW_SGD_ROOT=${POWERLAW_SGD_ROOT:-$(cd "$here/../.." && pwd)}
indices=""
while getopts "a:" opt; do
  case $opt in
    a) indices=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
n=$1
shift
[[ $n =~ ^[1-9][0-9]*$ ]] || usage
# the shard count, for every task (a task resubmitted alone cannot read it from its array)
export POWERLAW_SGD_SHARDS=$n
job() { sbatch --parsable "$@" | cut -d';' -f1; }
prepare=none
after=()
if [ -z "$indices" ]; then
  prepare=$(job "$here/prepare.sbatch" "$@")
  after=(--dependency="afterok:$prepare" --kill-on-invalid-dep=yes)
  indices="0-$((n - 1))"
fi
array=$(job "${after[@]}" --array="$indices" "$here/shard.sbatch" "$@")
merge=$(job --dependency="afterok:$array" --kill-on-invalid-dep=yes "$here/merge.sbatch")
echo "prepare=$prepare array=$array merge=$merge"
