import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExperiment } from "../../lib/run/runner.ts";
import { parseExperiment, type ExperimentInput } from "../../lib/config/schema.ts";
import { Store } from "../../lib/store/store.ts";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
import { sdStepKernel } from "../../lib/regimes/sdStepBackend.ts";
import { syntheticSpectrum } from "../../lib/problem/synthetic.ts";
import { constantSchedule } from "../../lib/schedule/constant.ts";

const dir = mkdtempSync(join(tmpdir(), "runner-"));

function parse(input: ExperimentInput) {
  const r = parseExperiment(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

async function rows(db: string, sql: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    return await s.rows(sql);
  } finally {
    await s.close();
  }
}

test("a diverging setting is recorded as diverged while its neighbours finish; a failing one as failed", async () => {
  const db = join(dir, "a.duckdb");
  // jacobi with lr = 0 is refused by the schedule at run time: that run fails, the others go on
  // (b = N: no batch noise, so lr 0.5 converges and lr 5 > 2/λ_max diverges)
  const e = parse({
    experiment: "mix",
    problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd", tau: [1] }],
    sweep: { lr: [0, 0.5, 5], batch_size: [100], schedule: { kind: "jacobi", a: [1], b: [1] } },
    n_steps: 300,
  });
  const s = await runExperiment(e, { db, concurrency: 2, progress: false });
  assert.deepEqual([s.total, s.done, s.diverged, s.failed], [3, 1, 1, 1]);
  const r = await rows(db, "SELECT lr, status, diverged_at, steps, error FROM runs ORDER BY lr");
  assert.equal(r[0].status, "failed");
  assert.match(String(r[0].error), /lr must be a finite number > 0/);
  assert.deepEqual([r[1].status, r[1].steps, r[1].diverged_at], ["done", 300, null]);
  assert.equal(r[2].status, "diverged");
  assert.ok(Number(r[2].diverged_at) > 0 && Number(r[2].diverged_at) < 300);
  const c = await rows(
    db,
    "SELECT r.lr, count(*)::INTEGER AS n, max(step) AS last FROM curves JOIN runs r USING (run_id) " +
      "GROUP BY 1 ORDER BY 1",
  );
  assert.deepEqual(c[0], { lr: 0.5, n: 301, last: 300 });
  assert.equal(c[1].last, r[2].diverged_at);
  // again: done and diverged runs are skipped, the failed one is redone (and fails again)
  const s2 = await runExperiment(e, { db, concurrency: 2, progress: false });
  assert.deepEqual([s2.skipped, s2.failed], [2, 1]);
  const n = await rows(db, "SELECT count(*)::INTEGER AS n FROM runs");
  assert.equal(n[0].n, 3);
});

test(
  "stored curves equal the regime's own output (SD, record log) " + "and linearized replicates are reproducible",
  async () => {
    const db = join(dir, "b.duckdb");
    const e = parse({
      experiment: "same",
      problem: { kind: "synthetic", N: 60, nu: 1.3, kappa: 0.8 },
      regimes: [{ regime: "sd", tau: [-1] }, { regime: "linearized", replicates: 2 }, { regime: "full" }],
      sweep: { lr: [0.4], momentum: [0.3], batch_size: [4] },
      n_steps: 200,
      record: { mode: "log", per_decade: 5 },
      track: { every: 100 },
    });
    const s = await runExperiment(e, { db, concurrency: 2, progress: false });
    assert.equal(s.done, 4);
    const got = await rows(
      db,
      "SELECT step, loss FROM curves JOIN runs USING (run_id) WHERE regime = 'sd' ORDER BY step",
    );
    const direct = [
      ...spectralDiagonal(syntheticSpectrum({ N: 60, nu: 1.3, kappa: 0.8 }), {
        schedule: constantSchedule(0.4, 0.3),
        batchSize: 4,
        nSteps: 200,
        tau: -1,
        kernel: sdStepKernel(), // the kernel the workers use, so the losses are the same to the last bit
      }),
    ];
    const steps = [0, 1, 2, 3, 4, 6, 10, 16, 25, 40, 63, 100, 158, 200];
    assert.deepEqual(
      got.map((r) => r.step),
      steps,
    );
    for (const r of got) assert.equal(r.loss, direct[Number(r.step)].loss);
    const modes = await rows(
      db,
      "SELECT regime, step, count(*)::INTEGER AS n FROM modes JOIN runs USING (run_id) GROUP BY ALL ORDER BY ALL",
    );
    assert.deepEqual(
      modes.filter((m) => m.regime === "sd"),
      [0, 100, 200].map((step) => ({ regime: "sd", step, n: 60 })),
    );
    const lin = await rows(
      db,
      "SELECT replicate, list(loss ORDER BY step) AS l FROM curves JOIN runs USING (run_id) " +
        "WHERE regime = 'linearized' GROUP BY 1 ORDER BY 1",
    );
    assert.notDeepEqual(lin[0].l, lin[1].l, "replicates draw different batches");
    const db2 = join(dir, "c.duckdb");
    await runExperiment(e, { db: db2, concurrency: 1, progress: false });
    const lin2 = await rows(
      db2,
      "SELECT replicate, list(loss ORDER BY step) AS l FROM curves JOIN runs USING (run_id) " +
        "WHERE regime = 'linearized' GROUP BY 1 ORDER BY 1",
    );
    assert.deepEqual(lin2, lin, "same seed, same curves, whatever the concurrency");
    const meta = await rows(
      db,
      "SELECT regime, backend, gamma, record, code_version IS NOT NULL AS v FROM runs ORDER BY run_id",
    );
    assert.deepEqual(
      meta.map((m) => [m.regime, m.record, m.v]),
      [
        ["sd", "log:5", true],
        ["linearized", "log:5", true],
        ["linearized", "log:5", true],
        ["full", "log:5", true],
      ],
    );
    assert.ok(["native", "wasm", "ts"].includes(String(meta[3].backend)));
    assert.equal(meta[0].gamma, (60 - 4) / (59 * 4));
    const sp = await rows(db, 'SELECT count(*)::INTEGER AS n, sum(c) AS s, max("lambda") AS m FROM spectra');
    assert.equal(sp[0].n, 60);
    assert.ok(Math.abs(Number(sp[0].s) - 1) < 1e-12);
  },
);

test("an aborted sweep keeps its finished runs, deletes unfinished ones, and resumes", async () => {
  const db = join(dir, "d.duckdb");
  const e = parse({
    experiment: "abort",
    problem: { kind: "synthetic", N: 120, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "full" }],
    sweep: { lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], batch_size: [10] },
    n_steps: 400,
  });
  const ctl = new AbortController();
  let ends = 0;
  const s = await runExperiment(e, {
    db,
    concurrency: 2,
    progress: false,
    signal: ctl.signal,
    onEvent: (ev) => {
      if (ev.type === "end" && ++ends === 2) ctl.abort();
    },
  });
  assert.equal(s.interrupted, true);
  const r = await rows(db, "SELECT status, count(*)::INTEGER AS n FROM runs GROUP BY 1");
  assert.ok(
    r.every((x) => x.status === "done"),
    JSON.stringify(r),
  );
  const kept = r.length ? Number(r[0].n) : 0;
  assert.ok(kept >= 1 && kept < 6, `kept ${kept}`);
  const orphans = await rows(
    db,
    "SELECT count(*)::INTEGER AS n FROM curves WHERE run_id NOT IN (SELECT run_id FROM runs)",
  );
  assert.equal(orphans[0].n, 0);
  const s2 = await runExperiment(e, { db, concurrency: 2, progress: false });
  assert.equal(s2.skipped, kept);
  assert.equal(s2.done, 6 - kept);
  const all = await rows(
    db,
    "SELECT count(*)::INTEGER AS runs, count(DISTINCT config_hash)::INTEGER AS distinct_runs FROM runs",
  );
  assert.deepEqual(all, [{ runs: 6, distinct_runs: 6 }]);
});
