#!/usr/bin/env bash
# The Kubernetes recipe end to end: the Indexed Job of shards, then (when every index succeeded) the merge Job.
# Kubernetes has no dependencies between Jobs: this script waits. Rerunning it is safe: finished runs are skipped,
# and the merge keeps what the merged store holds.
#   deploy/kubernetes/run.sh [NAMESPACE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=(--namespace "${1:-default}")
kubectl "${ns[@]}" delete job powerlaw-sgd-sweep powerlaw-sgd-merge --ignore-not-found
kubectl "${ns[@]}" apply -f "$here/sweep.yaml"
conditions() { kubectl "${ns[@]}" get job powerlaw-sgd-sweep -o jsonpath='{.status.conditions[*].type}'; }
# wait for Complete or Failed, whichever comes first
until conditions | grep -qE 'Complete|Failed'; do sleep 30; done
if ! conditions | grep -q Complete; then
  failed=$(kubectl "${ns[@]}" get job powerlaw-sgd-sweep -o jsonpath='{.status.failedIndexes}')
  echo "the sweep failed (failed indexes: $failed); fix the cause and run this again (finished runs are" >&2
  echo "kept), or merge what is there: kubectl apply -f $here/merge.yaml" >&2
  exit 1
fi
kubectl "${ns[@]}" apply -f "$here/merge.yaml"
kubectl "${ns[@]}" wait --for=condition=complete --timeout=2h job/powerlaw-sgd-merge
kubectl "${ns[@]}" logs job/powerlaw-sgd-merge
