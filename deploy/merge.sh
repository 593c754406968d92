#!/usr/bin/env bash
# The merge step of a sharded sweep: every shard store of $POWERLAW_SGD_SHARD_DIR into $POWERLAW_SGD_DB (kept and
# merged into when it exists). Exit 1 names the shards that are missing or unfinished (what is finished is merged).
#
# POWERLAW_SGD_ROOT       the checkout (default: the one holding this script)
# POWERLAW_SGD_SHARD_DIR  the shard stores' folder (default data/shards)
# POWERLAW_SGD_DB         the merged store (default data/results.duckdb); `npm run build` and `query` read it
set -euo pipefail
cd "${POWERLAW_SGD_ROOT:-$(dirname "$0")/..}"
node bin/powerlaw-sgd.js merge "${POWERLAW_SGD_SHARD_DIR:-data/shards}" --db "${POWERLAW_SGD_DB:-data/results.duckdb}"
