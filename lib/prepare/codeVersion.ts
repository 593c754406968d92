/**
 * The code version stored with every run: the package version plus a digest of the engine sources that
 * determine the numbers (lib/{problem,regimes,schedule,linalg,random,io,data}, lib/types.ts). A finished
 * run is skipped on resume only when its config hash and this version both match, so editing the engine
 * makes the next invocation recompute instead of mixing curves from two versions.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";

const LIB = dirname(dirname(fileURLToPath(import.meta.url)));
const ENGINE_DIRS = ["problem", "regimes", "schedule", "linalg", "random", "io", "data"];

function files(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(files(p));
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

let cached: string | undefined;

export function codeVersion(): string {
  if (cached) return cached;
  const h = createHash("sha256");
  for (const f of [join(LIB, "types.ts"), ...ENGINE_DIRS.flatMap((d) => files(join(LIB, d)))]) {
    h.update(f.slice(LIB.length));
    h.update("\0");
    try {
      h.update(readFileSync(f));
    } catch {
      /* a file that vanished between listing and reading: ignore */
    }
  }
  let version = "0.0.0";
  try {
    version =
      (JSON.parse(readFileSync(join(dirname(LIB), "package.json"), "utf8")) as { version?: string }).version ?? version;
  } catch {
    /* no package.json next to lib/ */
  }
  cached = `${version}+${h.digest("hex").slice(0, 12)}`;
  return cached;
}
