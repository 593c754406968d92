// The Slurm recipe on a real scheduler: a one-node cluster on this machine (scripts/slurm-local.sh), the sweep
// submitted with deploy/slurm/submit.sh as prepare → a 4-task job array → merge (--dependency=afterok). One task is
// cancelled mid-run, which cancels the merge; the task is resubmitted alone (it resumes its shard store) with a new
// merge after it; the merged store must equal the same experiments run in one process: the same runs, bit-identical
// curves, one problem cache entry built once. Without Slurm (Debian: slurmctld slurmd slurm-client munge) or root,
// the test is skipped and says why.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { Store } from "../../lib/store/store.ts";
import { COMPARED, storeContents } from "./storeContents.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const SLURM_LOCAL = join(ROOT, "scripts", "slurm-local.sh");
const SUBMIT = join(ROOT, "deploy", "slurm", "submit.sh");

const onPath = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const missing = ["sbatch", "scontrol", "scancel", "sinfo"].filter((c) => !onPath(c));
for (const d of ["slurmctld", "slurmd", "munged"]) if (!existsSync(`/usr/sbin/${d}`)) missing.push(d);
const skip =
  missing.length > 0
    ? `Slurm is not installed (missing ${missing.join(", ")}): apt-get install -y --no-install-recommends ` +
      "slurmctld slurmd slurm-client munge"
    : process.getuid?.() !== 0
      ? "the local Slurm cluster runs its daemons as root (scripts/slurm-local.sh)"
      : false;

const dir = mkdtempSync(join(tmpdir(), "slurm-"));
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLURM_|SBATCH_|JOB_COMPLETION_INDEX)/.test(k))),
  SLURM_LOCAL_DIR: join(dir, "slurm"),
  SLURM_CONF: join(dir, "slurm", "slurm.conf"),
  POWERLAW_SGD_ROOT: ROOT,
  POWERLAW_SGD_SHARD_DIR: join(dir, "shards"),
  POWERLAW_SGD_DB: join(dir, "merged.duckdb"),
  POWERLAW_SGD_PROGRESS_MS: "200",
  POWERLAW_SGD_LIVE: "off",
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, env, encoding: "utf8" });

function config(name: string, doc: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ experiment: name, ...doc }));
  return path;
}
// a data set's NTK problem (built once for all tasks, in the shards' problem cache), then a longer synthetic sweep
// (6 runs of ~0.5 s a shard) to cancel a task in
const DS = config("ds", {
  problem: { kind: "dataset", dataset: "gaussian", N: 300, ntk: "analytic" },
  regimes: [{ regime: "sd", tau: [1, -1] }],
  sweep: { lr: [0.5, 1], momentum: [0, -0.3], batch_size: [10] },
  n_steps: 500,
});
const LONG = config("long", {
  problem: { kind: "synthetic", N: 10000, nu: 1.5, kappa: 1 },
  regimes: [{ regime: "sd", tau: [1, -1] }],
  sweep: { lr: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2], momentum: [0, -0.3], batch_size: [10] },
  n_steps: 150_000,
  record: { mode: "log", per_decade: 20 },
});

/** Job (or array task) states by id, e.g. {"7_1": "CANCELLED", "8": "PENDING:DependencyNeverSatisfied"}. */
function states(): Record<string, string> {
  const out: Record<string, string> = {};
  const text = spawnSync("scontrol", ["-o", "show", "job"], { env, encoding: "utf8" }).stdout ?? "";
  for (const line of text.split("\n")) {
    const f = Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1], m[2]]));
    if (!f.JobId) continue;
    const id = f.ArrayTaskId && f.ArrayJobId ? `${f.ArrayJobId}_${f.ArrayTaskId}` : f.JobId;
    out[id] = f.JobState === "PENDING" ? `PENDING:${f.Reason}` : f.JobState;
  }
  return out;
}

