// Fails when a code line is longer than 120 characters (the formatter wraps code but not long strings or
// comments). Checks the files Biome checks plus the kernel sources it does not parse (wasm/src, native).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const MAX = 120;
const ROOTS = ["lib", "test", "bench", "loaders", "scripts", "bin", "src/components", "src/data", "src/live"];
const CODE = /\.(ts|mjs|js|c|h|wat)$/;
const SKIP = /(^|\/)(node_modules|\.observablehq)(\/|$)|\.bundle\.js$/;

function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const p = join(dir, name);
    if (SKIP.test(p)) return [];
    return statSync(p).isDirectory() ? walk(p) : CODE.test(name) ? [p] : [];
  });
}

const long = [];
for (const file of ROOTS.flatMap(walk)) {
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if ([...line].length > MAX) long.push(`${file}:${i + 1}: ${[...line].length} characters`);
    });
}
if (long.length) {
  console.error(`${long.length} line(s) over ${MAX} characters:\n${long.join("\n")}`);
  process.exit(1);
}
