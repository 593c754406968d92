// The shard of a process from --shard, --shards and the scheduler's environment (lib/cli/clusterShard.ts): the
// variables Slurm sets for a job array and Kubernetes for an Indexed Job, resubmitted tasks, every inconsistent or
// missing environment named in its error; the shard stores' names; and the CLI's exit 2 for a bad environment.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveShard, shardStoreName, shardStorePath, type Env } from "../../lib/cli/clusterShard.ts";

const BIN = new URL("../../bin/powerlaw-sgd.js", import.meta.url).pathname;

/** What Slurm sets in task `id` of `sbatch --array=min-max` (Slurm 22: ID, MIN, MAX, COUNT, STEP). */
const slurm = (id: number, min: number, max: number, extra: Env = {}): Env => ({
  SLURM_JOB_ID: "17",
  SLURM_ARRAY_JOB_ID: "16",
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(max),
  SLURM_ARRAY_TASK_COUNT: String(max - min + 1),
  SLURM_ARRAY_TASK_STEP: "1",
  ...extra,
});

const ok = (flag: string | undefined, shards: number | undefined, env: Env) => {
  const r = resolveShard(flag, shards, env);
  assert.equal(r.error, undefined);
  return r.value;
};
const err = (flag: string | undefined, shards: number | undefined, env: Env) => {
  const r = resolveShard(flag, shards, env);
  assert.equal(r.value, undefined);
  return r.error ?? "";
};

test("Slurm job array: task id k of --array=0-(n−1) is shard k+1 of n", () => {
  for (let k = 0; k < 4; k++)
    assert.deepEqual(ok("auto", undefined, slurm(k, 0, 3)), { index: k + 1, count: 4, from: "slurm" });
  // COUNT alone, or MIN/MAX alone, is enough
  const { SLURM_ARRAY_TASK_MIN: _a, SLURM_ARRAY_TASK_MAX: _b, ...countOnly } = slurm(2, 0, 3);
  assert.deepEqual(ok("auto", undefined, countOnly), { index: 3, count: 4, from: "slurm" });
  const { SLURM_ARRAY_TASK_COUNT: _c, ...rangeOnly } = slurm(2, 0, 3);
  assert.deepEqual(ok("auto", undefined, rangeOnly), { index: 3, count: 4, from: "slurm" });
});

test("a Slurm task resubmitted alone (--array=2) needs the count, and then knows its shard", () => {
  const alone = slurm(2, 2, 2);
  assert.match(err("auto", undefined, alone), /SLURM_ARRAY_TASK_MIN=2: .*--shards N or POWERLAW_SGD_SHARDS/);
  assert.deepEqual(ok("auto", 4, alone), { index: 3, count: 4, from: "slurm" });
  assert.deepEqual(ok("auto", undefined, { ...alone, POWERLAW_SGD_SHARDS: "4" }), {
    index: 3,
    count: 4,
    from: "slurm",
  });
  assert.deepEqual(
    ok("auto", 4, { ...alone, POWERLAW_SGD_SHARDS: "9" }),
    { index: 3, count: 4, from: "slurm" },
    "the flag wins",
  );
});

test("inconsistent Slurm environments are errors naming the variable", () => {
  assert.match(err("auto", undefined, slurm(1, 1, 4)), /SLURM_ARRAY_TASK_MIN=1: shard arrays are 0-based/);
  assert.match(err("auto", undefined, slurm(2, 0, 6, { SLURM_ARRAY_TASK_STEP: "2" })), /SLURM_ARRAY_TASK_STEP=2/);
  // --array=0,2,5: MIN..MAX spans 6 ids but COUNT is 3
  assert.match(err("auto", undefined, slurm(2, 0, 5, { SLURM_ARRAY_TASK_COUNT: "3" })), /SLURM_ARRAY_TASK_COUNT=3 but/);
  assert.match(err("auto", 4, slurm(5, 0, 7)), /SLURM_ARRAY_TASK_ID=5 is not below the shard count 4 \(--shards\)/);
  assert.match(err("auto", 4, slurm(1, 0, 7)), /SLURM_ARRAY_TASK_MAX=7 but the shard count is 4/);
  assert.match(err("auto", undefined, slurm(1, 0, 3, { SLURM_ARRAY_TASK_ID: "one" })), /SLURM_ARRAY_TASK_ID="one"/);
  assert.match(
    err("auto", undefined, { SLURM_ARRAY_TASK_ID: "1" }),
    /SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT/,
  );
  assert.match(
    err("auto", undefined, slurm(1, 0, 3, { POWERLAW_SGD_SHARDS: "0" })),
    /POWERLAW_SGD_SHARDS="0" is not an integer ≥ 1/,
  );
});

