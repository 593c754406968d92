/**
 * The code version stored with every run and every cached problem: the package version plus a digest of exactly
 * the sources that can change a stored number. A finished run is skipped on resume only when its config hash and
 * this version both match, so editing such code recomputes instead of mixing curves from two versions, while
 * editing anything else (CLI help, the site, the live display, theory tables) keeps the cache.
 *
 * Which sources: the files reachable by value imports (static and dynamic; `import type` cannot change a number)
 * from the modules that compute and record numbers — NUMBER_ENTRIES: run execution (lib/run/execute.ts, with
 * every regime, schedule and kernel it calls), the recording filter (lib/run/record.ts), and problem building
 * (lib/prepare/problem.ts, lib/prepare/dataset.ts) — plus every kernel source compiled at install
 * (lib/**∕wasm/src/*, *.wat, lib/**∕native/*.{c,h}, lib/linalg/assembly/*), which no import line names.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const LIB = dirname(dirname(fileURLToPath(import.meta.url)));

/** The modules whose code decides stored numbers (paths relative to lib/). */
export const NUMBER_ENTRIES = ["run/execute.ts", "run/record.ts", "prepare/problem.ts", "prepare/dataset.ts"];

/** Relative specifiers of a module's value imports (`import type` / `export type` lines are skipped). */
export function valueImports(source: string): string[] {
  const out: string[] = [];
  const statement = /(?:^|[;\n])\s*(import|export)(\s+type\b)?[^;"'`]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of source.matchAll(statement)) if (!m[2]) out.push(m[3]);
  for (const m of source.matchAll(/(?:^|[^\w.])import\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    // `typeof import("…")` is a type
    const before = source.slice(Math.max(0, (m.index ?? 0) - 8), (m.index ?? 0) + 1);
    if (!/typeof\s*$/.test(before.slice(0, -1) + " ")) out.push(m[1]);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s+["'](\.{1,2}\/[^"']+)["']/g)) out.push(m[1]);
  return out;
}

/** Sources compiled at install into kernels (WebAssembly, native): no import line names them. */
const KERNEL_SOURCE = /\/wasm\/src\/[^/]+$|\.wat$|\/native\/[^/]+\.[ch]$|\/linalg\/assembly\/[^/]+$/;

function kernelSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (KERNEL_SOURCE.test(p)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Every file that can change a stored number, sorted (absolute paths). */
export function numberSources(lib = LIB): string[] {
  const seen = new Set<string>();
  const stack = NUMBER_ENTRIES.map((e) => join(lib, e));
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    for (const spec of valueImports(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), spec);
      if (!relative(lib, target).startsWith("..")) stack.push(target);
    }
  }
  for (const f of kernelSources(lib)) seen.add(f);
  return [...seen].sort();
}

/** The version string of the sources under `lib` (the package version from lib's parent folder). */
export function codeVersionOf(lib = LIB): string {
  const h = createHash("sha256");
  for (const f of numberSources(lib)) {
    h.update(relative(lib, f));
    h.update("\0");
    h.update(readFileSync(f));
    h.update("\0");
  }
  let version = "0.0.0";
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(lib), "package.json"), "utf8")) as { version?: string };
    version = pkg.version ?? version;
  } catch {
    /* no package.json next to lib/ */
  }
  return `${version}+${h.digest("hex").slice(0, 12)}`;
}

let cached: string | undefined;

/** The version of this checkout's code (computed once per process). */
export function codeVersion(): string {
  cached ??= codeVersionOf();
  return cached;
}
