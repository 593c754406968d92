// The Kubernetes recipe without Kubernetes: the manifest's pods are deploy/run-shard.sh with JOB_COMPLETION_INDEX
// (set by an Indexed Job), POWERLAW_SGD_SHARDS and the shared folder in their environment — run here as separate
// processes, all at once, as the pods would — and its merge Job is deploy/merge.sh. The merged store must equal the
// same experiments run in one process, with one problem cache entry and nothing left over. The manifests are
// checked to run these scripts with these variables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { COMPARED, storeContents } from "./storeContents.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const dir = mkdtempSync(join(tmpdir(), "indexed-job-"));
const PODS = 3;

function config(name: string, doc: object): string {
  const path = join(dir, "configs", `${name}.json`);
  writeFileSync(path, JSON.stringify({ experiment: name, ...doc }));
  return path;
}

function run(script: string, args: string[], env: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SLURM_|JOB_COMPLETION_INDEX|POWERLAW_SGD_SHARDS)/.test(k)),
  );
  const p = spawn(join(ROOT, "deploy", script), args, { env: { ...base, POWERLAW_SGD_LIVE: "off", ...env } });
  let out = "";
  p.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  p.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise<{ code: number | null; out: string }>((res) => p.on("exit", (code) => res({ code, out })));
}

test("the manifests run deploy/run-shard.sh and deploy/merge.sh with the shard count equal to completions", () => {
  const sweep = readFileSync(join(ROOT, "deploy", "kubernetes", "sweep.yaml"), "utf8");
  const merge = readFileSync(join(ROOT, "deploy", "kubernetes", "merge.yaml"), "utf8");
  assert.match(sweep, /completionMode: Indexed/);
  const completions = /completions: (\d+)/.exec(sweep)?.[1];
  assert.equal(/name: POWERLAW_SGD_SHARDS\s+value: "(\d+)"/.exec(sweep)?.[1], completions);
  assert.match(sweep, /command: \["deploy\/run-shard\.sh"\]/);
  assert.match(merge, /command: \["deploy\/merge\.sh"\]/);
  const shardDir = (doc: string) => /name: POWERLAW_SGD_SHARD_DIR\s+value: (\S+)/.exec(doc)?.[1];
  assert.equal(shardDir(merge), shardDir(sweep));
  assert.match(sweep, /accessModes: \[ReadWriteMany\]/);
});

test("Indexed Job pods as processes: the merged shards equal the one-process store", async () => {
  const configs = join(dir, "configs");
  mkdirSync(configs);
  config("ds", {
    problem: { kind: "dataset", dataset: "gaussian", N: 400, ntk: "analytic" },
    regimes: [
      { regime: "sd", tau: [1, -1] },
      { regime: "linearized", replicates: 2 },
    ],
    sweep: { lr: [0.5, 1], momentum: [0, -0.3], batch_size: [10] },
    n_steps: 300,
  });
  config("syn", {
    problem: { kind: "synthetic", N: 2000, nu: 1.5, kappa: 2 },
    regimes: [{ regime: "sd", tau: [1, -1] }],
    sweep: { lr: [0.3, 0.6, 0.9], momentum: [0, -0.3, 0.3], batch_size: [10] },
    n_steps: 20_000,
    record: { mode: "log", per_decade: 20 },
  });
  const shards = join(dir, "shards");
  const env = { POWERLAW_SGD_SHARDS: String(PODS), POWERLAW_SGD_SHARD_DIR: shards, POWERLAW_SGD_CONCURRENCY: "1" };
  // the pods: the folder of configs as the manifest gives it, all at once
  const pods = await Promise.all(
    Array.from({ length: PODS }, (_, k) => run("run-shard.sh", [configs], { ...env, JOB_COMPLETION_INDEX: String(k) })),
  );
  pods.forEach((p, k) => {
    assert.equal(p.code, 0, p.out);
    assert.match(p.out, new RegExp(`shard ${k + 1}/${PODS} \\(kubernetes\\)`));
  });
  const db = join(dir, "results.duckdb");
  const merged = await run("merge.sh", [], { ...env, POWERLAW_SGD_DB: db });
  assert.equal(merged.code, 0, merged.out);
  assert.match(merged.out, new RegExp(`experiment ds: all ${PODS} shards complete`));

  const ref = join(dir, "ref", "one.duckdb");
  for (const c of ["ds", "syn"]) {
    let err = "";
    const code = await main(["run", join(configs, `${c}.json`), "--db", ref, "--quiet"], {
      out: () => {},
      err: (s) => (err += s),
    });
    assert.equal(code, 0, err);
  }
  const [got, want] = [await storeContents(db), await storeContents(ref)];
  assert.equal(got.runs.length, 16 + 18);
  for (const k of COMPARED) assert.deepEqual(got[k], want[k], k);
  assert.equal(
    readdirSync(join(shards, "problems")).length,
    1,
    "the data set's problem cached once, nothing left over",
  );
});
