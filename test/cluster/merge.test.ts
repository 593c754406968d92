// `merge` (lib/store/merge.ts, lib/cli/merge.ts): shard stores merged equal the same sweep run in one process
// (same runs, bit-identical curves, modes, problems and spectra); merging is idempotent and incremental (a missing
// shard merged later completes the store); missing and unfinished shards are reported with their index; 'running'
// leftovers are not merged and a finished copy replaces a failed one; conflicting copies are reported; bad input
// is exit 2 with nothing written; an input held by a running writer is reported; a merge killed at any moment
// leaves OUT as it was or complete.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { Store } from "../../lib/store/store.ts";
import { COMPARED, storeContents } from "./storeContents.ts";

const BIN = new URL("../../bin/powerlaw-sgd.js", import.meta.url).pathname;
const STORE = new URL("../../lib/store/store.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "merge-"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function config(name: string, doc: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ experiment: name, ...(doc as object) }));
  return path;
}

// two experiments in every store: a synthetic one with per-mode errors, and one on a data set's NTK problem (cached
// once in the shards' folder)
const SYN = config("syn", {
  problem: { kind: "synthetic", N: 60, nu: 1.5, kappa: 1 },
  regimes: [
    { regime: "sd", tau: [1, -1] },
    { regime: "linearized", replicates: 2 },
  ],
  sweep: { lr: [0.5, 1.5], momentum: [0, -0.3], batch_size: [5] },
  n_steps: 300,
  track: { every: 100 },
});
const DS = config("ds", {
  problem: { kind: "dataset", dataset: "gaussian", N: 120, ntk: "analytic" },
  regimes: [{ regime: "sd", tau: [1, -1] }],
  sweep: { lr: [0.5, 1, 2], momentum: [0, -0.3], batch_size: [10] },
  n_steps: 200,
});
const SHARDS = join(dir, "shards");
const REF = join(dir, "ref", "one.duckdb");
const shardFile = (i: number) => join(SHARDS, `shard-00${i}-of-004.duckdb`);

async function runShard(i: number, db = `${SHARDS}/`) {
  for (const c of [SYN, DS]) {
    const r = await cli("run", c, "--shard", `${i}/4`, "--db", db, "--quiet", "--concurrency", "1");
    assert.equal(r.code, 0, r.err);
  }
}

let reference: Awaited<ReturnType<typeof storeContents>>;

test("setup: the sweep in one process, and in 4 shards (their stores in one folder, one problem cache)", async () => {
  for (const c of [SYN, DS]) {
    const r = await cli("run", c, "--db", REF, "--quiet");
    assert.equal(r.code, 0, r.err);
  }
  for (const i of [1, 2, 3, 4]) await runShard(i);
  assert.deepEqual(readdirSync(SHARDS).sort(), ["problems", ...[1, 2, 3, 4].map((i) => `shard-00${i}-of-004.duckdb`)]);
  assert.equal(readdirSync(join(SHARDS, "problems")).length, 1, "the data set's problem was cached once");
  reference = await storeContents(REF);
  assert.equal(reference.runs.length, 16 + 12);
  assert.ok(reference.modes.length > 0 && reference.curves.length > 0);
});

test("merged shards equal the one-process store; merging again changes nothing", async () => {
  const out = join(dir, "all.duckdb");
  const r = await cli("merge", SHARDS, "--db", out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /experiment syn: all 4 shards complete/);
  assert.match(r.out, /experiment ds: all 4 shards complete/);
  const merged = await storeContents(out);
  for (const k of COMPARED) assert.deepEqual(merged[k], reference[k], k);
  const again = await cli("merge", ...[1, 2, 3, 4].map(shardFile), "--db", out);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /: 28 runs \(0 added\)/);
  assert.deepEqual(await storeContents(out), merged, "idempotent, run ids included");
});

test("a missing shard is reported with its index; merged later, it completes the store", async () => {
  const out = join(dir, "partial.duckdb");
  const r = await cli("merge", shardFile(1), shardFile(2), shardFile(4), "--db", out);
  assert.equal(r.code, 1);
  assert.match(r.err, /experiment syn: shard 3 of 4 missing/);
  assert.match(r.err, /experiment ds: shard 3 of 4 missing/);
  assert.equal((await storeContents(out)).runs.length, 28 - 7, "every finished run of the other shards is merged");
  const r2 = await cli("merge", shardFile(3), "--db", out);
  assert.equal(r2.code, 0, r2.err);
  const merged = await storeContents(out);
  for (const k of COMPARED) assert.deepEqual(merged[k], reference[k], k);
});