async function waitFor<T>(what: string, f: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}; jobs: ${JSON.stringify(states())}`);
    await sleep(100);
  }
}

const log = (name: string) => {
  const p = join(dir, name);
  return existsSync(p) ? readFileSync(p, "utf8") : "";
};
const logs = () =>
  readdirSync(dir)
    .filter((n) => n.endsWith(".out"))
    .map((n) => `--- ${n}\n${log(n)}`)
    .join("\n");

function submit(...args: string[]): { prepare: string; array: string; merge: string } {
  const m = /prepare=(\S+) array=(\d+) merge=(\d+)/.exec(sh(SUBMIT, args));
  assert.ok(m, "submit.sh prints the job ids");
  return { prepare: m[1], array: m[2], merge: m[3] };
}

before(() => {
  if (skip) return;
  mkdirSync(env.SLURM_LOCAL_DIR!, { recursive: true });
  const out = sh(SLURM_LOCAL, ["start"]);
  assert.match(out, /export SLURM_CONF=/);
});

after(() => {
  if (!skip) sh(SLURM_LOCAL, ["stop"]);
});

test("Slurm: a 4-task array with a task cancelled mid-run and resubmitted merges to the one-process store", {
  skip,
}, async () => {
  const first = submit("4", DS, LONG);
  const victim = `${first.array}_1`; // shard 2/4
  const victimLog = `powerlaw-sgd-shard-${first.array}_1.out`;
  // cancel once it runs the long sweep and has finished some of its runs (it prints progress every 200 ms)
  await waitFor("task 1 to finish a run of the long sweep", () => {
    const text = log(victimLog);
    const i = text.search(/^ds: \d+ runs:/m);
    return i >= 0 && /runs [1-5]\/6/.test(text.slice(i));
  });
  sh("scancel", [victim]);
  const s1 = await waitFor("the other tasks to end and the merge to be cancelled", () => {
    const s = states();
    const tasks = [0, 2, 3].map((k) => s[`${first.array}_${k}`]);
    const mergeGone = s[first.merge] === "CANCELLED" || s[first.merge] === "PENDING:DependencyNeverSatisfied";
    return tasks.every((t) => t === "COMPLETED" || t === "FAILED") && s[victim] === "CANCELLED" && mergeGone && s;
  });
  assert.deepEqual(
    [0, 2, 3].map((k) => s1[`${first.array}_${k}`]),
    ["COMPLETED", "COMPLETED", "COMPLETED"],
    logs(),
  );
  assert.equal(existsSync(env.POWERLAW_SGD_DB!), false, "the merge did not run");
  if (s1[first.merge] !== "CANCELLED") sh("scancel", [first.merge]);
  // the cancelled task stopped cleanly (SIGTERM): its finished runs are in its store
  const partial = await Store.open(join(env.POWERLAW_SGD_SHARD_DIR!, "shard-002-of-004.duckdb"), { readOnly: true });
  const [{ n }] = await partial.rows(
    "SELECT count(*)::INTEGER AS n FROM runs WHERE experiment = 'long' AND status = 'done'",
  );
  await partial.close();
  assert.ok(Number(n) >= 1 && Number(n) < 6, `the cancelled shard finished ${n} of its 6 long runs`);

  const again = submit("-a", "1", "4", DS, LONG);
  assert.equal(again.prepare, "none");
  await waitFor("the resubmitted task and the new merge", () => states()[again.merge] === "COMPLETED" || undefined);
  const rerun = log(`powerlaw-sgd-shard-${again.array}_1.out`);
  assert.match(rerun, /shard 2\/4 \(slurm\)/);
  assert.match(rerun, /^ds: 2 runs: 0 done, .*2 skipped/m);
  assert.match(rerun, new RegExp(`^long: 6 runs: ${6 - Number(n)} done, .*${n} skipped`, "m"));
  const merge = log(`powerlaw-sgd-merge-${again.merge}.out`);
  assert.match(merge, /experiment ds: all 4 shards complete/);
  assert.match(merge, /experiment long: all 4 shards complete/);

  // the same experiments in one process
  const ref = join(dir, "ref", "one.duckdb");
  for (const c of [DS, LONG]) {
    let err = "";
    const code = await main(["run", c, "--db", ref, "--quiet"], { out: () => {}, err: (s) => (err += s) });
    assert.equal(code, 0, err);
  }
  const [merged, reference] = [await storeContents(env.POWERLAW_SGD_DB!), await storeContents(ref)];
  assert.equal(merged.runs.length, 8 + 24);
  for (const k of COMPARED) assert.deepEqual(merged[k], reference[k], k);
  assert.deepEqual(
    readdirSync(join(env.POWERLAW_SGD_SHARD_DIR!, "problems")),
    [reference.problems.find((p) => p.kind === "dataset")!.problem],
    "one cache entry, no lock or temporary folder left",
  );
  assert.match(log(`powerlaw-sgd-prepare-${first.prepare}.out`), /problem \w+ \(gaussian, N = 300\): built in/);
});
