import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { Store, StoreError } from "../../lib/store/store.ts";
import { exportArrow, exportParquet } from "../../lib/store/export.ts";
import { runQuery, toJson, toCsv, toTable } from "../../lib/store/format.ts";
import { TABLES } from "../../lib/store/schema.ts";

const dir = mkdtempSync(join(tmpdir(), "store-"));

function finished(runId: number, status: "done" | "diverged" = "done") {
  return {
    runId,
    status,
    divergedAt: status === "diverged" ? 3 : null,
    steps: 3,
    finalLoss: 0.5,
    error: null,
    backend: "js",
    finishedAt: Date.now(),
    durationMs: 1,
  };
}

test("schema: every table is created; reopening keeps rows; running runs are recovered", async () => {
  const path = join(dir, "a.duckdb");
  const s = await Store.open(path);
  const names = (
    await s.rows(
      "SELECT table_name FROM information_schema.tables " +
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
  ).map((r) => r.table_name);
  assert.deepEqual(names, TABLES.map((t) => t.name).sort());
  await s.startStreaming();
  s.addRun({ run_id: 1, experiment: "e", status: "running", regime: "sd", started_at: Date.now() });
  s.addRun({ run_id: 2, experiment: "e", status: "running", regime: "sd", started_at: Date.now() });
  s.addCurve(1, Int32Array.of(0, 1, 2, 3), Float64Array.of(1, 0.5, 0.25, 0.125));
  s.addCurve(2, Int32Array.of(0, 1), Float64Array.of(1, 2));
  s.addModes(1, 0, Float64Array.of(0.5, 0.3, 0.2));
  await s.commit([finished(1)]);
  await s.close();

  const t = await Store.open(path);
  assert.deepEqual(await t.rows("SELECT run_id, status, steps, backend FROM runs ORDER BY run_id"), [
    { run_id: 1, status: "done", steps: 3, backend: "js" },
    { run_id: 2, status: "running", steps: null, backend: null },
  ]);
  assert.equal(await t.recover(), 1);
  assert.deepEqual(await t.rows("SELECT run_id, count(*)::INTEGER AS n FROM curves GROUP BY 1"), [{ run_id: 1, n: 4 }]);
  assert.deepEqual(await t.rows("SELECT k, c FROM modes ORDER BY k"), [
    { k: 1, c: 0.5 },
    { k: 2, c: 0.3 },
    { k: 3, c: 0.2 },
  ]);
  assert.equal(await t.maxRunId(), 1);
  await t.close();
});

test("recover removes curve rows whose run row was never committed", async () => {
  const path = join(dir, "b.duckdb");
  const s = await Store.open(path);
  await s.startStreaming();
  s.addRun({ run_id: 1, experiment: "e", status: "running" });
  await s.commit([finished(1)]);
  s.addCurve(7, Int32Array.of(0), Float64Array.of(1)); // an orphan (its run row never flushed)
  await s.commit([]);
  assert.equal(await s.recover(), 0);
  assert.deepEqual(await s.rows("SELECT count(*)::INTEGER AS n FROM curves"), [{ n: 0 }]);
  await s.close();
});

test("chunk appender: many rows across chunk boundaries, NaN and Infinity kept", async () => {
  const s = await Store.open(join(dir, "c.duckdb"));
  await s.startStreaming();
  const n = 5000;
  const steps = Int32Array.from({ length: n }, (_, i) => i);
  const losses = Float64Array.from({ length: n }, (_, i) => i / 2);
  losses[4998] = Infinity;
  losses[4999] = NaN;
  s.addRun({ run_id: 1, experiment: "e", status: "running" });
  s.addCurve(1, steps.subarray(0, 1000), losses.subarray(0, 1000));
  s.addCurve(1, steps.subarray(1000), losses.subarray(1000));
  await s.commit([finished(1, "diverged")]);
  const [r] = await s.rows(
    "SELECT count(*)::INTEGER AS n, sum(step)::DOUBLE AS s, sum(loss) FILTER (WHERE isfinite(loss)) AS l FROM curves",
  );
  assert.equal(r.n, n);
  assert.equal(r.s, (n * (n - 1)) / 2);
  assert.equal(r.l, (4997 * 4998) / 4);
  const q = await runQuery(s.connection, "SELECT step, loss FROM curves WHERE step >= 4998 ORDER BY step");
  assert.equal(toJson(q), '[{"step":4998,"loss":null},{"step":4999,"loss":null}]');
  assert.equal(toCsv(q), "step,loss\n4998,Infinity\n4999,NaN\n");
  assert.match(toTable(q), /4999\s+NaN\n\(2 rows\)/);
  const big = await runQuery(s.connection, "SELECT count(*) AS n, 2::HUGEINT AS h, now() AS t FROM curves");
  const [obj] = JSON.parse(toJson(big));
  assert.equal(obj.n, n); // BIGINT as a JSON number
  assert.equal(obj.h, 2);
  assert.match(obj.t, /^\d{4}-\d\d-\d\dT/);
  await s.close();
});

test("export: Parquet and Arrow IPC per table, read back", async () => {
  const s = await Store.open(join(dir, "d.duckdb"));
  await s.putProblem(
    { problem: "p1", kind: "synthetic", N: 3 },
    Float64Array.of(1, 0.5, 0.25),
    Float64Array.of(0.6, 0.3, 0.1),
  );
  await s.startStreaming();
  s.addRun({ run_id: 1, experiment: "e", status: "running", lr: 0.5, started_at: Date.UTC(2024, 0, 2) });
  s.addCurve(1, Int32Array.of(0, 1), Float64Array.of(1, 0.5));
  await s.commit([finished(1)]);
  const pq = await exportParquet(s, join(dir, "pq"));
  assert.deepEqual(
    pq.map((r) => [r.table, r.rows]),
    [
      ["experiments", 0],
      ["problems", 1],
      ["spectra", 3],
      ["runs", 1],
      ["curves", 2],
      ["modes", 0],
    ],
  );
  const back = await s.rows(`SELECT sum("lambda") AS s FROM read_parquet('${join(dir, "pq", "spectra.parquet")}')`);
  assert.deepEqual(back, [{ s: 1.75 }]);
  const ar = await exportArrow(s, join(dir, "ar"), ["runs", "curves", "spectra"]);
  assert.ok(ar.every((r) => existsSync(r.file)));
  const { readFileSync } = await import("node:fs");
  const runs = tableFromIPC(readFileSync(join(dir, "ar", "runs.arrow")));
  assert.equal(runs.numRows, 1);
  const row = runs.get(0)!.toJSON();
  assert.equal(row.lr, 0.5);
  assert.equal(row.status, "done");
  assert.equal(Number(row.started_at), Date.UTC(2024, 0, 2));
  const curves = tableFromIPC(readFileSync(join(dir, "ar", "curves.arrow")));
  assert.deepEqual(Array.from(curves.getChild("loss")!.toArray() as Float64Array), [1, 0.5]);
  await s.close();
});

test("read-only open of a missing file is a StoreError", async () => {
  await assert.rejects(Store.open(join(dir, "missing.duckdb"), { readOnly: true }), StoreError);
  assert.equal(existsSync(join(dir, "missing.duckdb")), false);
});