test("an unfinished shard is reported; its 'running' rows are not merged; rerun, it merges complete", async () => {
  const killed = join(dir, "killed", "shard-002-of-004.duckdb");
  mkdirSync(join(dir, "killed"));
  copyFileSync(shardFile(2), killed);
  const s = await Store.open(killed);
  // what a SIGKILL leaves: a run cut short ('running', some curve rows) and a run never started
  const [a, b] = (await s.rows("SELECT run_id FROM runs WHERE experiment = 'syn' ORDER BY run_id LIMIT 2")).map((x) =>
    Number(x.run_id),
  );
  await s.run(`UPDATE runs SET status = 'running' WHERE run_id = ${a}`);
  await s.deleteRuns([b]);
  await s.close();
  const out = join(dir, "unfinished.duckdb");
  const r = await cli("merge", shardFile(1), killed, shardFile(3), shardFile(4), "--db", out);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    /experiment syn: shard 2\/4 is unfinished in .*killed\/shard-002-of-004\.duckdb \(2 of 4 runs finished\)/,
  );
  assert.match(r.out, /1 left running by a killed process \(not merged\)/);
  assert.match(r.out, /experiment ds: all 4 shards complete/);
  const partial = await storeContents(out);
  assert.equal(partial.runs.length, 28 - 2);
  assert.ok(partial.runs.every((x) => x.status === "done" || x.status === "diverged"));
  // the shard is rerun into its store (it resumes), and merged again
  const rerun = await cli("run", SYN, "--shard", "2/4", "--db", killed, "--quiet");
  assert.equal(rerun.code, 0, rerun.err);
  assert.match(rerun.out, /2 skipped/);
  const r2 = await cli("merge", killed, "--db", out);
  assert.equal(r2.code, 0, r2.err);
  const merged = await storeContents(out);
  for (const k of ["runs", "curves", "modes"] as const) assert.deepEqual(merged[k], reference[k], k);
});

test("a finished copy replaces a failed one; copies that differ are a conflict (the first kept)", async () => {
  const failed = join(dir, "failed.duckdb");
  copyFileSync(shardFile(1), failed);
  const altered = join(dir, "altered.duckdb");
  copyFileSync(shardFile(1), altered);
  let s = await Store.open(failed);
  await s.run(
    "UPDATE runs SET status = 'failed', error = 'worker crashed' WHERE run_id = (SELECT min(run_id) FROM runs)",
  );
  await s.close();
  s = await Store.open(altered);
  // one curve value one ulp away, and another run's final loss
  await s.run(
    "UPDATE curves SET loss = nextafter(loss, 1e300) WHERE run_id = (SELECT min(run_id) FROM runs) AND step = 100",
  );
  await s.run("UPDATE runs SET final_loss = final_loss * 2 WHERE run_id = (SELECT max(run_id) FROM runs)");
  await s.close();
  const out = join(dir, "conflict.duckdb");
  const r = await cli("merge", failed, shardFile(1), altered, "--db", out);
  assert.equal(r.code, 1);
  const conflicts = r.err.split("\n").filter((l) => l.startsWith("conflict:"));
  assert.equal(conflicts.length, 2, r.err);
  assert.ok(conflicts.some((l) => /\(curve values differ\); kept the copy from .*shard-001-of-004/.test(l)));
  assert.ok(conflicts.some((l) => /final_loss \S+ ≠ \S+/.test(l)));
  const merged = await storeContents(out);
  const one = await storeContents(shardFile(1));
  for (const k of ["runs", "curves"] as const) assert.deepEqual(merged[k], one[k], `${k}: the finished copies kept`);
});

