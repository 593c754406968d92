#!/usr/bin/env bash
# Writes the site's experiment definitions with a profile's patches applied (data/experiments/profiles/<profile>.json,
# as `npm run build` applies them) as config files that `run`, `prepare` and the shards take:
#
#   deploy/profile-configs.sh paper /shared/configs     → /shared/configs/<experiment>.json, one per definition
#
# A merged store of these runs is what `POWERLAW_SGD_PROFILE=paper POWERLAW_SGD_DB=<merged> npm run build` reads:
# the same configs give the same run identities, so the build computes nothing that the shards finished.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: deploy/profile-configs.sh PROFILE OUT_DIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
cd "$root"
node --import tsx --input-type=module -e '
  import { writeFileSync } from "node:fs";
  import { join } from "node:path";
  const { loadDefinitions } = await import("./loaders/definitions.ts");
  const [profile, out] = process.argv.slice(1);
  for (const d of loadDefinitions(profile)) {
    writeFileSync(join(out, `${d.name}.json`), JSON.stringify(d.config, null, 2) + "\n");
    console.log(join(out, `${d.name}.json`));
  }' "$1" "$out"
