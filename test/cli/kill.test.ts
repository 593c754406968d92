// A sweep killed with SIGKILL mid-run, then resumed, gives the same rows as an uninterrupted one, with no
// duplicates, and the DuckDB file reopens cleanly (WAL replay). Once for a synthetic problem, once for a
// network problem (nn runs on the worker pool next to linearized, SD and full runs on its NTK; the resumed
// invocation reads the problem back from its cache, so this also checks that the cache is exact).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../lib/store/store.ts";

const BIN = new URL("../../bin/powerlaw-sgd.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "kill-"));

function writeConfig(name: string, config: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

async function snapshot(db: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    const curves = await s.rows(
      `SELECT r.config_hash AS h, c.step, c.loss FROM curves c JOIN runs r USING (run_id) ORDER BY h, step`,
    );
    const runs = await s.rows(
      "SELECT config_hash AS h, regime, status, diverged_at, steps, final_loss, lr_scale, lr_scale_applied, " +
        "hidden_dim FROM runs ORDER BY h",
    );
    const dup = await s.rows(
      "SELECT count(*)::INTEGER AS n FROM (SELECT run_id, step FROM curves GROUP BY ALL HAVING count(*) > 1)",
    );
    return { curves, runs, dup: Number(dup[0].n) };
  } finally {
    await s.close();
  }
}

/**
 * Runs `config` uninterrupted into one file, and killed (SIGKILL `delayMs` after the progress line shows
 * `killAfter` finished runs, so that some are committed) then resumed into another.
 */
async function killAndResume(name: string, config: string, total: number, killAfter: number, delayMs = 0) {
  const ref = join(dir, `${name}-ref.duckdb`);
  const r = spawnSync(process.execPath, [BIN, "run", config, "--db", ref, "--concurrency", "2", "--quiet"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);

  const db = join(dir, `${name}-killed.duckdb`);
  const child = spawn(process.execPath, [BIN, "run", config, "--db", db, "--concurrency", "2"], {
    env: { ...process.env, POWERLAW_SGD_PROGRESS_MS: "20" },
  });
  let err = "";
  let armed = false;
  const exited = new Promise((res) => child.on("exit", res));
  const finished = await new Promise<number>((resolve) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const m = [...err.matchAll(/runs (\d+)\/(\d+)/g)].pop();
      if (m && Number(m[1]) >= killAfter && !armed) {
        armed = true;
        setTimeout(() => {
          if (child.exitCode !== null || child.killed) return;
          child.kill("SIGKILL");
          resolve(Number(m[1]));
        }, delayMs);
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
  const regimes = await mid.rows("SELECT regime, status, count(*)::INTEGER AS n FROM runs GROUP BY ALL ORDER BY ALL");
  await mid.close();
  const stored = statuses.reduce((a, x) => a + Number(x.n), 0);
  assert.ok(stored > 0 && stored < total, JSON.stringify(statuses));

  const again = spawnSync(process.execPath, [BIN, "run", config, "--db", db, "--concurrency", "2"], {
    encoding: "utf8",
  });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /already finished with this code version: skipped/);
  const a = await snapshot(ref);
  const b = await snapshot(db);
  assert.equal(a.runs.length, total);
  assert.equal(b.dup, 0);
  assert.deepEqual(b.runs, a.runs);
  assert.equal(b.curves.length, a.curves.length);
  assert.deepEqual(b.curves, a.curves);
  return { ...a, killed: regimes };
}

test("SIGKILL mid-sweep, then resume = uninterrupted sweep", { timeout: 50_000 }, async () => {
  const config = writeConfig("kill", {
    experiment: "kill",
    problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "full" }, { regime: "sd", tau: [1, -1] }, { regime: "linearized", replicates: 2 }],
    sweep: { lr: [0.1, 0.2, 0.4, 0.8, 1.6, 3.2], momentum: [0, 0.5], batch_size: [10] },
    n_steps: 400,
    record: { mode: "every", k: 3 },
  });
  await killAndResume("synthetic", config, 60, 6); // full 12 + sd 2×12 + linearized 12×2
});

test("SIGKILL mid-sweep with nn runs (network problem), then resume = uninterrupted sweep", {
  timeout: 50_000,
}, async () => {
  const config = writeConfig("kill-nn", {
    experiment: "kill-nn",
    problem: { kind: "dataset", dataset: "mnist", N: 128, hidden_dim: 128 },
    regimes: [
      { regime: "nn", replicates: 3 },
      { regime: "linearized", replicates: 2 },
      { regime: "sd", tau: [1, -1] },
      { regime: "full" },
    ],
    sweep: { lr: [0.2, 0.5, 1, 2], momentum: [0, 0.5], batch_size: [8] },
    n_steps: 300,
    record: { mode: "every", k: 3 },
  });
  // the nn runs come first (24 of them): the kill lands among them
  const a = await killAndResume("network", config, 64, 6, 300); // nn 8×3 + linearized 8×2 + sd 2×8 + full 8
  // the kill came after some nn runs had finished and before the sweep's end
  assert.ok(
    a.killed.some((r) => r.regime === "nn" && r.status === "done"),
    JSON.stringify(a.killed),
  );
  const nn = a.runs.filter((r) => r.regime === "nn");
  assert.equal(nn.length, 24);
  assert.ok(nn.every((r) => Number(r.lr_scale) > 0 && r.lr_scale_applied === true && r.hidden_dim === 128));
  assert.ok(
    a.runs
      .filter((r) => r.regime !== "nn")
      .every((r) => r.lr_scale === null && r.lr_scale_applied === null && r.hidden_dim === 128),
  );
  // one problem, built once and cached next to the results files
  const cached = readdirSync(join(dir, "problems")).filter((f) => !f.startsWith("."));
  assert.equal(cached.length, 1);
  assert.ok(existsSync(join(dir, "problems", cached[0], "problem.json")));
});