test("bad input: exit 2 and nothing written", async () => {
  const out = join(dir, "never.duckdb");
  let r = await cli("merge", join(dir, "no-such.duckdb"), "--db", out);
  assert.equal(r.code, 2);
  assert.match(r.err, /SHARD_DB item 1: no such file or folder/);
  const text = join(dir, "notes.duckdb");
  writeFileSync(text, "not a database\n");
  r = await cli("merge", shardFile(1), text, "--db", out);
  assert.equal(r.code, 2);
  assert.match(r.err, /notes\.duckdb: not a readable DuckDB store/);
  // shards of two different splits of one experiment
  const three = join(dir, "split3");
  const a = await cli("run", SYN, "--shard", "1/3", "--db", `${three}/`, "--quiet");
  assert.equal(a.code, 0, a.err);
  r = await cli("merge", shardFile(2), three, "--db", out);
  assert.equal(r.code, 2);
  assert.match(r.err, /experiment syn: the inputs are shards of different splits/);
  r = await cli("merge", "--db", out);
  assert.equal(r.code, 2);
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith("never.duckdb")),
    [],
    "no temporary file either",
  );
});

test("an input held by a running writer is reported, the rest merged; OUT held by one is not replaced", async () => {
  const busy = join(dir, "busy.duckdb");
  copyFileSync(shardFile(4), busy);
  const holder = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `const { Store } = await import(${JSON.stringify(STORE)});
       await Store.open(${JSON.stringify(busy)}); console.log("open"); setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    await new Promise<void>((res) => holder.stdout.on("data", () => res()));
    const out = join(dir, "busy-out.duckdb");
    const r = await cli("merge", shardFile(1), busy, "--db", out);
    assert.equal(r.code, 1);
    assert.match(r.err, /busy\.duckdb: in use by another process \(a shard still running\?\); not merged/);
    assert.equal((await storeContents(out)).runs.length, 7);
    // and the merge refuses to replace a store a sweep is writing into
    const into = await cli("merge", shardFile(1), "--db", busy);
    assert.equal(into.code, 1);
    assert.match(into.err, /busy\.duckdb is in use by another process/);
  } finally {
    holder.kill("SIGKILL");
  }
});

test("a merge killed at any moment leaves OUT as it was or complete; the next one cleans up", async () => {
  // a store big enough for the merge to take a while: 40 runs of 25 000 recorded steps
  const big = join(dir, "big");
  const cfg = config("big", {
    problem: { kind: "synthetic", N: 50, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd", tau: [1, -1, 0.5, 0] }],
    sweep: { lr: [0.2, 0.4, 0.6, 0.8, 1], momentum: [0, -0.3], batch_size: [5] },
    n_steps: 25_000,
  });
  for (const i of [1, 2]) {
    const r = await cli("run", cfg, "--shard", `${i}/2`, "--db", `${big}/`, "--quiet");
    assert.equal(r.code, 0, r.err);
  }
  const out = join(dir, "big-out.duckdb");
  let midMerge = 0;
  // kills at offsets after the merge starts writing (its OUT.merge-<pid>.tmp appears), not at fixed times: a
  // loaded machine starts it seconds late
  for (const delay of [0, 20, 60, 150, 400, 1000]) {
    const child = spawn(process.execPath, [BIN, "merge", big, "--db", out], { stdio: "ignore" });
    const writing = () => existsSync(join(dir, `big-out.duckdb.merge-${child.pid}.tmp`));
    let running = true;
    const exited = new Promise((res) => child.on("exit", res)).then(() => (running = false));
    for (const t0 = performance.now(); running && !writing() && performance.now() - t0 < 60_000; ) await sleep(5);
    await sleep(delay);
    if (running && writing()) midMerge++;
    child.kill("SIGKILL");
    await exited;
    if (existsSync(out)) {
      const s = await Store.open(out, { readOnly: true });
      const [{ n, c }] = await s.rows(
        "SELECT (SELECT count(*) FROM runs)::INTEGER AS n, (SELECT count(*) FROM curves)::INTEGER AS c",
      );
      await s.close();
      assert.deepEqual([n, c], [40, 40 * 25_001], "OUT, when there, is complete");
    }
  }
  assert.ok(midMerge > 0, "at least one kill landed while the merge was writing");
  const r = await cli("merge", big, "--db", out);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith("big-out.duckdb")),
    ["big-out.duckdb"],
    "no temporary file or lock is left",
  );
});
