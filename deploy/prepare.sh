#!/usr/bin/env bash
# The preparation step of a sharded sweep: each distinct dataset problem of the configs built once, into the
# shards' problem cache ($POWERLAW_SGD_SHARD_DIR/problems), before the shards start. Same variables as run-shard.sh.
set -euo pipefail
cd "${POWERLAW_SGD_ROOT:-$(dirname "$0")/..}"
[ $# -ge 1 ] || { echo "usage: deploy/prepare.sh CONFIG.json|DIR ..." >&2; exit 2; }
configs=()
for arg in "$@"; do
  if [ -d "$arg" ]; then configs+=("$arg"/*.json); else configs+=("$arg"); fi
done
node bin/powerlaw-sgd.js prepare "${configs[@]}" --db "${POWERLAW_SGD_SHARD_DIR:-data/shards}/"
