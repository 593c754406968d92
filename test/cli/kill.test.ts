// A sweep killed with SIGKILL mid-run, then resumed, gives the same rows as an uninterrupted one, with no
// duplicates, and the DuckDB file reopens cleanly (WAL replay).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../lib/store/store.ts";

const BIN = new URL("../../bin/powerlaw-sgd.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "kill-"));
const config = join(dir, "exp.json");
writeFileSync(config, JSON.stringify({
  experiment: "kill",
  problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1 },
  regimes: [{ regime: "full" }, { regime: "sd", tau: [1, -1] }, { regime: "linearized", replicates: 2 }],
  sweep: { lr: [0.1, 0.2, 0.4, 0.8, 1.6, 3.2], momentum: [0, 0.5], batch_size: [10] },
  n_steps: 400,
  record: { mode: "every", k: 3 },
}));

async function snapshot(db: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    const curves = await s.rows(`SELECT r.config_hash AS h, c.step, c.loss FROM curves c JOIN runs r USING (run_id) ORDER BY h, step`);
    const runs = await s.rows("SELECT config_hash AS h, status, diverged_at, steps, final_loss FROM runs ORDER BY h");
    const dup = await s.rows("SELECT count(*)::INTEGER AS n FROM (SELECT run_id, step FROM curves GROUP BY ALL HAVING count(*) > 1)");
    return { curves, runs, dup: Number(dup[0].n) };
  } finally {
    await s.close();
  }
}

test("SIGKILL mid-sweep, then resume = uninterrupted sweep", { timeout: 50_000 }, async () => {
  const ref = join(dir, "ref.duckdb");
  const r = spawnSync(process.execPath, [BIN, "run", config, "--db", ref, "--concurrency", "2", "--quiet"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);

  const db = join(dir, "killed.duckdb");
  const child = spawn(process.execPath, [BIN, "run", config, "--db", db, "--concurrency", "2"], { env: { ...process.env, POWERLAW_SGD_PROGRESS_MS: "20" } });
  let err = "";
  const exited = new Promise((res) => child.on("exit", res));
  const finished = await new Promise<number>((resolve) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = [...err.matchAll(/runs (\d+)\/(\d+)/g)].pop();
      if (m && Number(m[1]) >= 6 && child.exitCode === null && !child.killed) {
        child.kill("SIGKILL");
        resolve(Number(m[1]));
      }
    });
    child.on("exit", () => resolve(-1));
  });
  await exited;
  assert.ok(finished > 0, `the sweep ended before it could be killed:\n${err}`);
  assert.equal(child.signalCode, "SIGKILL");

  // the file opens (WAL replayed); it holds some finished runs and possibly 'running' leftovers
  const mid = await Store.open(db, { readOnly: true });
  const statuses = await mid.rows("SELECT status, count(*)::INTEGER AS n FROM runs GROUP BY 1 ORDER BY 1");
  await mid.close();
  const total = statuses.reduce((a, x) => a + Number(x.n), 0);
  assert.ok(total > 0 && total < 60, JSON.stringify(statuses));

  const again = spawnSync(process.execPath, [BIN, "run", config, "--db", db, "--concurrency", "2"], { encoding: "utf8" });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /already finished with this code version: skipped/);
  const a = await snapshot(ref);
  const b = await snapshot(db);
  assert.equal(a.runs.length, 60); // full 12 + sd 2×12 + linearized 12×2
  assert.equal(b.dup, 0);
  assert.deepEqual(b.runs, a.runs);
  assert.equal(b.curves.length, a.curves.length);
  assert.deepEqual(b.curves, a.curves);
});
