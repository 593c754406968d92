// The cache key is the code that shapes the numbers (lib/prepare/codeVersion.ts): edits elsewhere keep finished
// runs, edits to computing or recording code recompute them — checked on a copy of lib/ and end to end.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { codeVersionOf, numberSources, valueImports } from "../../lib/prepare/codeVersion.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "codeversion-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("valueImports: static and dynamic value imports, never type-only ones", () => {
  const src = [
    'import { a } from "./a.ts";',
    'import type { B } from "./b.ts";',
    'export { c } from "../c.ts";',
    'export type { D } from "./d.ts";',
    "import {\n  e,\n  type E,\n} from './e.ts';",
    'type M = typeof import("./m.ts");',
    'const x = await import("./x.ts");',
    'import "./side.ts";',
    'import { z } from "zod";',
  ].join("\n");
  assert.deepEqual(valueImports(src).sort(), ["../c.ts", "./a.ts", "./e.ts", "./side.ts", "./x.ts"]);
});

test("the digested sources: the computing and recording code and kernel sources, not the CLI, site or live", () => {
  const rel = numberSources().map((f) => f.slice(join(ROOT, "lib").length + 1));
  for (const f of ["run/execute.ts", "run/record.ts", "prepare/problem.ts", "prepare/dataset.ts", "regimes/full.ts"]) {
    assert.ok(rel.includes(f), `${f} is digested`);
  }
  assert.ok(rel.includes("theory/batchNoise.ts"), "γ shapes SD and full curves");
  assert.ok(
    rel.some((f) => f.endsWith(".wat") || f.includes("/wasm/src/")),
    "WebAssembly sources are digested",
  );
  for (const prefix of ["cli/", "live/", "predict/", "display/", "store/"]) {
    assert.deepEqual(
      rel.filter((f) => f.startsWith(prefix)),
      [],
      `${prefix} is not digested`,
    );
  }
});

test("codeVersionOf: a help string keeps the version; recording, execution and kernel code change it", () => {
  const lib = join(tmp, "copy", "lib");
  cpSync(join(ROOT, "lib"), lib, { recursive: true });
  cpSync(join(ROOT, "package.json"), join(tmp, "copy", "package.json"));
  const base = codeVersionOf(lib);
  assert.match(base, /^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  const edit = (file: string, f: (s: string) => string) => {
    const p = join(lib, file);
    const before = readFileSync(p, "utf8");
    writeFileSync(p, f(before));
    const v = codeVersionOf(lib);
    writeFileSync(p, before);
    return v;
  };
  const help = (s: string) => s.replace(/help: "([^"]+)"/, 'help: "$1 (reworded)"');
  assert.equal(edit("cli/flags.ts", help), base, "CLI help text");
  assert.equal(edit("cli/networkFlags.ts", help), base, "network commands' help text");
  assert.equal(
    edit("live/reducer.ts", (s) => `${s}\n// display only\n`),
    base,
    "live display",
  );
  assert.equal(
    edit("predict/theoryRows.ts", (s) => `${s}\n// theory table\n`),
    base,
    "theory table",
  );
  assert.notEqual(
    edit("run/record.ts", (s) => s.replace("s % k === 0", "s % k === 1")),
    base,
    "recording",
  );
  assert.notEqual(
    edit("run/execute.ts", (s) => `${s}\n// run execution\n`),
    base,
    "run execution",
  );
  assert.notEqual(
    edit("prepare/dataset.ts", (s) => `${s}\n// problem building\n`),
    base,
    "dataset problems",
  );
  assert.notEqual(
    edit("theory/batchNoise.ts", (s) => `${s}\n// γ\n`),
    base,
    "batch noise",
  );
  assert.equal(codeVersionOf(lib), base, "every edit was undone");
});

test("end to end: a rerun after a help-text edit skips the finished run; after a recording edit it recomputes", () => {
  const project = join(tmp, "project");
  for (const d of ["lib", "bin"]) cpSync(join(ROOT, d), join(project, d), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(project, "package.json"));
  cpSync(join(ROOT, "build", "wasm"), join(project, "build", "wasm"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
  const db = join(tmp, "runs.duckdb");
  const sweep = () => {
    const r = spawnSync(
      process.execPath,
      [
        "bin/powerlaw-sgd.js",
        "sd",
        "--N",
        "40",
        "--n_steps",
        "30",
        "--lr",
        "0.5",
        "--db",
        db,
        "--quiet",
        "--live",
        "off",
      ],
      { cwd: project, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  assert.match(sweep(), /1 runs: 1 done, 0 diverged, 0 failed ·/);
  const flags = join(project, "lib", "cli", "flags.ts");
  writeFileSync(flags, readFileSync(flags, "utf8").replace(/help: "([^"]+)"/, 'help: "$1 (reworded)"'));
  assert.match(sweep(), /1 skipped \(already finished\)/);
  appendFileSync(join(project, "lib", "run", "record.ts"), "\n// the recording code changed\n");
  const third = sweep();
  assert.doesNotMatch(third, /skipped/);
  assert.match(third, /1 runs: 1 done/);
});
