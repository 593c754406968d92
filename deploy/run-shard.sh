#!/usr/bin/env bash
# One shard of a sweep, as a Slurm array task or a Kubernetes Indexed Job pod runs it: this process's shard
# (--shard auto: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, and POWERLAW_SGD_SHARDS) of every config given, into
# $POWERLAW_SGD_SHARD_DIR/shard-<i>-of-<n>.duckdb. Running it again resumes: finished runs are kept and skipped.
#
#   deploy/run-shard.sh CONFIG.json|DIR ...      (a folder: its *.json configs, in name order)
#
# POWERLAW_SGD_ROOT     the checkout (default: the one holding this script); relative paths are taken from it
# POWERLAW_SGD_SHARD_DIR  the shared folder of the shard stores and of their problem cache (default data/shards)
# POWERLAW_SGD_CONCURRENCY worker threads (default: the task's cpus, SLURM_CPUS_PER_TASK, else 1)
set -euo pipefail
cd "${POWERLAW_SGD_ROOT:-$(dirname "$0")/..}"
dir=${POWERLAW_SGD_SHARD_DIR:-data/shards}
threads=${POWERLAW_SGD_CONCURRENCY:-${SLURM_CPUS_PER_TASK:-1}}
[ $# -ge 1 ] || { echo "usage: deploy/run-shard.sh CONFIG.json|DIR ..." >&2; exit 2; }
configs=()
for arg in "$@"; do
  if [ -d "$arg" ]; then configs+=("$arg"/*.json); else configs+=("$arg"); fi
done
for config in "${configs[@]}"; do
  node bin/powerlaw-sgd.js run "$config" --shard auto --db "$dir/" --concurrency "$threads"
done
