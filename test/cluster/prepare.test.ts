// `prepare` (lib/cli/prepare.ts): builds a dataset problem into the shards' problem cache once (the second call
// finds it there), and the shards of that folder then read it instead of building it; synthetic problems have
// nothing to prepare; a bad config is exit 2 with nothing written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";

const dir = mkdtempSync(join(tmpdir(), "prepare-"));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function config(name: string, doc: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ experiment: name, ...doc }));
  return path;
}

test("prepare builds once; the shards of the folder read the cache; synthetic: nothing to prepare", async () => {
  const ds = config("ds", {
    problem: { kind: "dataset", dataset: "gaussian", N: 200, ntk: "analytic" },
    regimes: [{ regime: "sd", tau: [1] }],
    sweep: { lr: [0.5, 1], batch_size: [10] },
    n_steps: 50,
  });
  const syn = config("syn", {
    problem: { kind: "synthetic", N: 50, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd", tau: [1] }],
    sweep: { lr: [0.5], batch_size: [10] },
    n_steps: 50,
  });
  const shards = join(dir, "shards");
  const first = await cli("prepare", ds, syn, "--db", `${shards}/`);
  assert.equal(first.code, 0, first.err);
  const m = /ds\.json: problem (\w+) \(gaussian, N = 200\): built in [\d.]+ s → (\S+)/.exec(first.out);
  assert.ok(m, first.out);
  assert.equal(m[2], join(shards, "problems", m[1]));
  assert.match(first.out, /syn\.json: synthetic problem: nothing to prepare/);
  const entry = join(shards, "problems", m[1], "problem.json");
  const written = statSync(entry).mtimeMs;

  const second = await cli("prepare", ds, "--db", join(shards, "shard-001-of-002.duckdb"));
  assert.equal(second.code, 0, second.err);
  assert.match(second.out, new RegExp(`problem ${m[1]} .*: in the cache`), "a store's folder names the same cache");

  for (const i of [1, 2]) {
    const r = await cli("run", ds, "--shard", `${i}/2`, "--db", `${shards}/`, "--quiet");
    assert.equal(r.code, 0, r.err);
  }
  assert.deepEqual(readdirSync(join(shards, "problems")), [m[1]], "one entry: the shards did not build another");
  assert.equal(statSync(entry).mtimeMs, written, "nor rewrite it");
});

test("prepare: a bad config or a missing data file is exit 2, nothing written", async () => {
  const out = join(dir, "never");
  let r = await cli("prepare", join(dir, "missing.json"), "--db", `${out}/`);
  assert.equal(r.code, 2);
  assert.match(r.err, /missing\.json: .*cannot read the config file \(ENOENT\)/);
  const bad = config("bad", {
    problem: { kind: "dataset", dataset: "tabular", path: "no-such.csv", target: "y", N: 10, ntk: "analytic" },
    regimes: [{ regime: "sd", tau: [1] }],
    sweep: { lr: [0.5], batch_size: [2] },
    n_steps: 50,
  });
  r = await cli("prepare", bad, "--db", `${out}/`);
  assert.equal(r.code, 2);
  assert.match(r.err, /problem\.path: .*file not found/);
  assert.equal(existsSync(out), false);
  assert.equal((await cli("prepare", "--db", `${out}/`)).code, 2, "no config");
});
