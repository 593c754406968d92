/**
 * The dependency rule, read from the import lines of every source file: lib/ is layered, imports only go
 * down, and there are no import cycles. A folder may import its own files, the folders of lower layers and
 * lib/types.ts, lib/vocabulary/ (dependency-free names every layer shares) and lib/display/ (pure curve
 * thinning); nothing in lib/ or src/components/ imports loaders/; only bin/ imports lib/cli/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** lib's layers, lowest first; a folder imports only folders of strictly lower layers (and itself). */
const LAYERS: string[][] = [
  ["types.ts", "vocabulary", "display"],
  ["random"],
  ["linalg", "io", "tf", "schedule"],
  ["theory", "model"],
  ["data"],
  ["problem"],
  ["regimes"],
  ["config"],
  ["store", "prepare"],
  ["predict", "run"],
  ["live"],
  ["cli"],
];
const ENGINE = ["random", "linalg", "io", "tf", "schedule", "theory", "model", "data", "problem", "regimes"];
const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === "node_modules" || name.startsWith(".") || name.endsWith(".bundle.js")) return [];
    if (statSync(p).isDirectory()) return /\/wasm\/src$/.test(p) || /lib\/linalg\/assembly$/.test(p) ? [] : walk(p);
    return /\.(ts|mjs|js)$/.test(name) ? [p] : [];
  });
}

/** Relative import specifiers of a file (static, dynamic and `typeof import(…)`), resolved to paths. */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  const pattern = new RegExp(
    [
      /(?:^|[\s;])(?:import|export)\b[^"'`;]*?from\s*["'](\.{1,2}\/[^"']+)["']/.source,
      /import\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/.source,
      /^import\s+["'](\.{1,2}\/[^"']+)["']/.source,
    ].join("|"),
    "gm",
  );
  for (const m of text.matchAll(pattern)) {
    out.push(resolve(dirname(file), m[1] ?? m[2] ?? m[3]));
  }
  return out;
}

/** The lib/ unit of a path: its first folder under lib/, or "types.ts"; null outside lib/. */
function unit(path: string): string | null {
  const rel = relative(join(ROOT, "lib"), path);
  if (rel.startsWith("..")) return null;
  return rel.split("/")[0];
}

const files = ["lib", "loaders", "src/components", "src/data", "bin", "bench", "test"].flatMap((d) =>
  walk(join(ROOT, d)),
);
const graph = new Map(files.map((f) => [f, imports(f)]));

test("every lib/ folder is in exactly one layer", () => {
  const folders = readdirSync(join(ROOT, "lib")).filter((n) => n !== "tsconfig.json");
  assert.deepEqual(
    folders.filter((f) => !layerOf.has(f)),
    [],
    "add new lib/ folders to LAYERS",
  );
});

test("lib/ imports only go down the layers", () => {
  const bad: string[] = [];
  for (const [file, deps] of graph) {
    const from = unit(file);
    if (from === null) continue;
    for (const dep of deps) {
      const to = unit(dep);
      if (to === null) {
        bad.push(`${relative(ROOT, file)} -> ${relative(ROOT, dep)} (outside lib/)`);
        continue;
      }
      if (to === from) continue;
      if (!(layerOf.get(to)! < layerOf.get(from)!)) bad.push(`${relative(ROOT, file)} -> ${relative(ROOT, dep)}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the engine never imports config/, run/, cli/, store/, prepare/, live/", () => {
  const bad = [...graph].flatMap(([file, deps]) =>
    ENGINE.includes(unit(file) ?? "")
      ? deps
          .filter((d) => !ENGINE.includes(unit(d) ?? "") && unit(d) !== "types.ts" && unit(d) !== "vocabulary")
          .map((d) => `${relative(ROOT, file)} -> ${relative(ROOT, d)}`)
      : [],
  );
  assert.deepEqual(bad, []);
});

test("only bin/ (and tests) import lib/cli/; nothing in lib/ or src/components/ imports loaders/", () => {
  const bad: string[] = [];
  for (const [file, deps] of graph) {
    const rel = relative(ROOT, file);
    for (const dep of deps) {
      const d = relative(ROOT, dep);
      if (
        d.startsWith("lib/cli/") &&
        !rel.startsWith("lib/cli/") &&
        !rel.startsWith("bin/") &&
        !rel.startsWith("test/")
      ) {
        bad.push(`${rel} -> ${d}`);
      }
      if (d.startsWith("loaders/") && (rel.startsWith("lib/") || rel.startsWith("src/components/")))
        bad.push(`${rel} -> ${d}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("no import cycles between files", () => {
  const state = new Map<string, 1 | 2>();
  const cycles: string[] = [];
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 1)
        cycles.push([...stack.slice(stack.indexOf(d)), d].map((p) => relative(ROOT, p)).join(" -> "));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test("the checker sees imports: a known upward edge would be caught", () => {
  // guards the regex: the sweep commands import the config statically and the runner dynamically
  const sweep = graph.get(join(ROOT, "lib/cli/sweep.ts")) ?? [];
  assert.ok(
    sweep.some((d) => unit(d) === "config"),
    "lib/cli/sweep.ts -> lib/config/ not seen",
  );
  assert.ok(
    sweep.some((d) => relative(ROOT, d) === "lib/run/runner.ts"),
    "lib/cli/sweep.ts -> lib/run/runner.ts not seen",
  );
});

test("lib/config imports only zod, node:crypto, schedule/ and the shared names", () => {
  const bad: string[] = [];
  for (const [file, deps] of graph) {
    if (unit(file) !== "config") continue;
    for (const d of deps)
      if (!["config", "schedule", "vocabulary", "types.ts"].includes(unit(d) ?? "")) bad.push(relative(ROOT, d));
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/from\s+["']([^."'][^"']*)["']/g))
      if (!["zod", "node:crypto"].includes(m[1])) bad.push(m[1]);
  }
  assert.deepEqual(bad, []);
});