test("Kubernetes Indexed Job: JOB_COMPLETION_INDEX k is shard k+1 of the count given", () => {
  assert.deepEqual(ok("auto", undefined, { JOB_COMPLETION_INDEX: "0", POWERLAW_SGD_SHARDS: "3" }), {
    index: 1,
    count: 3,
    from: "kubernetes",
  });
  assert.deepEqual(ok("auto", 3, { JOB_COMPLETION_INDEX: "2" }), { index: 3, count: 3, from: "kubernetes" });
  assert.match(
    err("auto", undefined, { JOB_COMPLETION_INDEX: "2" }),
    /JOB_COMPLETION_INDEX=2 gives the shard index but not the count: set POWERLAW_SGD_SHARDS/,
  );
  assert.match(err("auto", 2, { JOB_COMPLETION_INDEX: "2" }), /JOB_COMPLETION_INDEX=2 is not below the shard count 2/);
  assert.match(err("auto", 2, { JOB_COMPLETION_INDEX: "-1" }), /JOB_COMPLETION_INDEX="-1" is not an integer ≥ 0/);
});

test("no scheduler, both schedulers, explicit --shard, --shards alone", () => {
  assert.match(err("auto", undefined, {}), /neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX .* is set/);
  assert.match(
    err("auto", 4, { ...slurm(1, 0, 3), JOB_COMPLETION_INDEX: "1" }),
    /both SLURM_ARRAY_TASK_ID=1 and JOB_COMPLETION_INDEX=1/,
  );
  assert.deepEqual(ok("2/5", undefined, slurm(0, 0, 3)), { index: 2, count: 5, from: "flag" }, "explicit wins");
  assert.match(err("2/5", 4, {}), /--shards 4 disagrees with --shard 2\/5/);
  assert.match(err("0/5", undefined, {}), /--shard: "0\/5" is not i\/n with 1 ≤ i ≤ n, or auto/);
  assert.match(err(undefined, 4, {}), /--shards N only applies with --shard auto/);
  assert.deepEqual(resolveShard(undefined, undefined, slurm(1, 0, 3)), {}, "not sharded unless asked");
});

test("shard stores: the index in the name, in one folder", () => {
  assert.equal(shardStoreName({ index: 3, count: 4 }), "shard-003-of-004.duckdb");
  assert.equal(shardStoreName({ index: 12, count: 1000 }), "shard-0012-of-1000.duckdb");
  const never = () => false;
  assert.equal(
    shardStorePath(undefined, { index: 1, count: 2 }, never),
    join("data/shards", "shard-001-of-002.duckdb"),
  );
  assert.equal(
    shardStorePath("/scratch/sweep/", { index: 1, count: 2 }, never),
    "/scratch/sweep/shard-001-of-002.duckdb",
  );
  assert.equal(
    shardStorePath("/scratch/sweep", { index: 1, count: 2 }, () => true),
    "/scratch/sweep/shard-001-of-002.duckdb",
  );
  assert.equal(shardStorePath("/scratch/mine.duckdb", { index: 1, count: 2 }, never), "/scratch/mine.duckdb");
});

test("CLI: a bad scheduler environment is exit 2, the variable named, nothing written; auto runs its shard", () => {
  const dir = mkdtempSync(join(tmpdir(), "shard-env-"));
  const cfg = join(dir, "e.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      experiment: "e",
      problem: { kind: "synthetic", N: 40, nu: 1.5, kappa: 1 },
      regimes: [{ regime: "sd", tau: [1, -1] }],
      sweep: { lr: [0.5, 1], batch_size: [5] },
      n_steps: 50,
    }),
  );
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("SLURM_") && k !== "JOB_COMPLETION_INDEX"),
  );
  const run = (env: Env, ...args: string[]) =>
    spawnSync(process.execPath, [BIN, "run", cfg, "--db", `${dir}/`, "--quiet", ...args], {
      encoding: "utf8",
      env: { ...clean, ...env },
    });
  const bad = run({ JOB_COMPLETION_INDEX: "1" }, "--shard", "auto");
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /JOB_COMPLETION_INDEX=1 gives the shard index but not the count/);
  assert.equal(existsSync(join(dir, "shard-002-of-002.duckdb")), false);
  const good = run({ JOB_COMPLETION_INDEX: "1", POWERLAW_SGD_SHARDS: "2" }, "--shard", "auto");
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /e: 2 runs: 2 done.*shard-002-of-002\.duckdb/);
});
